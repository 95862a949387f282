import { bytesMoved, type Task } from '@brume/protocol';
import type { TaskRecord } from '../db/tasks.ts';

export type TaskHistory = Required<Pick<Task, 'durationSeconds' | 'bytes' | 'bytesPerSecond'>>;

/**
 * Running time, bytes moved and average throughput of an ended task (nulls while it is queued or running). The bytes
 * are what the kind's declaration says its result moved (bytesMoved); a task without a result has none.
 */
export function taskHistory(task: Pick<TaskRecord, 'kind' | 'startedAt' | 'endedAt' | 'result'>): TaskHistory {
  if (task.startedAt === null || task.endedAt === null)
    return { durationSeconds: null, bytes: null, bytesPerSecond: null };
  const durationSeconds = Math.max(0, (Date.parse(task.endedAt) - Date.parse(task.startedAt)) / 1000);
  const bytes = task.result === null ? null : bytesMoved(task.kind, task.result);
  return {
    durationSeconds,
    bytes,
    bytesPerSecond: bytes === null || durationSeconds === 0 ? null : bytes / durationSeconds,
  };
}
