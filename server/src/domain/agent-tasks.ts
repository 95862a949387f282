import { BrumeError, TaskResults, type AgentTask, type EventBatch, type KindResult, type Task, type TaskComplete, type TaskFail, type TaskKind } from '@brume/protocol';
import type { z } from 'zod';
import type { TaskCredentials } from '../db/tasks.ts';
import { lockKeys, type DomainContext } from './context.ts';
import { eventsMessage } from './task-feed.ts';
import { findTask, showTask } from './tasks.ts';
import { kindHooks } from './task-kinds.ts';

export async function agentTask(ctx: DomainContext, task: TaskCredentials): Promise<AgentTask> {
  const { id, kind, image, disk, state, debug, params, hostName } = await findTask(ctx, task.id);
  // The row's params were checked with its kind's schema when it was made.
  return { id, kind, image, disk, state, debug, params, hostName } as AgentTask;
}

/** Keeps the last progress and phase events of a batch; the first batch moves the task to running. One UPDATE. */
export async function recordEvents(ctx: DomainContext, taskId: number, batch: EventBatch): Promise<void> {
  const progress = batch.events.findLast((event) => event.type === 'progress');
  const phase = batch.events.findLast((event) => event.type === 'phase');
  const recorded = await ctx.db.tasks.recordEvents(taskId, { at: ctx.now(), progress, phase });
  if (!recorded) throw new BrumeError('TASK_STATE', `task ${taskId} has ended`);
  ctx.feed?.publish(eventsMessage(taskId, ctx.now(), batch));
}

/**
 * Ends a task as done with its result and logs; the same call repeated on a done task returns it unchanged. The result
 * must be what the kind's declaration says its agent reports (else BAD_REQUEST with the issues), and the kind's
 * completion hook runs first (a capture must have committed its image; an inventory joins the host's history).
 */
export async function completeTask(ctx: DomainContext, task: TaskCredentials, body: z.output<typeof TaskComplete>): Promise<Task> {
  if (task.state === 'done') return showTask(ctx, task.id);
  const result = kindResult(task, body.result);
  return ctx.locks.exclusive(lockKeys.upload(task.id), async () => {
    await kindHooks(task.kind).onComplete?.(ctx, task, result);
    await ctx.db.taskLogs.save(task.id, body.logs);
    return endTask(ctx, task.id, { state: 'done', at: ctx.now(), result: body.result });
  });
}

/** Ends a task as failed with the agent's error and logs, then runs its kind's end hook. Idempotent like complete. */
export async function failTask(ctx: DomainContext, task: TaskCredentials, body: z.output<typeof TaskFail>): Promise<Task> {
  if (task.state === 'failed') return showTask(ctx, task.id);
  await ctx.db.taskLogs.save(task.id, body.logs);
  const ended = await endTask(ctx, task.id, { state: 'failed', at: ctx.now(), error: body.error });
  await kindHooks(task.kind).onEnd?.(ctx, task, 'failed');
  return ended;
}

/** The agent's result read with its kind's schema; a result that does not fit is refused, not stored. */
function kindResult<K extends TaskKind>(task: TaskCredentials & { kind: K }, result: Record<string, unknown> | undefined): KindResult<K> | undefined {
  if (result === undefined) return undefined;
  const parsed = TaskResults[task.kind].safeParse(result);
  if (parsed.success) return parsed.data as KindResult<K>;
  const [first] = parsed.error.issues;
  const where = first === undefined || first.path.length === 0 ? '' : `${first.path.join('.')}: `;
  throw new BrumeError('BAD_REQUEST', `${task.kind} task ${task.id}: the result is not what a ${task.kind} agent reports (${where}${first?.message ?? 'invalid'})`, { detail: parsed.error.issues.slice(0, 10) });
}

async function endTask(ctx: DomainContext, id: number, ending: Parameters<DomainContext['db']['tasks']['end']>[1]): Promise<Task> {
  const changed = await ctx.db.tasks.end(id, ending);
  const task = await showTask(ctx, id);
  if (changed) ctx.feed?.publish({ type: 'task', task });
  // Ended meanwhile (cancelled): only the same outcome counts as done.
  if (!changed && task.state !== ending.state) throw new BrumeError('TASK_STATE', `task ${id} is already ${task.state}`);
  return task;
}
