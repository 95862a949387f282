/**
 * The scheduler's time: what it is now, and a way to be called back later. Injected, so tests move time by hand
 * (test/fakes/fake-clock.ts) and see schedules fire without waiting.
 */
export interface Clock {
  now(): Date;
  /** Calls `callback` after `ms`; the callback's promise is the work it started (a fake clock awaits it). */
  setTimer(callback: () => Promise<void>, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** Wall time and Node's timers; unreferenced, so a pending schedule never keeps a process alive on its own. */
export const systemClock: Clock = {
  now: () => new Date(),
  setTimer: (callback, ms) => setTimeout(() => void callback(), ms).unref(),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
