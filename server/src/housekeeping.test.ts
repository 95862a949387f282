import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task, TaskCreated } from '@brume/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from './config.ts';
import { CANCEL_CHECK_MS, housekeeping, silentCheckMs, type Ticker } from './housekeeping.ts';
import { KeyedLock } from './domain/keyed-lock.ts';
import { UploadsInFlight } from './domain/uploads-in-flight.ts';
import { LoginGuard } from './domain/login-guard.ts';
import { fakeImage } from '../../test/fixtures/fake-image.ts';
import { captureImage, openHarness, type Harness } from '../../test/fakes/server-harness.ts';

const DAY = 24 * 3600 * 1000;

/** Time moved by hand, and the loops the app registered, run by hand. */
function manualTime(start: string) {
  let at = Date.parse(start);
  const loops: { ms: number; work: () => Promise<void> }[] = [];
  const ticker: Ticker = {
    every(ms, work) {
      const loop = { ms, work };
      loops.push(loop);
      return () => loops.splice(loops.indexOf(loop), 1);
    },
  };
  return {
    now: (): string => new Date(at).toISOString(),
    advance: (ms: number): void => void (at += ms),
    ticker,
    loops,
    /** Runs the loop of this period once, as its timer would. */
    tick: async (ms: number): Promise<void> => {
      const loop = loops.find((candidate) => candidate.ms === ms);
      if (loop === undefined)
        throw new Error(`no loop every ${ms} ms (have ${loops.map((candidate) => candidate.ms).join(', ')})`);
      await loop.work();
    },
  };
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function open(time: ReturnType<typeof manualTime>, config: Partial<Config>): Promise<Harness> {
  h = await openHarness(undefined, true, config, time.now, { ticker: time.ticker });
  expect((await h.call('POST', '/hosts', { body: { name: 'pc-01', macs: ['52:54:00:00:07:01'] } })).statusCode).toBe(
    201,
  );
  return h;
}

async function inventoryTask(harness: Harness, options: { debug?: boolean } = {}): Promise<TaskCreated> {
  const answer = await harness.call('POST', '/tasks', { body: { kind: 'inventory', host: 'pc-01', ...options } });
  expect(answer.statusCode, answer.body).toBe(201);
  return answer.json<TaskCreated>();
}

async function post(harness: Harness, created: TaskCreated, what: 'events' | 'fail', body: unknown): Promise<number> {
  return (await harness.call('POST', `/tasks/${created.task.id}/${what}`, { token: created.token, body })).statusCode;
}

const phase = (ts: string) => ({ events: [{ type: 'phase', ts, phase: 'inspect', message: 'reading the disk' }] });
const taskOf = async (harness: Harness, id: number): Promise<{ status: number; task: Task }> => {
  const answer = await harness.call('GET', `/tasks/${id}`);
  return { status: answer.statusCode, task: answer.json<Task>() };
};

describe('retention', () => {
  it('deletes ended tasks older than the retention with their logs, at start and daily; never active tasks or images', async () => {
    const time = manualTime('2026-01-01T08:00:00.000Z');
    const harness = await open(time, { retentionDays: 30, agentTimeoutSeconds: 0 });
    expect(time.loops.map((loop) => loop.ms)).toEqual([DAY, CANCEL_CHECK_MS]);

    const failed = await inventoryTask(harness);
    expect(await post(harness, failed, 'events', phase(time.now()))).toBe(200);
    expect(
      await post(harness, failed, 'fail', {
        error: { code: 'TOOL_FAILED', message: 'dmidecode failed' },
        logs: [{ name: 'agent.log', content: 'x\n' }],
      }),
    ).toBe(200);
    const cancelled = await inventoryTask(harness);
    expect((await harness.call('POST', `/tasks/${cancelled.task.id}/cancel`)).statusCode).toBe(200);
    const capture = await captureImage(harness, fakeImage('kept-image'));
    const queued = await inventoryTask(harness);
    const running = await inventoryTask(harness);
    expect(await post(harness, running, 'events', phase(time.now()))).toBe(200);

    time.advance(29 * DAY);
    const recent = await inventoryTask(harness);
    expect((await harness.call('POST', `/tasks/${recent.task.id}/cancel`)).statusCode).toBe(200);
    await time.tick(DAY);
    expect((await taskOf(harness, failed.task.id)).status).toBe(200);
    expect(await harness.db.taskLogs.list(failed.task.id)).toHaveLength(1);

    // What a recovery brought back goes with its task (written here as the recovered-files store lays it out).
    const recovered = (id: number): string => join(harness.dataDir, 'recovered', `task-${id}`);
    for (const id of [failed.task.id, recent.task.id]) {
      mkdirSync(recovered(id), { recursive: true });
      writeFileSync(join(recovered(id), 'f0000001.png'), 'png');
    }
    time.advance(2 * DAY);
    await time.tick(DAY);
    for (const id of [failed.task.id, cancelled.task.id, capture.id])
      expect((await taskOf(harness, id)).status).toBe(404);
    expect(existsSync(recovered(failed.task.id))).toBe(false);
    expect(existsSync(join(recovered(recent.task.id), 'f0000001.png'))).toBe(true);
    expect((await harness.call('GET', `/tasks/${failed.task.id}/logs`)).statusCode).toBe(404);
    expect(await harness.db.taskLogs.list(failed.task.id)).toEqual([]);
    expect((await taskOf(harness, queued.task.id)).task.state).toBe('queued');
    expect((await taskOf(harness, running.task.id)).task.state).toBe('running');
    expect((await taskOf(harness, recent.task.id)).task.state).toBe('cancelled');
    const image = await harness.call('GET', '/images/kept-image');
    expect(image.statusCode).toBe(200);
    expect(image.json<{ taskId: number | null }>().taskId).toBeNull();
  });

  it('runs at start, reports what it deleted in the log, and keeps everything with 0 days', async () => {
    const time = manualTime('2026-01-01T08:00:00.000Z');
    const harness = await open(time, { retentionDays: 0, agentTimeoutSeconds: 0 });
    expect(time.loops.map((loop) => loop.ms)).toEqual([CANCEL_CHECK_MS]);
    const ended = await inventoryTask(harness);
    expect((await harness.call('POST', `/tasks/${ended.task.id}/cancel`)).statusCode).toBe(200);
    time.advance(3650 * DAY);
    const lines: string[] = [];
    const log = {
      info: (_: object, message: string) => lines.push(message),
      warn: (_: object, message: string) => lines.push(message),
      error: (_: object, message: string) => lines.push(message),
    };
    const ctx = {
      db: harness.db,
      store: harness.store,
      locks: new KeyedLock(),
      uploads: new UploadsInFlight(),
      loginGuard: new LoginGuard(),
      pinSecret: randomBytes(32),
      now: time.now,
    };
    const meters = {
      imageBytesServed: () => undefined,
      uploadBytesReceived: () => undefined,
      tasksPruned: () => undefined,
      agentsSilenced: () => undefined,
    };
    const forever = housekeeping({
      ctx,
      config: { retentionDays: 0, agentTimeoutSeconds: 0, dataDir: harness.dataDir },
      meters,
      log,
      ticker: time.ticker,
    });
    await forever.start();
    expect((await taskOf(harness, ended.task.id)).status).toBe(200);
    expect(lines).toEqual([]);

    let pruned = 0;
    const yearly = housekeeping({
      ctx,
      config: { retentionDays: 365, agentTimeoutSeconds: 0, dataDir: harness.dataDir },
      meters: { ...meters, tasksPruned: (n) => void (pruned += n) },
      log,
      ticker: time.ticker,
    });
    await yearly.start();
    await yearly.stop();
    expect((await taskOf(harness, ended.task.id)).status).toBe(404);
    expect(pruned).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(
        /^retention: deleted 1 task\(s\) ended before 2034-12-30T08:00:00\.000Z, with 0 log file\(s\) and 0 folder\(s\) of recovered files$/,
      ),
    ]);
  });
});

