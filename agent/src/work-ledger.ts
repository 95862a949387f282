import { BrumeError, type Event, type StopReport } from '@brume/protocol';
import type { Reporter } from './ports.ts';

/** How far the task got on one target (a partition's stream, a wipe pass, the disk a scan reads), from its progress. */
export interface TargetState {
  target: string;
  phase: string;
  bytesDone: number;
  bytesTotal: number;
  state: 'complete' | 'partial';
}

/**
 * What a running task has done, as its own events tell it: the last progress of each target (a meter's last figure
 * equals its total once it finished). A cancelled task reports it, so the technician learns what the disk holds.
 */
export interface WorkLedger extends Reporter {
  targets(): TargetState[];
}

export function workLedger(next: Reporter): WorkLedger {
  const seen = new Map<string, TargetState>();
  return {
    event(event: Event) {
      if (event.type === 'progress') {
        const complete = event.bytesTotal > 0 && event.bytesDone >= event.bytesTotal;
        seen.set(`${event.phase} ${event.target}`, {
          target: event.target,
          phase: event.phase,
          bytesDone: event.bytesDone,
          bytesTotal: event.bytesTotal,
          state: complete ? 'complete' : 'partial',
        });
      }
      next.event(event);
    },
    targets: () => [...seen.values()],
  };
}

/**
 * The result of a task stopped by the server's cancel: where it stopped, the engine's own account when it gave one
 * (the detail of its TASK_CANCELLED: a deploy's complete, partial and untouched partitions, what a capture uploaded, a
 * pass's byte), and the progress of every target it had started.
 */
export function cancelledResult(step: string, error: BrumeError, ledger: WorkLedger): StopReport {
  const detail =
    error.code === 'TASK_CANCELLED' && typeof error.detail === 'object' && error.detail !== null
      ? (error.detail as Record<string, unknown>)
      : {};
  return { ...detail, cancelledBy: 'server', stoppedAt: step, message: error.message, targets: ledger.targets() };
}

/** How long the console shows a cancel's account before the PC reboots (or powers off, or returns to the menu). */
export const CANCEL_NOTICE_MS = 10_000;

/** What the console shows after the server's cancel: the words, then one line per thing the disk holds. */
export function cancelledText(result: Record<string, unknown>): string {
  return ['cancelled by the server', ...describeCancelled(result).map((line) => `  ${line}`), ''].join('\n');
}

function describeCancelled(result: Record<string, unknown>): string[] {
  const lines: string[] = [];
  const partitions = result['partitions'] as
    { complete?: string[]; partial?: string | null; untouched?: string[] } | undefined;
  if (partitions !== undefined) {
    lines.push(
      `complete: ${list(partitions.complete)}; partial: ${partitions.partial ?? 'none'}; untouched: ${list(partitions.untouched)}`,
    );
  }
  const uploaded = result['uploaded'] as string[] | undefined;
  if (uploaded !== undefined)
    lines.push(`uploaded whole: ${list(uploaded)} (the server drops the upload: no image was published)`);
  for (const target of (result['targets'] as TargetState[] | undefined) ?? []) {
    lines.push(
      `${target.target} (${target.phase}): ${target.state}, ${target.bytesDone} of ${target.bytesTotal} bytes`,
    );
  }
  return lines;
}

const list = (items: readonly string[] | undefined): string =>
  items === undefined || items.length === 0 ? 'none' : items.join(', ');

export const isCancelError = (error: unknown): error is BrumeError =>
  error instanceof BrumeError && error.code === 'TASK_CANCELLED';
