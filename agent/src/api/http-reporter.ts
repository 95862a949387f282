import { BrumeError, type Event, type ProgressEvent } from '@brume/protocol';
import type { Reporter } from '../ports.ts';
import type { ApiClient } from './client.ts';

export interface HttpReporterOptions {
  /** Every event also goes here at once: the technician's console, the agent's log file. */
  local?: Reporter;
  /** At most one post per interval (progress is coalesced in between). */
  intervalMs?: number;
  /** Phase and log events waiting while the server is away; the oldest go first when there are more. */
  maxQueued?: number;
  /** Called once, when the server's answer to a post says a technician asked the task to stop. */
  onCancel?: () => void;
}

export interface HttpReporter extends Reporter {
  /**
   * Posts every interval from now on, an empty batch (a heartbeat) when nothing happened, so a cancel reaches a task
   * that is quiet for a while (a long unmount, a slow tool) within two intervals.
   */
  start(): void;
  /** Sends what is waiting now, once, and stops the timer: called before complete/fail. */
  flush(): Promise<void>;
  /** The server's refusal (401/403: the task was cancelled or has ended), once it has refused an event post. */
  revoked(): BrumeError | undefined;
}

const MAX_BATCH = 200;

/**
 * Events to `POST /tasks/:id/events`, best-effort, so a slow or unreachable server never holds the disk work up:
 * progress is coalesced to the latest per partition and sent at most once a second; phase and log events are kept in
 * order and batched. A failed post never stops the job: its phase and log events wait for the next tick, its progress
 * is dropped (a newer figure replaces it). Once started, it posts every interval even with nothing to say; the answer
 * may carry a cancel (old servers answer 204, no body).
 */
export function httpReporter(client: ApiClient, taskId: number, options: HttpReporterOptions = {}): HttpReporter {
  const maxQueued = options.maxQueued ?? 2000;
  const ordered: Event[] = [];
  const progress = new Map<string, ProgressEvent>();
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> | undefined;
  let refusal: BrumeError | undefined;
  let stopped = false;
  let beating = false;
  let cancelled = false;
  const intervalMs = options.intervalMs ?? 1000;

  const post = async (): Promise<void> => {
    const { taken, events } = takeBatch(ordered, progress);
    if (events.length === 0 && !beating) return;
    try {
      const said = await client.call('taskEvents', { params: { id: taskId }, body: { events } }, { once: true });
      if (said?.cancel === true && !cancelled) {
        cancelled = true;
        options.onCancel?.();
      }
    } catch (error) {
      if (error instanceof BrumeError && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN')) {
        refusal = error;
        stop();
        return;
      }
      ordered.unshift(...taken);
      ordered.splice(0, Math.max(0, ordered.length - maxQueued));
    }
  };
  const tick = (): void => {
    if (sending !== undefined || stopped) return;
    sending = post().finally(() => {
      sending = undefined;
    });
  };
  const stop = (): void => {
    stopped = true;
    if (timer !== undefined) clearInterval(timer);
    ordered.length = 0;
    progress.clear();
  };

  const startTimer = (): void => {
    // Nothing keeps the process alive for events: the job does.
    timer ??= setInterval(tick, intervalMs).unref();
  };

  return {
    start() {
      if (stopped) return;
      beating = true;
      startTimer();
    },
    event(event) {
      try {
        options.local?.event(event);
      } catch {
        // The console is best-effort too.
      }
      if (stopped) return;
      if (event.type === 'progress') progress.set(`${event.phase} ${event.target}`, event);
      else ordered.push(event);
      if (ordered.length > maxQueued) ordered.shift();
      startTimer();
    },
    async flush() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await sending;
      beating = false;
      while (!stopped && (ordered.length > 0 || progress.size > 0)) {
        const before = ordered.length;
        await post();
        // A post that failed put its events back: give up on them rather than hold the job's end.
        if (ordered.length >= before && ordered.length > 0) break;
      }
      stopped = true;
    },
    revoked: () => refusal,
  };
}

/** The next post: phase and log events in order, then the latest progress of each partition (which leaves the map). */
function takeBatch(ordered: Event[], progress: Map<string, ProgressEvent>): { taken: Event[]; events: Event[] } {
  const latest = [...progress.values()].slice(-MAX_BATCH / 2);
  progress.clear();
  const taken = ordered.splice(0, MAX_BATCH - latest.length);
  return { taken, events: [...taken, ...latest] };
}