describe('silent agents', () => {
  it('fails a running task whose agent has posted nothing for the timeout, saying when it was last heard from', async () => {
    const time = manualTime('2026-02-01T10:00:00.000Z');
    const harness = await open(time, { retentionDays: 0, agentTimeoutSeconds: 1800 });
    const check = silentCheckMs(1800);
    expect(time.loops.map((loop) => loop.ms)).toEqual([check, CANCEL_CHECK_MS]);

    const quiet = await inventoryTask(harness);
    const talking = await inventoryTask(harness);
    const debug = await inventoryTask(harness, { debug: true });
    const queued = await inventoryTask(harness);
    for (const task of [quiet, talking, debug])
      expect(await post(harness, task, 'events', phase(time.now()))).toBe(200);
    const heardAt = time.now();

    time.advance(20 * 60_000);
    expect(await post(harness, talking, 'events', phase(time.now()))).toBe(200);
    await time.tick(check);
    expect((await taskOf(harness, quiet.task.id)).task.state).toBe('running');

    time.advance(10 * 60_000 + 1000);
    await time.tick(check);
    const { task } = await taskOf(harness, quiet.task.id);
    expect(task.state).toBe('failed');
    expect(task.error).toMatchObject({ code: 'AGENT_SILENT', detail: { heardAt, timeoutSeconds: 1800 } });
    expect(task.error?.message).toContain(`last heard from at ${heardAt}`);
    expect(task.endedAt).toBe(time.now());
    expect((await taskOf(harness, talking.task.id)).task.state).toBe('running');
    expect((await taskOf(harness, debug.task.id)).task.state).toBe('running');
    expect((await taskOf(harness, queued.task.id)).task.state).toBe('queued');
    // The agent that comes back finds its task over.
    expect(await post(harness, quiet, 'events', phase(time.now()))).toBe(409);

    time.advance(30 * 60_000);
    await time.tick(check);
    expect((await taskOf(harness, talking.task.id)).task.error?.code).toBe('AGENT_SILENT');
  });

  it('does not count the time the server was down: a restarted server waits the whole timeout before judging', async () => {
    const time = manualTime('2026-02-01T10:00:00.000Z');
    const first = await open(time, { retentionDays: 0, agentTimeoutSeconds: 1800 });
    const task = await inventoryTask(first);
    expect(await post(first, task, 'events', phase(time.now()))).toBe(200);
    const heardAt = time.now();

    time.advance(2 * 3600_000);
    time.loops.length = 0;
    const restarted = (h = await first.restart());
    await time.tick(silentCheckMs(1800));
    expect((await taskOf(restarted, task.task.id)).task.state).toBe('running');
    time.advance(29 * 60_000);
    await time.tick(silentCheckMs(1800));
    expect((await taskOf(restarted, task.task.id)).task.state).toBe('running');

    time.advance(60_000 + 1000);
    await time.tick(silentCheckMs(1800));
    const { task: failed } = await taskOf(restarted, task.task.id);
    expect(failed.error).toMatchObject({ code: 'AGENT_SILENT', detail: { heardAt } });
  });
});

