import type { Phase, ProgressEvent } from '@brume/protocol';
import type { Reporter } from '../ports.ts';

export interface ProgressMeter {
  /** Total bytes done so far for this target; emits at most once per interval (progress is coalesced, not queued). */
  update(bytesDone: number): void;
  /** Emits the final figure regardless of the interval. */
  finish(bytesDone: number): void;
}

export interface MeterOptions {
  reporter: Reporter;
  phase: Phase;
  target: string;
  bytesTotal: number;
  intervalMs?: number;
  now?: () => number;
}

/** Turns byte counts into progress events with a rate averaged since the start and an ETA. */
export function progressMeter(options: MeterOptions): ProgressMeter {
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 250;
  const started = now();
  let lastEmit = Number.NEGATIVE_INFINITY;

  // While running, the total is an estimate (a partclone stream's size is known only at its end): never "complete"
  // before finish().
  const emit = (bytesDone: number, final: boolean): void => {
    const elapsed = (now() - started) / 1000;
    const bytesPerSecond = elapsed > 0 ? bytesDone / elapsed : 0;
    const remaining = Math.max(0, options.bytesTotal - bytesDone);
    const event: ProgressEvent = {
      type: 'progress',
      ts: new Date().toISOString(),
      phase: options.phase,
      target: options.target,
      bytesDone,
      bytesTotal: final ? bytesDone : Math.max(options.bytesTotal, bytesDone + 1),
      bytesPerSecond,
      etaSeconds: bytesPerSecond > 0 ? remaining / bytesPerSecond : null,
    };
    options.reporter.event(event);
  };

  return {
    update(bytesDone) {
      const at = now();
      if (at - lastEmit < interval) return;
      lastEmit = at;
      emit(bytesDone, false);
    },
    finish: (bytesDone) => emit(bytesDone, true),
  };
}

/** One progress event of a job whose total is known from the start (a scan, a download): the rate since `started` (performance.now()), and the ETA. */
export function reportProgress(
  reporter: Reporter,
  at: { phase: Phase; target: string; done: number; total: number; started: number },
): void {
  const seconds = (performance.now() - at.started) / 1000;
  const rate = seconds > 0 ? at.done / seconds : 0;
  reporter.event({
    type: 'progress',
    ts: new Date().toISOString(),
    phase: at.phase,
    target: at.target,
    bytesDone: at.done,
    bytesTotal: at.total,
    bytesPerSecond: rate,
    etaSeconds: rate > 0 ? (at.total - at.done) / rate : null,
  });
}
