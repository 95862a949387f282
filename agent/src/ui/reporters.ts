import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { formatBytes, formatRate, PROGRESS_BAR_OPTIONS, progressBarValues, type Event } from '@brume/protocol';
import type { Reporter } from '../ports.ts';

/** NDJSON: one event object per line, the same objects the server receives. */
export function jsonReporter(write: (line: string) => void): Reporter {
  return { event: (event) => write(`${JSON.stringify(event)}\n`) };
}

/** A terminal: one progress bar per partition (bytes, rate, ETA), the admin CLI's bar; phase messages above the bars. */
export function ttyReporter(stream: NodeJS.WriteStream): Reporter & { stop(): void } {
  const bars = new MultiBar({ stream, ...PROGRESS_BAR_OPTIONS }, Presets.shades_classic);
  const byTarget = new Map<string, SingleBar>();
  return {
    event(event: Event) {
      if (event.type === 'phase' || event.type === 'log') {
        bars.log(`${event.type === 'log' ? `[${event.level}] ` : ''}${event.message}\n`);
        return;
      }
      if (event.type !== 'progress') return;
      const key = `${event.phase} ${event.target}`;
      const values = progressBarValues(event);
      const bar = byTarget.get(key) ?? bars.create(event.bytesTotal, 0, values);
      byTarget.set(key, bar);
      bar.setTotal(event.bytesTotal);
      bar.update(event.bytesDone, values);
    },
    stop: () => bars.stop(),
  };
}

/** Not a terminal and no --json (a log file, CI): phases, and each partition's figures when it ends. */
export function plainReporter(write: (line: string) => void): Reporter {
  return {
    event(event) {
      if (event.type === 'phase') write(`${event.message}\n`);
      else if (event.type === 'log') write(`[${event.level}] ${event.message}\n`);
      else if (event.type === 'progress' && event.bytesDone >= event.bytesTotal) {
        write(`  ${event.target}: ${formatBytes(event.bytesDone)} at ${formatRate(event.bytesPerSecond)}\n`);
      }
    },
  };
}

/** The same events to several reporters, in order; one that throws does not starve the others. */
export function teeReporter(...reporters: Reporter[]): Reporter {
  return {
    event(event) {
      for (const reporter of reporters) {
        try {
          reporter.event(event);
        } catch {
          // Reporting is best-effort.
        }
      }
    },
  };
}