describe('a cancel of a running task', () => {
  const confirm = (harness: Harness, created: TaskCreated, report: Record<string, unknown>) =>
    harness.call('POST', `/tasks/${created.task.id}/cancelled`, {
      token: created.token,
      body: {
        stopped: { cancelledBy: 'server', stoppedAt: 'deploy: restore d1p2', message: 'stopped', ...report },
        logs: [{ name: 'agent.log', content: 'stopped\n' }],
      },
    });

  it('reaches the agent in its next answer; confirmed, it ends with what the agent wrote; unconfirmed, after the grace', async () => {
    const time = manualTime('2026-03-01T09:00:00.000Z');
    const harness = await open(time, { retentionDays: 0, agentTimeoutSeconds: 0 });
    const [silent, confirming, queued] = [
      await inventoryTask(harness),
      await inventoryTask(harness),
      await inventoryTask(harness),
    ];
    for (const task of [silent, confirming]) expect(await post(harness, task, 'events', phase(time.now()))).toBe(200);
    // Nobody asked yet: a confirmation is refused.
    expect((await confirm(harness, confirming, {})).statusCode).toBe(409);

    // A queued task ends at once, as it always did; a running one is asked, and keeps running until its agent answers.
    expect((await harness.call('POST', `/tasks/${queued.task.id}/cancel`)).json<Task>().state).toBe('cancelled');
    const asked = time.now();
    for (const task of [silent, confirming]) {
      expect((await harness.call('POST', `/tasks/${task.task.id}/cancel`)).json<Task>()).toMatchObject({
        state: 'running',
        cancelRequestedAt: asked,
      });
    }
    const beat = await harness.call('POST', `/tasks/${confirming.task.id}/events`, {
      token: confirming.token,
      body: { events: [] },
    });
    expect([beat.statusCode, beat.json()]).toEqual([200, { cancel: true }]);

    const ended = await confirm(harness, confirming, {
      cancelledBy: 'server',
      partitions: { complete: ['d1p1'], partial: 'd1p2', untouched: [] },
    });
    expect(ended.statusCode).toBe(200);
    expect(ended.json<Task>()).toMatchObject({
      state: 'cancelled',
      error: null,
      result: null,
      stopped: { partitions: { partial: 'd1p2' } },
      logFiles: ['agent.log'],
    });
    // Repeated after a lost answer: the same task.
    expect((await confirm(harness, confirming, {})).json<Task>().stopped).toMatchObject({ cancelledBy: 'server' });

    time.advance(59_000);
    await time.tick(CANCEL_CHECK_MS);
    expect((await taskOf(harness, silent.task.id)).task.state).toBe('running');
    time.advance(2_000);
    await time.tick(CANCEL_CHECK_MS);
    const { task } = await taskOf(harness, silent.task.id);
    expect(task).toMatchObject({
      state: 'cancelled',
      endedAt: time.now(),
      error: { code: 'CANCEL_UNCONFIRMED', detail: { cancelRequestedAt: asked } },
    });
    expect(task.error?.message).toContain('did not confirm');
    // The confirmed one is left as its agent said.
    expect((await taskOf(harness, confirming.task.id)).task).toMatchObject({
      state: 'cancelled',
      error: null,
      result: null,
      stopped: { cancelledBy: 'server' },
    });
  });
});
