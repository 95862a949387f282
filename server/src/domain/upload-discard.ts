import { BrumeError } from '@brume/protocol';
import { lockKeys, type DomainContext } from './context.ts';

/** Drops a capture's staged upload (cancelled or failed task); uploads in flight are aborted, not waited for. */
export async function discardUpload(ctx: DomainContext, taskId: number): Promise<void> {
  ctx.uploads.abortTask(taskId, new BrumeError('TASK_STATE', `task ${taskId} has ended: its upload is discarded`));
  await ctx.locks.exclusive(lockKeys.upload(taskId), async () => {
    await ctx.store.discardStaged(taskId);
    await ctx.db.uploads.forgetTask(taskId);
  });
}
