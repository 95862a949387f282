import { lockKeys, type DomainContext } from './context.ts';

/** Drops a capture's staged upload (cancelled or failed task); waits for uploads in flight. */
export async function discardUpload(ctx: DomainContext, taskId: number): Promise<void> {
  await ctx.locks.exclusive(lockKeys.upload(taskId), async () => {
    await ctx.store.discardStaged(taskId);
    await ctx.db.uploads.forgetTask(taskId);
  });
}
