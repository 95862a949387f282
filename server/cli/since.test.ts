import { describe, expect, it } from 'vitest';
import { parseSince } from './since.ts';

describe('--since', () => {
  const now = new Date('2026-12-06T10:00:00.000Z');

  it.each([
    ['90m', '2026-12-06T08:30:00.000Z'],
    ['12h', '2026-12-05T22:00:00.000Z'],
    ['3d', '2026-12-03T10:00:00.000Z'],
    ['2w', '2026-11-22T10:00:00.000Z'],
    ['2026-12-01T06:00:00+01:00', '2026-12-01T05:00:00.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(parseSince(text, now)).toBe(iso);
  });

  it('reads a date as its local midnight, as task list prints dates', () => {
    expect(parseSince('2026-12-01', now)).toBe(new Date(2026, 11, 1).toISOString());
  });

  it.each(['yesterday', '3', '3y', '2026-13-01', '2026-02-30', '-3d', ''])('refuses %j, naming the flag', (text) => {
    expect(() => parseSince(text, now)).toThrow(/^--since: a span such as 12h/);
  });
});
