import { BrumeError } from '@brume/protocol';
import { describe, expect, it } from 'vitest';
import { atInstant, checkTiming, nextOccurrence, occurrencesThrough, type Timing } from './occurrences.ts';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

describe('next occurrence', () => {
  it.each([
    // [what, timing, after, next]
    [
      'weekdays at 02:00 Paris, from a Friday noon: the Monday (CET is UTC+1)',
      { cron: '0 2 * * 1-5', timezone: 'Europe/Paris' },
      '2026-12-04T12:00:00Z',
      '2026-12-07T01:00:00.000Z',
    ],
    [
      'the same in summer (CEST is UTC+2)',
      { cron: '0 2 * * 1-5', timezone: 'Europe/Paris' },
      '2026-06-30T12:00:00Z',
      '2026-07-01T00:00:00.000Z',
    ],
    [
      'strictly after: an occurrence at the reference is not the next one',
      { cron: '0 2 * * *', timezone: 'UTC' },
      '2026-12-01T02:00:00Z',
      '2026-12-02T02:00:00.000Z',
    ],
    [
      'a one-shot local time in Paris',
      { at: '2026-12-01T02:00', timezone: 'Europe/Paris' },
      '2026-11-30T00:00:00Z',
      '2026-12-01T01:00:00.000Z',
    ],
    [
      'a one-shot local time in New York',
      { at: '2026-12-01T02:00:30', timezone: 'America/New_York' },
      '2026-11-30T00:00:00Z',
      '2026-12-01T07:00:30.000Z',
    ],
    [
      'a one-shot whose time has come has no next occurrence',
      { at: '2026-12-01T02:00', timezone: 'UTC' },
      '2026-12-01T02:00:00Z',
      null,
    ],
  ] as [string, Timing, string, string | null][])('%s', (_, timing, after, next) => {
    expect(iso(nextOccurrence(timing, new Date(after)))).toBe(next);
  });

  it('reads a one-shot time in its zone', () => {
    expect(atInstant({ at: '2026-12-01T02:00', timezone: 'Asia/Tokyo' }).toISOString()).toBe(
      '2026-11-30T17:00:00.000Z',
    );
  });
});

describe('bad timings are refused with the field named', () => {
  it.each([
    [{ cron: '0 25 * * *', timezone: 'UTC' }, /cron '0 25 \* \* \*': .*hour/],
    [{ cron: '*/0 * * * *', timezone: 'UTC' }, /cron '\*\/0 \* \* \* \*'/],
    [{ cron: '0 0 2 * * *', timezone: 'UTC' }, /5 parts|5-part/],
    [{ at: '2026-02-30T02:00', timezone: 'UTC' }, /2026-02-30T02:00 is not a date/],
    [{ at: '2026-12-01T24:00', timezone: 'UTC' }, /is not a date/],
    [{ cron: '0 2 * * *', timezone: 'Mars/Olympus_Mons' }, /Mars\/Olympus_Mons/],
  ] as [Timing, RegExp][])('%j', (timing, message) => {
    let caught: unknown;
    try {
      checkTiming(timing);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BrumeError);
    expect((caught as BrumeError).code).toBe('BAD_REQUEST');
    expect((caught as BrumeError).message).toMatch(message);
  });
});

describe('occurrences through an instant (what a server that was down missed)', () => {
  const daily: Timing = { cron: '0 2 * * *', timezone: 'UTC' };

  it('lists them from the first, included, to the end, included', () => {
    const { occurrences, beyond } = occurrencesThrough(
      daily,
      new Date('2026-12-01T02:00:00Z'),
      new Date('2026-12-03T02:00:00Z'),
      100,
    );
    expect(occurrences.map(iso)).toEqual([
      '2026-12-01T02:00:00.000Z',
      '2026-12-02T02:00:00.000Z',
      '2026-12-03T02:00:00.000Z',
    ]);
    expect(beyond).toBe(0);
  });

  it('lists the first ones up to the limit and counts the rest', () => {
    const { occurrences, beyond } = occurrencesThrough(
      daily,
      new Date('2026-12-01T02:00:00Z'),
      new Date('2026-12-10T03:00:00Z'),
      4,
    );
    expect(occurrences.map(iso)).toEqual([
      '2026-12-01T02:00:00.000Z',
      '2026-12-02T02:00:00.000Z',
      '2026-12-03T02:00:00.000Z',
      '2026-12-04T02:00:00.000Z',
    ]);
    expect(beyond).toBe(6);
  });

  it('a one-shot has one occurrence at most', () => {
    const once: Timing = { at: '2026-12-01T02:00', timezone: 'UTC' };
    expect(occurrencesThrough(once, atInstant(once), new Date('2027-01-01T00:00:00Z'), 100)).toEqual({
      occurrences: [new Date('2026-12-01T02:00:00Z')],
      beyond: 0,
    });
  });
});
