import { BrumeError } from '@brume/protocol';
import type { ApiClient } from './api/client.ts';

/** The reason a task's signal aborts with when the server asks it to stop: what every engine's await rejects with. */
export function cancelledByServer(taskId: number): BrumeError {
  return new BrumeError('TASK_CANCELLED', `task ${taskId} was cancelled by the server`);
}

/** Whether an error is the stop a cancel caused (the signal's reason, or a server refusing a cancelled task's commit). */
export function isCancel(error: unknown, signal: AbortSignal): boolean {
  return (
    signal.aborted || (error instanceof BrumeError && error.code === 'TASK_CANCELLED' && error.cause === undefined)
  );
}

/**
 * `work`, or the signal's reason as soon as it aborts, whichever comes first: an await on a pipe or a worker that would
 * not end by itself (a full pipe to a killed tool) does not hold the cancel. What `work` does afterwards is ignored.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const stop = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', stop, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', stop);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', stop);
        reject(signal.aborted ? (signal.reason as Error) : error);
      },
    );
  });
}

/**
 * The task's view of the server: every request carries the signal (an upload or a download in flight is aborted), none
 * starts after it, and a retry's backoff does not outlast it.
 */
export function abortableClient(client: ApiClient, signal: AbortSignal): ApiClient {
  return {
    url: client.url,
    call: (name, input, options) => untilAborted(client.call(name, input, { ...options, signal }), signal),
    json: (name, input, options) => untilAborted(client.json(name, input, { ...options, signal }), signal),
    bytes: (name, input, length, options) =>
      untilAborted(client.bytes(name, input, length, { ...options, signal }), signal),
    size: (name, input) => untilAborted(client.size(name, input), signal),
    close: () => client.close(),
  };
}
