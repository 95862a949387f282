import type { Task, TaskCreated } from '@brume/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from '../../../test/fakes/server-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('task history over the API', () => {
  it('lists the tasks created since an instant, of a kind, with duration, bytes moved and average throughput', async () => {
    let at = Date.parse('2026-12-01T09:00:00.000Z');
    const now = (): string => new Date(at).toISOString();
    const harness = (h = await openHarness(undefined, true, { agentTimeoutSeconds: 0 }, now));
    expect(
      (await harness.call('POST', '/hosts', { body: { name: 'pc-01', macs: ['52:54:00:00:08:01'] } })).statusCode,
    ).toBe(201);
    const create = async (kind: string, params: Record<string, unknown> = {}): Promise<TaskCreated> =>
      (await harness.call('POST', '/tasks', { body: { kind, host: 'pc-01', params } })).json<TaskCreated>();

    const old = await create('inventory');
    at += 3 * 24 * 3600 * 1000;
    const wipe = await create('wipe', { mode: 'normal' });
    const since = now();
    expect(
      (
        await harness.call('POST', `/tasks/${wipe.task.id}/events`, {
          token: wipe.token,
          body: { events: [{ type: 'phase', ts: now(), phase: 'wipe', message: 'zeroing' }] },
        })
      ).statusCode,
    ).toBe(200);
    const heardAt = now();
    at += 200_000;
    const result = {
      mode: 'normal',
      disk: '/dev/sda',
      bytes: 4_000_000,
      seconds: 200,
      readBack: { samples: 8, bytes: 32_768, allZero: true },
      passes: [{ kind: 'zero', method: 'zeroout', bytes: 4_000_000, seconds: 200, bytesPerSecond: 20_000 }],
    };
    expect(
      (await harness.call('POST', `/tasks/${wipe.task.id}/complete`, { token: wipe.token, body: { result } }))
        .statusCode,
    ).toBe(200);
    const inventory = await create('inventory');

    const listed = async (query: string): Promise<Task[]> => {
      const answer = await harness.call('GET', `/tasks?${query}`);
      expect(answer.statusCode, answer.body).toBe(200);
      return answer.json<{ tasks: Task[] }>().tasks;
    };
    expect((await listed('')).map((task) => task.id)).toEqual([inventory.task.id, wipe.task.id, old.task.id]);
    expect((await listed(`since=${encodeURIComponent(since)}`)).map((task) => task.id)).toEqual([
      inventory.task.id,
      wipe.task.id,
    ]);
    // An offset and no milliseconds mean the same instant.
    expect((await listed(`since=${encodeURIComponent('2026-12-04T10:00:00+01:00')}`)).map((task) => task.id)).toEqual([
      inventory.task.id,
      wipe.task.id,
    ]);
    expect((await listed('kind=inventory')).map((task) => task.id)).toEqual([inventory.task.id, old.task.id]);
    const [done] = await listed('kind=wipe&state=done');
    expect(done).toMatchObject({
      id: wipe.task.id,
      heardAt,
      durationSeconds: 200,
      bytes: 4_000_000,
      bytesPerSecond: 20_000,
    });
    expect((await listed('kind=inventory'))[0]).toMatchObject({
      heardAt: null,
      durationSeconds: null,
      bytes: null,
      bytesPerSecond: null,
    });

    const bad = await harness.call('GET', '/tasks?since=3d');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe('BAD_REQUEST');
  });
});
