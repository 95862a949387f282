import type { Task } from '@brume/protocol';
import type { TaskRecord } from '../db/tasks.ts';

export type TaskHistory = Required<Pick<Task, 'durationSeconds' | 'bytes' | 'bytesPerSecond'>>;

const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined);

/**
 * The bytes a task moved, read from the result its agent reported: a capture's or a deploy's `rawBytes` (the partition
 * streams), a wipe's passes (what each pass wrote; a fast wipe's skipped passes count 0), a surface test's `bytes`.
 * Tasks whose result says nothing of bytes (inventory, debug steps) have none.
 */
export function bytesMoved(result: Record<string, unknown> | null): number | null {
  if (result === null) return null;
  const raw = count(result['rawBytes']);
  if (raw !== undefined) return raw;
  const passes = result['passes'];
  if (Array.isArray(passes)) {
    const written = passes.map((pass: unknown) => count((pass as Record<string, unknown> | null)?.['bytes']));
    if (written.every((bytes) => bytes !== undefined)) return written.reduce<number>((sum, bytes) => sum + bytes, 0);
  }
  return count(result['bytes']) ?? null;
}

/** Running time, bytes moved and average throughput of an ended task (nulls while it is queued or running). */
export function taskHistory(task: Pick<TaskRecord, 'startedAt' | 'endedAt' | 'result'>): TaskHistory {
  if (task.startedAt === null || task.endedAt === null) return { durationSeconds: null, bytes: null, bytesPerSecond: null };
  const durationSeconds = Math.max(0, (Date.parse(task.endedAt) - Date.parse(task.startedAt)) / 1000);
  const bytes = bytesMoved(task.result);
  return { durationSeconds, bytes, bytesPerSecond: bytes === null || durationSeconds === 0 ? null : bytes / durationSeconds };
}
