import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { DashboardSessions } from '../dashboard-sessions.ts';
import { TaskFeed } from '../domain/task-feed.ts';
import { streamTaskFeed } from './dashboard-events.ts';

/** A server with one stream route over the given feed and sessions; returns its URL. */
async function streamServer(
  feed: TaskFeed,
  sessions: DashboardSessions,
  sessionId: string,
  open: Set<() => void>,
  heartbeatMs = 60_000,
  maxStreamMs?: number,
) {
  const app = Fastify();
  app.get('/events', async (_request, reply) =>
    streamTaskFeed(reply, {
      feed,
      sessions,
      sessionId,
      heartbeatMs,
      open,
      ...(maxStreamMs === undefined ? {} : { maxStreamMs }),
    }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/events` };
}

/** Reads the stream until `until` holds for what arrived; returns the request, to end it from the client side. */
function readUntil(
  url: string,
  until: (text: string) => boolean,
): Promise<{ text: string; abort: () => void; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const outgoing = request(url, (response) => {
      const ended = new Promise<void>((done) => response.on('close', () => done()));
      response.setEncoding('utf8');
      response.on('data', (piece: string) => {
        text += piece;
        if (until(text)) resolve({ text, abort: () => outgoing.destroy(), ended });
      });
    });
    outgoing.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error)));
    outgoing.end();
  });
}

/** Waits for a condition the server reaches after a socket event (no time limit of its own: vitest's applies). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

const task = (id: number, state: 'queued' | 'running') => ({
  id,
  kind: 'deploy' as const,
  hostId: 1,
  hostName: 'pc-01',
  image: 'room',
  disk: null,
  state,
  createdAt: '2026-12-06T08:00:00.000Z',
  startedAt: null,
  endedAt: null,
  progress: null,
  phase: null,
  error: null,
  result: null,
  logFiles: [],
  debug: false,
  params: {},
  batch: null,
});

describe('the dashboard live stream', () => {
  it('says hello, sends the last message of a task within a burst, and leaves no listener behind when the client goes', async () => {
    const feed = new TaskFeed();
    const sessions = new DashboardSessions(() => Date.now());
    const { id } = sessions.open('admin', 'admin');
    const open = new Set<() => void>();
    const { app, url } = await streamServer(feed, sessions, id, open);
    const hello = await readUntil(url, (text) => text.includes('event: hello'));
    hello.abort();
    await hello.ended;
    await until(() => feed.listeners === 0);
    expect(open.size).toBe(0);

    const reading = readUntil(url, (text) => text.includes('"state":"running"'));
    await until(() => feed.listeners === 1);
    feed.publish({ type: 'task', task: task(7, 'queued') });
    feed.publish({ type: 'task', task: task(7, 'running') });
    const { text, abort } = await reading;
    expect(text.match(/event: task/g)).toHaveLength(1);
    abort();
    await until(() => feed.listeners === 0);
    expect(open.size).toBe(0);
    await app.close();
  });

  it('ends when its session is logged out', async () => {
    const feed = new TaskFeed();
    const sessions = new DashboardSessions(() => Date.now());
    const { id } = sessions.open('technician', 'tina');
    const { app, url } = await streamServer(feed, sessions, id, new Set());
    const hello = await readUntil(url, (text) => text.includes('event: hello'));
    sessions.close(id);
    await hello.ended;
    expect(feed.listeners).toBe(0);
    await app.close();
  });

  it('ends by itself after its lifetime, so a screen that went quiet is not held', async () => {
    const feed = new TaskFeed();
    const sessions = new DashboardSessions(() => Date.now());
    const { id } = sessions.open('admin', 'admin');
    const open = new Set<() => void>();
    const { app, url } = await streamServer(feed, sessions, id, open, 60_000, 300);
    // A client that never reads again: only the server can end the stream.
    const hello = await readUntil(url, (text) => text.includes('event: hello'));
    await hello.ended;
    expect(feed.listeners).toBe(0);
    expect(open.size).toBe(0);
    await app.close();
  });
});
