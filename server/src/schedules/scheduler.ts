import type { NewFiring, ScheduleRecord, ScheduleStep } from '../db/schedules.ts';
import type { DomainContext } from '../domain/context.ts';
import type { Clock } from './clock.ts';
import { nextOccurrence, occurrencesThrough, type Timing } from './occurrences.ts';

/** An occurrence reached later than this (the process was suspended, the event loop stuck) is missed, not fired late. */
export const LATE_LIMIT_MS = 5 * 60_000;
/** The longest timer: a wall clock set forward or back (NTP, a technician) is noticed within this. */
const MAX_TIMER_MS = 5 * 60_000;
/** Missed occurrences written down one by one, per schedule and pass; the rest are counted on the last one. */
const MISSED_RECORDS = 100;
/** After a pass that could not write its outcome (the database failing), the next one waits this long: no hot loop. */
const RETRY_MS = 60_000;
/** Held by each scheduler pass and each change an admin makes to the schedules. */
export const SCHEDULES_LOCK = 'schedules';

export interface SchedulerLog {
  info(detail: Record<string, unknown>, message: string): void;
  warn(detail: Record<string, unknown>, message: string): void;
}

export interface SchedulerDeps {
  ctx: DomainContext;
  clock: Clock;
  /** What an occurrence does (fire.ts). */
  fire: (schedule: ScheduleRecord, occurrence: Date, now: Date) => Promise<NewFiring>;
  log: SchedulerLog;
}

export const timingOf = (schedule: Pick<ScheduleRecord, 'at' | 'cron' | 'timezone'>): Timing =>
  schedule.at !== null
    ? { at: schedule.at, timezone: schedule.timezone }
    : { cron: schedule.cron ?? '', timezone: schedule.timezone };

/** An occurrence as the technician set it: local time in the schedule's zone (2026-12-01 02:00 Europe/Paris). */
export function localTime(instant: Date, timezone: string): string {
  return `${new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, dateStyle: 'short', timeStyle: 'short' }).format(instant)} ${timezone}`;
}

/**
 * Fires the schedules that fall due, one pass at a time, and sleeps until the next occurrence. Its first pass, at
 * server start, fires nothing: every occurrence that passed while the server was down is recorded as missed and
 * logged, so a room is never imaged hours late without anyone asking.
 */
