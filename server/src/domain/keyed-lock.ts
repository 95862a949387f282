interface Waiter {
  exclusive: boolean;
  resume: () => void;
}
interface Entry {
  readers: number;
  writer: boolean;
  queue: Waiter[];
}

/**
 * Readers-writer locks by key, first come first served: chunk uploads of a task share it, its commit or cancel takes
 * it alone (waiting for uploads in flight, holding new ones back). Per server instance, never module-level.
 */
export class KeyedLock {
  readonly #entries = new Map<string, Entry>();

  async shared<T>(key: string, work: () => Promise<T>): Promise<T> {
    await this.#acquire(key, false);
    try {
      return await work();
    } finally {
      this.#release(key, false);
    }
  }

  async exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    await this.#acquire(key, true);
    try {
      return await work();
    } finally {
      this.#release(key, true);
    }
  }

  #acquire(key: string, exclusive: boolean): Promise<void> {
    const entry = this.#entries.get(key) ?? { readers: 0, writer: false, queue: [] };
    this.#entries.set(key, entry);
    const free = !entry.writer && entry.queue.length === 0 && (!exclusive || entry.readers === 0);
    if (free) {
      if (exclusive) entry.writer = true;
      else entry.readers += 1;
      return Promise.resolve();
    }
    return new Promise((resume) => entry.queue.push({ exclusive, resume }));
  }

  #release(key: string, exclusive: boolean): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    if (exclusive) entry.writer = false;
    else entry.readers -= 1;
    while (entry.queue.length > 0 && !entry.writer) {
      const next = entry.queue[0] as Waiter;
      if (next.exclusive && entry.readers > 0) break;
      entry.queue.shift();
      if (next.exclusive) entry.writer = true;
      else entry.readers += 1;
      next.resume();
    }
    if (!entry.writer && entry.readers === 0 && entry.queue.length === 0) this.#entries.delete(key);
  }
}
