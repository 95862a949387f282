import { rm } from 'node:fs/promises';
import type { DomainContext } from './context.ts';
import { recoveredDir } from './recovered.ts';

const DAY_MS = 24 * 3600 * 1000;

export interface Pruned {
  /** Tasks ended before this instant were deleted. */
  before: string;
  taskIds: number[];
  logFiles: number;
  /** Tasks whose recovered files (DATA/recovered/task-N) went with them. */
  recoveredDirs: number;
}

/**
 * Task history retention: deletes the tasks that ended more than `retentionDays` ago, with their log bundles and the
 * files a recovery brought back (no listing reaches them once their task is gone). Queued
 * and running tasks are never touched, however old; images are never touched (an image keeps its bytes and forgets
 * which task captured it). 0 days keeps everything: nothing is deleted and null is returned.
 */
export async function pruneEndedTasks(
  ctx: DomainContext,
  retentionDays: number,
  dataDir: string,
): Promise<Pruned | null> {
  if (retentionDays === 0) return null;
  const before = new Date(Date.parse(ctx.now()) - retentionDays * DAY_MS).toISOString();
  const { ids, logFiles } = await ctx.db.tasks.pruneEnded(before);
  let recoveredDirs = 0;
  for (const id of ids) {
    const dir = recoveredDir(dataDir, id);
    const existed = await rm(dir, { recursive: true }).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    if (existed) recoveredDirs += 1;
  }
  return { before, taskIds: ids, logFiles, recoveredDirs };
}
