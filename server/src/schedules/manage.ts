import {
  BrumeError,
  kindDeclaration,
  type Schedule,
  type ScheduleCreate,
  type ScheduleDetail,
  type WakeRequest,
  type WakeReport,
} from '@brume/protocol';
import type { z } from 'zod';
import type { ScheduleRecord } from '../db/schedules.ts';
import type { DomainContext } from '../domain/context.ts';
import { findGroup, hostsNamed } from '../domain/groups.ts';
import { kindHooks, requireGroupable } from '../domain/task-kinds.ts';
import { atInstant, checkTiming, nextOccurrence } from './occurrences.ts';
import { localTime, SCHEDULES_LOCK, timingOf } from './scheduler.ts';
import type { ScheduleService } from './service.ts';

/** How many firings `schedule show` lists. */
const SHOWN_FIRINGS = 50;

/** A stored schedule as the API shows it; one whose task is of a kind this server does not know is bad input. */
const toSchedule = (record: ScheduleRecord): Schedule => {
  kindDeclaration(record.task.kind);
  return record;
};

async function findSchedule(ctx: DomainContext, id: number): Promise<ScheduleRecord> {
  const schedule = await ctx.db.schedules.byId(id);
  if (schedule === undefined)
    throw new BrumeError('SCHEDULE_NOT_FOUND', `no schedule ${id}: brume schedule list shows them`, { detail: { id } });
  return schedule;
}

/** What a batch checks when it is made, checked now as well, so a typo is refused today rather than failing at 02:00. */
async function checkTask(ctx: DomainContext, task: z.output<typeof ScheduleCreate>['task']): Promise<void> {
  requireGroupable(task.kind, 'a schedule');
  const group = await findGroup(ctx, task.group);
  if (group.hosts.length === 0)
    throw new BrumeError('BAD_REQUEST', `group ${group.name} has no hosts`, { detail: { group: group.name } });
  await kindHooks(task.kind).onCreate?.(ctx, { kind: task.kind, image: task.image });
}

/** A new schedule, active. A one-shot time already past is refused: nothing would ever fire. */
export async function createSchedule(
  ctx: DomainContext,
  service: ScheduleService,
  input: z.output<typeof ScheduleCreate>,
): Promise<Schedule> {
  const timezone = input.timezone ?? service.defaultTimeZone;
  const timing = input.at !== undefined ? { at: input.at, timezone } : { cron: input.cron ?? '', timezone };
  checkTiming(timing);
  await checkTask(ctx, input.task);
  const now = service.clock.now();
  if (timing.at !== undefined && atInstant(timing).getTime() <= now.getTime()) {
    throw new BrumeError(
      'BAD_REQUEST',
      `at ${timing.at} is in the past in ${timezone} (it is now ${localTime(now, timezone)})`,
      { detail: { at: timing.at, timezone } },
    );
  }
  const next = nextOccurrence(timing, now);
  if (next === null)
    throw new BrumeError('BAD_REQUEST', `cron '${input.cron ?? ''}' never occurs again`, {
      detail: { cron: input.cron },
    });
  const record = await ctx.locks.exclusive(SCHEDULES_LOCK, async () =>
    ctx.db.schedules.insert({
      task: input.task,
      at: input.at ?? null,
      cron: input.cron ?? null,
      timezone,
      nextAt: next.toISOString(),
      createdAt: now.toISOString(),
    }),
  );
  await service.scheduler.changed();
  return toSchedule(record);
}

export async function listSchedules(ctx: DomainContext): Promise<{ schedules: Schedule[] }> {
  return { schedules: (await ctx.db.schedules.list()).map(toSchedule) };
}

export async function showSchedule(ctx: DomainContext, id: number): Promise<ScheduleDetail> {
  const schedule = await findSchedule(ctx, id);
  return { ...toSchedule(schedule), firings: await ctx.db.schedules.firings(id, SHOWN_FIRINGS) };
}

/** A paused schedule lets its occurrences pass unrecorded (someone chose so); pausing twice is one pause. */
export async function pauseSchedule(ctx: DomainContext, service: ScheduleService, id: number): Promise<Schedule> {
  await ctx.locks.exclusive(SCHEDULES_LOCK, async () => {
    const schedule = await findSchedule(ctx, id);
    if (schedule.state === 'ended')
      throw new BrumeError('SCHEDULE_STATE', `schedule ${id} has ended: there is nothing to pause`, {
        detail: { state: schedule.state },
      });
    if (schedule.state === 'active') await ctx.db.schedules.setState(id, { state: 'paused', nextAt: null });
  });
  await service.scheduler.changed();
  return toSchedule(await findSchedule(ctx, id));
}

/** Resumes from now on: the occurrences that passed while paused stay passed. */
export async function resumeSchedule(ctx: DomainContext, service: ScheduleService, id: number): Promise<Schedule> {
  await ctx.locks.exclusive(SCHEDULES_LOCK, async () => {
    const schedule = await findSchedule(ctx, id);
    if (schedule.state === 'ended')
      throw new BrumeError('SCHEDULE_STATE', `schedule ${id} has ended: add a new one`, {
        detail: { state: schedule.state },
      });
    if (schedule.state === 'paused') {
      const timing = timingOf(schedule);
      const next = nextOccurrence(timing, service.clock.now());
      if (next === null) {
        throw new BrumeError(
          'SCHEDULE_STATE',
          `schedule ${id} was to run once at ${schedule.at ?? '?'} ${schedule.timezone}, which passed while it was paused: delete it and add a new one`,
          { detail: { at: schedule.at } },
        );
      }
      await ctx.db.schedules.setState(id, { state: 'active', nextAt: next.toISOString() });
    }
  });
  await service.scheduler.changed();
  return toSchedule(await findSchedule(ctx, id));
}

/** The schedule and its firings go; the batches it made stay with their tasks. */
export async function deleteSchedule(ctx: DomainContext, service: ScheduleService, id: number): Promise<void> {
  await ctx.locks.exclusive(SCHEDULES_LOCK, async () => {
    await findSchedule(ctx, id);
    await ctx.db.schedules.remove(id);
  });
  await service.scheduler.changed();
}

/** `brume host wake`: a magic packet to each MAC of the named hosts, or of a group's hosts, now. */
export async function wakeNow(
  ctx: DomainContext,
  service: ScheduleService,
  request: z.output<typeof WakeRequest>,
): Promise<WakeReport> {
  const names = request.group !== undefined ? (await findGroup(ctx, request.group)).hosts : (request.hosts ?? []);
  if (names.length === 0) throw new BrumeError('BAD_REQUEST', `group ${request.group ?? ''} has no hosts`);
  return { wake: await service.wake(await hostsNamed(ctx, names)) };
}
