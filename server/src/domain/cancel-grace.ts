import type { TaskError } from '@brume/protocol';
import type { TaskRecord } from '../db/tasks.ts';
import type { DomainContext } from './context.ts';
import { showTask } from './tasks.ts';
import { kindHooks } from './task-kinds.ts';

/**
 * How long an agent has to confirm a technician's cancel. It hears it within 2 s (it posts every second) and stops its
 * tools within a few more; a minute covers a slow unmount and the log bundle, and still frees the PC's row soon.
 */
export const CANCEL_GRACE_SECONDS = 60;

export interface Unconfirmed {
  id: number;
  hostName: string;
  cancelRequestedAt: string;
}

function unconfirmedError(task: TaskRecord, requestedAt: string, graceSeconds: number): TaskError {
  return {
    code: 'CANCEL_UNCONFIRMED',
    message:
      `cancelled at ${requestedAt}; the agent on ${task.hostName} did not confirm within ${graceSeconds} s (the PC may be off or cut ` +
      'from the network): what it had written to the disk is unknown',
    detail: {
      cancelRequestedAt: requestedAt,
      graceSeconds,
      heardAt: task.heardAt,
      lastProgress: task.progress,
      lastPhase: task.phase,
    },
  };
}

/**
 * Ends `cancelled` every running task whose cancel was requested more than `graceSeconds` ago and not confirmed by its
 * agent, saying so (CANCEL_UNCONFIRMED), then runs its kind's end hook (a capture's staged upload goes). A task that ended meanwhile is left alone.
 */
export async function endUnconfirmedCancels(
  ctx: DomainContext,
  graceSeconds = CANCEL_GRACE_SECONDS,
): Promise<Unconfirmed[]> {
  const now = ctx.now();
  const before = new Date(Date.parse(now) - graceSeconds * 1000).toISOString();
  const ended: Unconfirmed[] = [];
  for (const task of await ctx.db.tasks.cancelUnconfirmedSince(before)) {
    const requestedAt = task.cancelRequestedAt ?? now;
    if (
      !(await ctx.db.tasks.end(task.id, {
        state: 'cancelled',
        at: now,
        error: unconfirmedError(task, requestedAt, graceSeconds),
      }))
    )
      continue;
    await kindHooks(task.kind).onEnd?.(ctx, task, 'cancelled');
    ctx.feed?.publish({ type: 'task', task: await showTask(ctx, task.id) });
    ended.push({ id: task.id, hostName: task.hostName, cancelRequestedAt: requestedAt });
  }
  return ended;
}
