// Human figures and the progress bar, shared by the PC's console and the admin CLI: a technician watching a deploy on
// the PC and from the office reads the same numbers in the same shape.
import type { ProgressEvent } from './events.ts';

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1023 → "1023 B", 1536 → "1.5 KiB", 20 GiB → "20.0 GiB": binary units, one decimal above bytes. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${BYTE_UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** 59 → "59s", 192 → "3m12s", 7380 → "2h03m", past two days "3d02h"; a negative span (clock skew) reads "0s". */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}

/**
 * The options of a partition's progress bar (cli-progress's MultiBar, which both consoles use; plain data, so protocol
 * needs no terminal library). cli-progress fills `{total}` and `{value}` with its own raw numbers, so the human figures
 * travel under names of their own: see progressBarValues.
 */
export const PROGRESS_BAR_OPTIONS = {
  format: ' {target} {bar} {percentage}% | {done_text}/{total_text} | {rate} | ETA {eta_text}',
  hideCursor: true,
  clearOnComplete: false,
  stopOnComplete: false,
  barsize: 30,
  // Without it a bar whose text did not change is not redrawn after a log line, and vanishes from the screen.
  forceRedraw: true,
} as const;

/** The figures a progress bar shows for one progress event, by the names PROGRESS_BAR_OPTIONS.format uses. */
export function progressBarValues(
  progress: ProgressEvent,
): Record<'target' | 'done_text' | 'total_text' | 'rate' | 'eta_text', string> {
  return {
    target: `${progress.phase.padEnd(7)} ${progress.target.padEnd(5)}`,
    done_text: formatBytes(progress.bytesDone),
    total_text: formatBytes(progress.bytesTotal),
    rate: formatRate(progress.bytesPerSecond),
    eta_text: progress.etaSeconds === null ? '--' : formatDuration(progress.etaSeconds),
  };
}
