import type { Clock } from '../../server/src/schedules/clock.ts';

/** A clock for tests: time stands still until the test moves it. */
export interface FakeClock extends Clock {
  /** Moves time to `iso` and runs the timers that fall due on the way, awaiting the work each one starts. */
  advanceTo(iso: string): Promise<void>;
  /** Moves time without running any timer: the server was not running meanwhile. */
  jump(iso: string): void;
  /** Timers set and not yet run or cleared. */
  pending(): number;
}

interface Timer {
  due: number;
  callback: () => Promise<void>;
}

export function fakeClock(startIso: string): FakeClock {
  let now = Date.parse(startIso);
  const timers = new Set<Timer>();
  const earliestDue = (until: number): Timer | undefined =>
    [...timers].filter((timer) => timer.due <= until).sort((a, b) => a.due - b.due)[0];
  return {
    now: () => new Date(now),
    setTimer: (callback, ms) => {
      const timer: Timer = { due: now + Math.max(0, ms), callback };
      timers.add(timer);
      return timer;
    },
    clearTimer: (handle) => void timers.delete(handle as Timer),
    advanceTo: async (iso) => {
      const target = Date.parse(iso);
      for (let timer = earliestDue(target); timer !== undefined; timer = earliestDue(target)) {
        timers.delete(timer);
        now = Math.max(now, timer.due);
        await timer.callback();
      }
      now = Math.max(now, target);
    },
    jump: (iso) => {
      now = Date.parse(iso);
    },
    pending: () => timers.size,
  };
}
