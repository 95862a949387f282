import { BrumeError } from '@brume/protocol';

/** One chunk body being received: the bytes it may cover, and how to stop it. */
interface Flight {
  readonly file: string;
  readonly index: number;
  /** First byte and one past the last byte it may write. */
  readonly start: number;
  readonly end: number;
  readonly controller: AbortController;
}

export interface FlightRange {
  file: string;
  index: number;
  offset: number;
  /** Bytes the chunk may take from its offset (its Content-Length, or the largest chunk when it gave none). */
  bytes: number;
}

/** A registered upload: aborted when a newer upload of its chunk, a cancel, a commit or a discard comes. */
export interface FlightTicket {
  readonly signal: AbortSignal;
  /** Forgets it (in a finally): a newer upload of its chunk, if any, stays registered. */
  end(): void;
}

/**
 * The chunk bodies a server is receiving, by task, so that nothing waits on a client that went quiet: a newer upload
 * of a chunk aborts the stale one, and a task's cancel, commit or discard aborts them all before taking the upload
 * lock. The overlap check against the other chunks in flight is synchronous with the registration, so two concurrent
 * overlapping chunks cannot both pass it. Per server instance, never module-level.
 */
export class UploadsInFlight {
  readonly #tasks = new Map<number, Set<Flight>>();

  begin(taskId: number, range: FlightRange): FlightTicket {
    const flights = this.#tasks.get(taskId) ?? new Set<Flight>();
    const start = range.offset;
    const end = range.offset + range.bytes;
    for (const other of flights) {
      if (other.file !== range.file) continue;
      if (other.index === range.index) continue;
      if (start < other.end && other.start < end) {
        throw new BrumeError(
          'CHUNK_CONFLICT',
          `chunk ${range.index} of ${range.file} overlaps chunk ${other.index}, which is being uploaded`,
          {
            detail: { file: range.file, chunk: range.index },
          },
        );
      }
    }
    for (const other of flights) {
      if (other.file === range.file && other.index === range.index) {
        flights.delete(other);
        other.controller.abort(
          new BrumeError('CHUNK_CONFLICT', `a newer upload of chunk ${range.index} of ${range.file} replaced this one`),
        );
      }
    }
    const flight: Flight = { file: range.file, index: range.index, start, end, controller: new AbortController() };
    flights.add(flight);
    this.#tasks.set(taskId, flights);
    return {
      signal: flight.controller.signal,
      end: () => {
        flights.delete(flight);
        if (flights.size === 0 && this.#tasks.get(taskId) === flights) this.#tasks.delete(taskId);
      },
    };
  }

  /** Aborts every upload of a task in flight, so a lock they hold is released without waiting for their clients. */
  abortTask(taskId: number, reason: BrumeError): void {
    const flights = this.#tasks.get(taskId);
    if (flights === undefined) return;
    this.#tasks.delete(taskId);
    for (const flight of flights) flight.controller.abort(reason);
  }

  /** How many uploads are in flight (for tests and metrics). */
  count(taskId: number): number {
    return this.#tasks.get(taskId)?.size ?? 0;
  }
}

/**
 * The body's pieces until the signal aborts: then the reader fails at once with the signal's reason, even while it
 * waits for a piece that will never come (a client gone without a FIN).
 */
export async function* untilAborted(body: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  let stop: (reason: unknown) => void = () => undefined;
  const aborted = new Promise<never>((_resolve, reject) => (stop = reject));
  aborted.catch(() => undefined);
  const onAbort = (): void => stop(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Not awaited: a stream's return() waits for its pending read, which a dead client never completes.
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
