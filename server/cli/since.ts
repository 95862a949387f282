import { UsageError } from './args.ts';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/**
 * `--since`: a span back from now (`90m`, `12h`, `3d`, `2w`), a local date (`2026-12-01`: its midnight, local time, as
 * `task list` prints dates) or an ISO timestamp. Returns the instant as an ISO timestamp.
 */
export function parseSince(text: string, now: Date = new Date()): string {
  const span = /^([0-9]{1,6})(m|h|d|w)$/.exec(text);
  if (span !== null)
    return new Date(now.getTime() - Number(span[1]) * UNIT_MS[span[2] as keyof typeof UNIT_MS]).toISOString();
  const day = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(text);
  if (day !== null) {
    const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const midnight = new Date(year, month - 1, date);
    if (midnight.getFullYear() === year && midnight.getMonth() === month - 1 && midnight.getDate() === date)
      return midnight.toISOString();
  } else if (/^[0-9]{4}-[0-9]{2}-[0-9]{2}T/.test(text) && !Number.isNaN(Date.parse(text))) {
    return new Date(text).toISOString();
  }
  throw new UsageError(
    `--since: a span such as 12h, 3d or 2w, a date such as 2026-12-01, or an ISO timestamp; not "${text}"`,
  );
}
