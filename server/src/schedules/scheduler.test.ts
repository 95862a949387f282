import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteDatabase, type Database } from '../db/database.ts';
import type { DomainContext } from '../domain/context.ts';
import { KeyedLock } from '../domain/keyed-lock.ts';
import { UploadsInFlight } from '../domain/uploads-in-flight.ts';
import { LoginGuard } from '../domain/login-guard.ts';
import { localImageStore } from '../store/local-store.ts';
import { fakeClock, type FakeClock } from '../../../test/fakes/fake-clock.ts';
import { Scheduler } from './scheduler.ts';

/** The scheduler alone on a real database, with the firing itself replaced: what it does when a firing goes wrong. */

let dir: string;
let db: Database;
let ctx: DomainContext;
let clock: FakeClock;
const warnings: string[] = [];
const log = { info: () => undefined, warn: (_: unknown, message: string) => void warnings.push(message) };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brume-scheduler-'));
  db = sqliteDatabase(join(dir, 'brume.db'));
  clock = fakeClock('2026-12-01T00:00:00Z');
  ctx = {
    db,
    store: localImageStore(dir),
    locks: new KeyedLock(),
    uploads: new UploadsInFlight(),
    loginGuard: new LoginGuard(),
    pinSecret: randomBytes(32),
    now: () => clock.now().toISOString(),
  };
  warnings.length = 0;
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

const daily = {
  task: { kind: 'inventory' as const, group: 'lab', debug: false, params: {} },
  at: null,
  cron: '0 2 * * *',
  timezone: 'UTC',
  nextAt: '2026-12-01T02:00:00.000Z',
  createdAt: '2026-11-30T00:00:00.000Z',
};

describe('scheduler', () => {
  it('a firing that throws is recorded as failed and the schedule goes on to its next occurrence', async () => {
    const schedule = await db.schedules.insert(daily);
    const scheduler = new Scheduler({ ctx, clock, log, fire: async () => Promise.reject(new Error('disk on fire')) });
    await scheduler.start();
    await clock.advanceTo('2026-12-01T02:00:00Z');
    expect(await db.schedules.firings(schedule.id, 10)).toMatchObject([
      { outcome: 'failed', error: { code: 'INTERNAL', message: 'disk on fire' } },
    ]);
    expect(await db.schedules.byId(schedule.id)).toMatchObject({ state: 'active', nextAt: '2026-12-02T02:00:00.000Z' });
    await scheduler.close();
    expect(clock.pending()).toBe(0);
  });

  it('with nothing scheduled it sets no timer; a schedule added later is picked up when told', async () => {
    let fired = 0;
    const scheduler = new Scheduler({
      ctx,
      clock,
      log,
      fire: async (_, occurrence, now) => ({
        occurrence: occurrence.toISOString(),
        recordedAt: now.toISOString(),
        outcome: 'fired',
        batch: ++fired,
        error: null,
        wake: [],
      }),
    });
    await scheduler.start();
    expect(clock.pending()).toBe(0);
    await db.schedules.insert(daily);
    await scheduler.changed();
    await clock.advanceTo('2026-12-03T02:00:00Z');
    expect(fired).toBe(3);
    await scheduler.close();
  });

  it('at start, every occurrence since the last one is missed, logged, and nothing is fired', async () => {
    const schedule = await db.schedules.insert(daily);
    clock.jump('2026-12-03T12:00:00Z');
    const scheduler = new Scheduler({ ctx, clock, log, fire: async () => Promise.reject(new Error('must not fire')) });
    await scheduler.start();
    expect((await db.schedules.firings(schedule.id, 10)).map((firing) => [firing.occurrence, firing.outcome])).toEqual([
      ['2026-12-03T02:00:00.000Z', 'missed'],
      ['2026-12-02T02:00:00.000Z', 'missed'],
      ['2026-12-01T02:00:00.000Z', 'missed'],
    ]);
    expect(warnings).toEqual([
      `schedule ${schedule.id} missed 2026-12-01 02:00 UTC`,
      `schedule ${schedule.id} missed 2026-12-02 02:00 UTC`,
      `schedule ${schedule.id} missed 2026-12-03 02:00 UTC`,
    ]);
    expect(await db.schedules.byId(schedule.id)).toMatchObject({ missed: 3, nextAt: '2026-12-04T02:00:00.000Z' });
    await scheduler.close();
  });
});