export class Scheduler {
  readonly #deps: SchedulerDeps;
  #timer: unknown;
  #work: Promise<void> = Promise.resolve();
  #started = false;
  #closed = false;
  #failing = false;

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
  }

  /** Records what was missed while the server was down, then waits for the next occurrence. */
  async start(): Promise<void> {
    this.#started = true;
    await this.#serial(() => this.#pass(true));
  }

  /**
   * A schedule was added, paused, resumed or deleted: the next occurrence may have moved. Resolves once the timer is
   * set again; not to be awaited under the schedules lock (a pass waiting for that lock may be queued before it).
   */
  async changed(): Promise<void> {
    if (this.#started && !this.#closed) await this.#serial(() => this.#arm());
  }

  /** No timer is left behind; a pass in flight finishes first. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#deps.clock.clearTimer(this.#timer);
    await this.#work;
  }

  #serial(job: () => Promise<void>): Promise<void> {
    const run = this.#work.then(job).catch((error: unknown) => {
      this.#deps.log.warn({ error: String(error) }, 'scheduler pass failed; retrying at the next timer');
    });
    this.#work = run;
    return run;
  }

  async #pass(startup: boolean): Promise<void> {
    const { ctx, clock } = this.#deps;
    this.#failing = false;
    try {
      await ctx.locks.exclusive(SCHEDULES_LOCK, async () => {
        const now = clock.now();
        for (const schedule of await ctx.db.schedules.due(now.toISOString())) {
          await this.#settle(schedule, now, startup).catch((error: unknown) => {
            this.#failing = true;
            this.#deps.log.warn(
              { schedule: schedule.id, error: String(error) },
              `schedule ${schedule.id}: its occurrence could not be settled; retrying in ${RETRY_MS / 1000} s`,
            );
          });
        }
      });
    } finally {
      await this.#arm();
    }
  }

  /** Every occurrence of a due schedule up to now gets its outcome; the schedule moves to its next one, or ends. */
  async #settle(schedule: ScheduleRecord, now: Date, startup: boolean): Promise<void> {
    const timing = timingOf(schedule);
    const { occurrences, beyond } = occurrencesThrough(
      timing,
      new Date(schedule.nextAt ?? now.toISOString()),
      now,
      MISSED_RECORDS,
    );
    const latest = occurrences.at(-1);
    const fireLatest =
      !startup && beyond === 0 && latest !== undefined && now.getTime() - latest.getTime() <= LATE_LIMIT_MS;
    const missed = (fireLatest ? occurrences.slice(0, -1) : occurrences).map((occurrence, index, all) =>
      this.#missed(schedule, occurrence, now, startup, index === all.length - 1 ? beyond : 0),
    );
    const fired = fireLatest ? [await this.#fire(schedule, latest, now)] : [];
    const next = nextOccurrence(timing, now);
    const step: ScheduleStep =
      next === null ? { state: 'ended', nextAt: null } : { state: 'active', nextAt: next.toISOString() };
    await this.#deps.ctx.db.schedules.record(schedule.id, [...missed, ...fired], step);
    for (const firing of fired) {
      const detail = {
        schedule: schedule.id,
        occurrence: firing.occurrence,
        batch: firing.batch,
        error: firing.error,
        woken: firing.wake.filter((entry) => entry.sent).length,
        wakeFailed: firing.wake.filter((entry) => !entry.sent).length,
      };
      if (firing.outcome === 'fired')
        this.#deps.log.info(detail, `schedule ${schedule.id} fired: batch ${firing.batch ?? '-'}`);
      else this.#deps.log.warn(detail, `schedule ${schedule.id} failed: ${firing.error?.message ?? ''}`);
    }
  }

  /** fire() reports refusals as outcomes; anything else it throws is this occurrence's failure, not the scheduler's. */
  async #fire(schedule: ScheduleRecord, occurrence: Date, now: Date): Promise<NewFiring> {
    try {
      return await this.#deps.fire(schedule, occurrence, now);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        occurrence: occurrence.toISOString(),
        recordedAt: now.toISOString(),
        outcome: 'failed',
        batch: null,
        error: { code: 'INTERNAL', message },
        wake: [],
      };
    }
  }

  #missed(schedule: ScheduleRecord, occurrence: Date, now: Date, startup: boolean, beyond: number): NewFiring {
    const when = localTime(occurrence, schedule.timezone);
    const why = startup
      ? `the server was not running at ${when}`
      : `the server reached ${when} ${Math.round((now.getTime() - occurrence.getTime()) / 60_000)} min late (suspended or stalled; the limit is ${LATE_LIMIT_MS / 60_000} min)`;
    const more = beyond > 0 ? `; ${beyond} later occurrence(s) were missed as well` : '';
    const message = `${why}: nothing was created${more}; run it by hand if it is still wanted`;
    this.#deps.log.warn(
      { schedule: schedule.id, occurrence: occurrence.toISOString(), beyond },
      `schedule ${schedule.id} missed ${when}`,
    );
    const detail = { reason: startup ? 'server-down' : 'late', ...(beyond > 0 ? { beyond } : {}) };
    return {
      occurrence: occurrence.toISOString(),
      recordedAt: now.toISOString(),
      outcome: 'missed',
      batch: null,
      error: { code: 'MISSED', message, detail },
      wake: [],
    };
  }

  async #arm(): Promise<void> {
    const { clock, ctx } = this.#deps;
    clock.clearTimer(this.#timer);
    this.#timer = undefined;
    if (this.#closed) return;
    const next = await ctx.db.schedules.earliestNext();
    if (next === undefined || this.#closed) return;
    const delay = this.#failing
      ? RETRY_MS
      : Math.min(Math.max(0, Date.parse(next) - clock.now().getTime()), MAX_TIMER_MS);
    this.#timer = clock.setTimer(() => this.#serial(() => this.#pass(false)), delay);
  }
}
