import type { FastifyReply } from 'fastify';
import type { DashboardSessions } from '../dashboard-sessions.ts';
import type { FeedMessage, TaskFeed } from '../domain/task-feed.ts';

export interface StreamOptions {
  feed: TaskFeed;
  sessions: DashboardSessions;
  /** The cookie's session id: the stream ends when that session does. */
  sessionId: string;
  /** A comment line this often keeps proxies from closing an idle stream, and checks the session is still alive. */
  heartbeatMs: number;
  /** The streams open now, so the server can end them when it closes. */
  open: Set<() => void>;
  /**
   * The stream ends after this long and the browser opens a new one (EventSource reconnects, `hello` reloads the
   * lists): a screen gone without a FIN, whose few heartbeat bytes the kernel keeps retrying, is not held longer.
   */
  maxStreamMs?: number;
}

/** How long one live stream lasts before the browser is asked to reconnect. */
export const DEFAULT_MAX_STREAM_MS = 10 * 60 * 1000;

/**
 * Messages of the same task and kind within this window go out as the last one: a thousand agents posting every second
 * make at most a few messages per task per second on each screen, whatever they post.
 */
const COALESCE_MS = 250;
/** A screen that stops reading (asleep, a dead network) is dropped past this much unsent data; its browser reconnects. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

const keyOf = (message: FeedMessage): string =>
  message.type === 'task' ? `task:${message.task.id}` : `events:${message.taskId}`;

/**
 * Server-sent events (text/event-stream) from the task feed to one logged-in dashboard: `hello` first (the page then
 * loads its lists, so nothing falls between load and stream), then `task` and `events` messages as they happen.
 */
export function streamTaskFeed(reply: FastifyReply, options: StreamOptions): void {
  const { feed, sessions, sessionId, heartbeatMs, open, maxStreamMs = DEFAULT_MAX_STREAM_MS } = options;
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // nginx and its kind would otherwise hold the stream back in their buffer.
    'x-accel-buffering': 'no',
  });
  const pending = new Map<string, FeedMessage>();
  let flushTimer: NodeJS.Timeout | undefined;
  let ended = false;

  const write = (text: string): void => {
    if (ended) return;
    response.write(text);
    if (response.writableLength > MAX_BUFFERED_BYTES) end(true);
  };
  const flush = (): void => {
    flushTimer = undefined;
    for (const message of pending.values()) write(`event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`);
    pending.clear();
  };
  const unsubscribe = feed.subscribe((message) => {
    const key = keyOf(message);
    pending.delete(key);
    pending.set(key, message);
    flushTimer ??= setTimeout(flush, COALESCE_MS);
  });
  const heartbeat = setInterval(
    () => (sessions.find(sessionId) === undefined ? end() : write(': heartbeat\n\n')),
    heartbeatMs,
  );
  const stopWatching = sessions.onClose(sessionId, () => end());
  const lifetime = setTimeout(() => end(), maxStreamMs);

  function end(stuck = false): void {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    clearTimeout(flushTimer);
    clearTimeout(lifetime);
    unsubscribe();
    stopWatching();
    open.delete(end);
    if (stuck) response.destroy();
    else response.end();
  }
  open.add(end);
  response.on('close', () => end());
  write(`retry: 3000\n\nevent: hello\ndata: {}\n\n`);
}
