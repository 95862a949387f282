import { z } from 'zod';
import { GroupName, HostName, Mac, TaskBatchCreate, TaskError } from './api.ts';

/**
 * Schedules, so a room is imaged at night without anyone there: the task a group gets at a time (`--at`) or on a cron
 * pattern (`--cron`), in a timezone. Firing makes the same batch `POST /tasks/batch` makes, and a deploy wakes the PCs
 * with Wake-on-LAN. Every occurrence leaves a firing: fired (with its batch), failed (with its error), or missed (the
 * server was not running).
 */

const timestamp = z.iso.datetime();

/** A wall-clock time in the schedule's timezone, to the minute or second: 2026-12-01T02:00. */
export const LocalDateTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/,
    'a local date and time such as 2026-12-01T02:00 (no offset: it is read in the timezone)',
  );

/** An IANA timezone name, checked against the zones this Node knows. */
export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA timezone such as Europe/Paris or UTC');

/** Five fields (minute hour day-of-month month day-of-week): what a technician knows from crontab. Checked by the server with croner. */
export const CronPattern = z
  .string()
  .trim()
  .regex(/^\S+(\s+\S+){4}$/, "a cron pattern of five fields, such as '0 2 * * 1-5' (minute hour day month weekday)");

export const ScheduleCreate = z
  .object({
    /** What each firing creates: exactly the body of `POST /tasks/batch`. */
    task: TaskBatchCreate,
    at: LocalDateTime.optional(),
    cron: CronPattern.optional(),
    /** Default: the server's own timezone. */
    timezone: TimeZone.optional(),
  })
  .superRefine((schedule, context) => {
    if ((schedule.at === undefined) === (schedule.cron === undefined))
      context.addIssue({
        code: 'custom',
        path: ['at'],
        message: 'a schedule runs once (at) or repeats (cron): give one of the two',
      });
  });
export type ScheduleCreate = z.input<typeof ScheduleCreate>;

export const ScheduleState = z.enum(['active', 'paused', 'ended']);
export type ScheduleState = z.infer<typeof ScheduleState>;

/** Where one magic packet went: the broadcast of the host's subnet (its inventory), else the server's choice. */
export const WakeSent = z.object({
  host: HostName,
  mac: Mac,
  /** The IPv4 broadcast address it went to; null when none was known (then nothing was sent). */
  address: z.string().nullable(),
  port: z.number().int().min(1).max(65535),
  /** How the address was found: the host's inventory, `brume server --wake-broadcast`, or the listen interface's subnet. */
  via: z.enum(['inventory', 'server-option', 'listen-interface']).nullable(),
  sent: z.boolean(),
  error: z.string().nullable(),
});
export type WakeSent = z.infer<typeof WakeSent>;

export const WakeRequest = z
  .object({ hosts: z.array(HostName).min(1).max(1000).optional(), group: GroupName.optional() })
  .superRefine((request, context) => {
    if ((request.hosts === undefined) === (request.group === undefined))
      context.addIssue({ code: 'custom', path: ['hosts'], message: 'name the hosts or a group (one of the two)' });
  });
export type WakeRequest = z.input<typeof WakeRequest>;
export const WakeReport = z.object({ wake: z.array(WakeSent) });
export type WakeReport = z.infer<typeof WakeReport>;

export const FiringOutcome = z.enum(['fired', 'missed', 'failed']);
export type FiringOutcome = z.infer<typeof FiringOutcome>;

export const ScheduleFiring = z.object({
  id: z.number().int().positive(),
  schedule: z.number().int().positive(),
  /** The occurrence, as an instant. */
  occurrence: timestamp,
  /** When the server wrote it down (a missed one: when the server started again). */
  recordedAt: timestamp,
  outcome: FiringOutcome,
  /** The batch it created (fired), else null. */
  batch: z.number().int().positive().nullable(),
  /** Why it failed (the batch's refusal: GROUP_NOT_FOUND, IMAGE_NOT_FOUND …), or why it was missed (code MISSED, detail.reason server-down or late). */
  error: TaskError.nullable(),
  /** The magic packets of a deploy's firing; empty for other kinds. */
  wake: z.array(WakeSent),
});
export type ScheduleFiring = z.infer<typeof ScheduleFiring>;

export const Schedule = z.object({
  id: z.number().int().positive(),
  task: TaskBatchCreate,
  at: LocalDateTime.nullable(),
  cron: z.string().nullable(),
  timezone: z.string(),
  state: ScheduleState,
  /** The next occurrence, as an instant; null once a one-shot schedule has ended. */
  nextAt: timestamp.nullable(),
  createdAt: timestamp,
  /** How many occurrences were missed (the server was down): reported, never fired late. */
  missed: z.number().int().nonnegative(),
  lastFiring: ScheduleFiring.nullable(),
});
export type Schedule = z.infer<typeof Schedule>;

/** One schedule with its firings, newest first. */
export const ScheduleDetail = Schedule.extend({ firings: z.array(ScheduleFiring) });
export type ScheduleDetail = z.infer<typeof ScheduleDetail>;
export const ScheduleList = z.object({ schedules: z.array(Schedule) });
export type ScheduleList = z.infer<typeof ScheduleList>;
