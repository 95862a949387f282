import type { Event, EventBatch, Task } from '@brume/protocol';

/**
 * What the web dashboard hears about tasks, as they happen: a task whole when it is made or ends, and the news of an
 * agent's event batch (its last progress and phase, its warnings). Only the domain publishes, right where it records.
 */
export type FeedMessage =
  | { type: 'task'; task: Task }
  | { type: 'events'; taskId: number; at: string; progress: Event | null; phase: Event | null; warnings: Event[] };

export type FeedListener = (message: FeedMessage) => void;

/** Warnings and errors an agent logged; a batch keeps its last few (a flood of them is the log's job, not the screen's). */
const WARNINGS_PER_BATCH = 5;

/** The news of one event batch: what the task table shows, nothing the database does not already keep. */
export function eventsMessage(taskId: number, at: string, batch: EventBatch): FeedMessage {
  const warnings = batch.events
    .filter((event) => event.type === 'log' && (event.level === 'warn' || event.level === 'error'))
    .slice(-WARNINGS_PER_BATCH);
  return {
    type: 'events',
    taskId,
    at,
    progress: batch.events.findLast((event) => event.type === 'progress') ?? null,
    phase: batch.events.findLast((event) => event.type === 'phase') ?? null,
    warnings,
  };
}

/** An in-process bus, one per server: publishing never waits for, or fails because of, a listener. */
export class TaskFeed {
  readonly #listeners = new Set<FeedListener>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = () => undefined) {
    this.#onListenerError = onListenerError;
  }

  /** Returns the unsubscribe function; calling it twice is harmless. */
  subscribe(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  publish(message: FeedMessage): void {
    for (const listener of this.#listeners) {
      try {
        listener(message);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }

  /** How many listen now: a closed dashboard must not leave one behind. */
  get listeners(): number {
    return this.#listeners.size;
  }
}
