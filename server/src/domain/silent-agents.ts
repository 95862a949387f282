import type { TaskError } from '@brume/protocol';
import type { TaskRecord } from '../db/tasks.ts';
import type { DomainContext } from './context.ts';
import { showTask } from './tasks.ts';
import { kindHooks } from './task-kinds.ts';

export interface Silenced {
  id: number;
  hostName: string;
  heardAt: string;
}

function silentError(task: TaskRecord, heardAt: string, timeoutSeconds: number): TaskError {
  const minutes = Math.round(timeoutSeconds / 6) / 10;
  return {
    code: 'AGENT_SILENT',
    message:
      `the agent on ${task.hostName} was last heard from at ${heardAt} and has posted nothing for more than ${minutes} min: ` +
      'the PC may have lost power or its network, or hangs; run the task again once it is back',
    detail: { heardAt, timeoutSeconds },
  };
}

/**
 * Fails every running task whose agent has posted nothing for `timeoutSeconds` (AGENT_SILENT, saying when it was last
 * heard from). Its kind's end hook runs, as for any failure (a capture's staged upload goes). Debug tasks are left alone: a technician at the
 * PC's shell may pause for as long as needed. 0 seconds turns the timeout off. Silence while the server itself was
 * down does not count: nothing is failed until the server has been up (`watchingSince`) for the whole timeout, so agents
 * that kept retrying through a restart find their tasks still theirs.
 */
export async function failSilentAgents(
  ctx: DomainContext,
  timeoutSeconds: number,
  watchingSince: string,
): Promise<Silenced[]> {
  if (timeoutSeconds === 0) return [];
  const now = ctx.now();
  const before = new Date(Date.parse(now) - timeoutSeconds * 1000).toISOString();
  if (Date.parse(watchingSince) > Date.parse(before)) return [];
  const failed: Silenced[] = [];
  for (const task of await ctx.db.tasks.silentSince(before)) {
    const heardAt = task.heardAt ?? task.startedAt ?? task.createdAt;
    // The task may have ended, or its agent spoken, since the query: then it is left as it is.
    const ended = await ctx.db.tasks.failSilent(task.id, before, {
      at: now,
      error: silentError(task, heardAt, timeoutSeconds),
    });
    if (!ended) continue;
    await kindHooks(task.kind).onEnd?.(ctx, task, 'failed');
    ctx.feed?.publish({ type: 'task', task: await showTask(ctx, task.id) });
    failed.push({ id: task.id, hostName: task.hostName, heardAt });
  }
  return failed;
}
