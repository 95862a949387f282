import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Event } from '@brume/protocol';
import { createApiClient } from './client.ts';
import { httpReporter } from './http-reporter.ts';
import {
  sendError,
  startLoopbackServer,
  type Handler,
  type LoopbackServer,
} from '../../../test/fakes/loopback-server.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setUp(
  handler: Handler,
  intervalMs = 1000,
): Promise<{ server: LoopbackServer; reporter: ReturnType<typeof httpReporter>; local: Event[] }> {
  const server = await startLoopbackServer(handler);
  const client = createApiClient({ server: server.url, token: 't', retry: { deadlineMs: 0 } });
  cleanups.push(
    () => client.close(),
    () => server.close(),
  );
  const local: Event[] = [];
  return {
    server,
    reporter: httpReporter(client, 7, { intervalMs, local: { event: (event) => local.push(event) } }),
    local,
  };
}

const ok: Handler = (_request, response) => {
  response.statusCode = 204;
  response.end();
};

const ts = () => new Date().toISOString();
const progress = (bytesDone: number): Event => ({
  type: 'progress',
  ts: ts(),
  phase: 'capture',
  target: 'd1p2',
  bytesDone,
  bytesTotal: 1000,
  bytesPerSecond: 10,
  etaSeconds: 1,
});
const phase = (message: string): Event => ({ type: 'phase', ts: ts(), phase: 'capture', message });
const posted = (server: LoopbackServer): Event[][] =>
  server.requests.map((request) => (JSON.parse(request.body.toString()) as { events: Event[] }).events);

describe('the HTTP reporter', () => {
  it('sends a burst as one post: every phase event in order, only the latest progress', async () => {
    const { server, reporter, local } = await setUp(ok);
    for (let i = 1; i <= 100; i++) {
      reporter.event(progress(i));
      if (i % 25 === 0) reporter.event(phase(`step ${i / 25}`));
    }
    await sleep(1400);
    expect(server.requests.map((request) => request.url)).toEqual(['/api/v1/tasks/7/events']);
    const [batch] = posted(server);
    expect(
      batch?.filter((event) => event.type === 'phase').map((event) => (event as { message: string }).message),
    ).toEqual(['step 1', 'step 2', 'step 3', 'step 4']);
    expect(
      batch?.filter((event) => event.type === 'progress').map((event) => (event as { bytesDone: number }).bytesDone),
    ).toEqual([100]);
    // The technician's console saw everything at once.
    expect(local).toHaveLength(104);
    await reporter.flush();
  });

  it('posts at most once per interval', async () => {
    const { server, reporter } = await setUp(ok, 200);
    const started = performance.now();
    while (performance.now() - started < 1100) {
      reporter.event(progress(Math.round(performance.now() - started)));
      await sleep(10);
    }
    await reporter.flush();
    // 1.1 s at one post per 200 ms: five ticks, plus the flush.
    expect(server.requests.length).toBeGreaterThanOrEqual(4);
    expect(server.requests.length).toBeLessThanOrEqual(7);
  });

  it('keeps phase events through a failing server and delivers them once it is back; stale progress is dropped', async () => {
    let failing = true;
    const { server, reporter } = await setUp(
      (request, response, index) =>
        failing ? sendError(response, 503, 'SERVER_UNREACHABLE', 'later') : ok(request, response, index),
      200,
    );
    reporter.event(phase('one'));
    reporter.event(progress(1));
    reporter.event(phase('two'));
    await sleep(500);
    expect(server.requests.length).toBeGreaterThan(0);
    failing = false;
    reporter.event(phase('three'));
    await sleep(400);
    await reporter.flush();
    const delivered = posted(server).slice(-1).flat();
    expect(
      delivered.filter((event) => event.type === 'phase').map((event) => (event as { message: string }).message),
    ).toEqual(['one', 'two', 'three']);
    expect(delivered.some((event) => event.type === 'progress')).toBe(false);
  });

  it('stops posting once the server revokes the token, and says so', async () => {
    const { server, reporter, local } = await setUp(
      (_request, response) => sendError(response, 401, 'UNAUTHORIZED', 'task 7 was cancelled'),
      100,
    );
    reporter.event(phase('one'));
    await sleep(300);
    reporter.event(phase('two'));
    await sleep(300);
    await reporter.flush();
    expect(server.requests).toHaveLength(1);
    expect(reporter.revoked()?.code).toBe('UNAUTHORIZED');
    expect(local).toHaveLength(2);
  });

  it('flush sends what waits at once', async () => {
    const { server, reporter } = await setUp(ok, 60_000);
    reporter.event(phase('last words'));
    await reporter.flush();
    expect(
      posted(server)
        .flat()
        .map((event) => event.type),
    ).toEqual(['phase']);
  });

  it('once started, posts an empty batch each interval while nothing happens, and calls onCancel once when the answer says so', async () => {
    let cancel = false;
    const server = await startLoopbackServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ cancel }));
    });
    const client = createApiClient({ server: server.url, token: 't', retry: { deadlineMs: 0 } });
    cleanups.push(
      () => client.close(),
      () => server.close(),
    );
    let cancels = 0;
    const reporter = httpReporter(client, 7, { intervalMs: 100, onCancel: () => void cancels++ });
    reporter.start();
    await sleep(450);
    expect(posted(server).length).toBeGreaterThanOrEqual(3);
    expect(posted(server).every((events) => events.length === 0)).toBe(true);
    expect(cancels).toBe(0);
    cancel = true;
    await sleep(350);
    expect(cancels).toBe(1);
    // The token still works after the cancel: what the agent says while it stops still reaches the server.
    reporter.event(phase('stopping'));
    await reporter.flush();
    expect(
      posted(server)
        .flat()
        .map((event) => event.type),
    ).toContain('phase');
    expect(cancels).toBe(1);
  });

  it("reads an old server's empty 204 as no cancel, and keeps beating", async () => {
    const { server, reporter } = await setUp(ok, 100);
    reporter.start();
    await sleep(350);
    await reporter.flush();
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(reporter.revoked()).toBeUndefined();
  });
});
