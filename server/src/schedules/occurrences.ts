import { BrumeError } from '@brume/protocol';
import { Cron } from 'croner';

/**
 * When a schedule's occurrences fall: croner does the calendar (timezones, DST, day-of-week ranges); this module only
 * asks it. No I/O, no clock: every function takes the instant it reasons from.
 */

/** A schedule's timing: once at a local wall time, or a five-field cron pattern; both read in `timezone`. */
export type Timing =
  { at: string; cron?: undefined; timezone: string } | { at?: undefined; cron: string; timezone: string };

/** The server's own timezone: what a schedule without `--tz` uses. */
export const serverTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** 2026-02-30 is not a day: croner would roll it over to March, so the calendar is checked here first. */
function checkCalendar(at: string): void {
  const [date = '', time = ''] = at.split('T');
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second = 0] = time.split(':').map(Number) as [number, number, number?];
  const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const same =
    probe.getUTCFullYear() === year &&
    probe.getUTCMonth() === month - 1 &&
    probe.getUTCDate() === day &&
    probe.getUTCHours() === hour &&
    probe.getUTCMinutes() === minute &&
    probe.getUTCSeconds() === second;
  if (!same)
    throw new BrumeError('BAD_REQUEST', `at: ${at} is not a date and time of the calendar`, { detail: { at } });
}

function checkTimeZone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new BrumeError('BAD_REQUEST', `timezone ${timezone}: not an IANA timezone (such as Europe/Paris or UTC)`, {
      detail: { timezone },
    });
  }
}

function cronOf(timing: Timing): Cron {
  checkTimeZone(timing.timezone);
  try {
    if (timing.cron !== undefined)
      return new Cron(timing.cron, { paused: true, timezone: timing.timezone, mode: '5-part' });
    checkCalendar(timing.at);
    return new Cron(timing.at.length === 16 ? `${timing.at}:00` : timing.at, {
      paused: true,
      timezone: timing.timezone,
      allowPast: true,
    });
  } catch (error) {
    if (error instanceof BrumeError) throw error;
    const field = timing.cron === undefined ? `at ${timing.at}` : `cron '${timing.cron}'`;
    throw new BrumeError('BAD_REQUEST', `${field}: ${(error as Error).message.replace(/^Cron\w*: /, '')}`, {
      detail: timing,
    });
  }
}

/** Throws BAD_REQUEST naming the pattern, the date or the zone when croner cannot use them. */
export function checkTiming(timing: Timing): void {
  cronOf(timing).nextRun(new Date(0));
}

/** The first occurrence strictly after `after`, or null (a one-shot whose time has come). */
export function nextOccurrence(timing: Timing, after: Date): Date | null {
  return cronOf(timing).nextRun(after);
}

/** The instant a one-shot schedule's local time stands for. */
export function atInstant(timing: Timing & { at: string }): Date {
  const instant = cronOf(timing).nextRun(new Date(0));
  if (instant === null) throw new BrumeError('BAD_REQUEST', `at ${timing.at}: no such instant in ${timing.timezone}`);
  return instant;
}

/** Past this many, the occurrences after the listed ones are not counted one by one (a minutely pattern down for a year). */
const COUNT_LIMIT = 100_000;

/**
 * The occurrences from `first` (included) up to `until` (included): the first `limit` of them, and how many more
 * there were (counted up to COUNT_LIMIT).
 */
export function occurrencesThrough(
  timing: Timing,
  first: Date,
  until: Date,
  limit: number,
): { occurrences: Date[]; beyond: number } {
  const cron = cronOf(timing);
  const occurrences: Date[] = [];
  let beyond = 0;
  for (
    let next: Date | null = first;
    next !== null && next.getTime() <= until.getTime() && beyond < COUNT_LIMIT;
    next = cron.nextRun(next)
  ) {
    if (occurrences.length < limit) occurrences.push(next);
    else beyond += 1;
  }
  return { occurrences, beyond };
}
