import {
  BrumeError,
  TaskResults,
  type AgentTask,
  type EventBatch,
  type EventsAnswer,
  type KindResult,
  type Task,
  type TaskCancelled,
  type TaskComplete,
  type TaskFail,
  type TaskKind,
} from '@brume/protocol';
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

/**
 * Keeps the last progress and phase events of a batch (none: a heartbeat); the first batch moves the task to running.
 * One UPDATE, whose answer tells the agent whether a technician asked it to stop.
 */
export async function recordEvents(ctx: DomainContext, taskId: number, batch: EventBatch): Promise<EventsAnswer> {
  const progress = batch.events.findLast((event) => event.type === 'progress');
  const phase = batch.events.findLast((event) => event.type === 'phase');
  const recorded = await ctx.db.tasks.recordEvents(taskId, { at: ctx.now(), progress, phase });
  if (recorded === undefined) throw new BrumeError('TASK_STATE', `task ${taskId} has ended`);
  if (batch.events.length > 0) ctx.feed?.publish(eventsMessage(taskId, ctx.now(), batch));
  return { cancel: recorded.cancelRequested };
}

/**
 * Ends a task as done with its result and logs; the same call repeated on a done task returns it unchanged. The result
 * must be what the kind's declaration says its agent reports (else BAD_REQUEST with the issues), and the kind's
 * completion hook runs first (a capture must have committed its image; an inventory joins the host's history).
 */
export async function completeTask(
  ctx: DomainContext,
  task: TaskCredentials,
  body: z.output<typeof TaskComplete>,
): Promise<Task> {
  if (task.state === 'done') return showTask(ctx, task.id);
  const result = kindResult(task, body.result);
  return ctx.locks.exclusive(lockKeys.upload(task.id), async () => {
    await kindHooks(task.kind).onComplete?.(ctx, task, result);
    await ctx.db.taskLogs.save(task.id, body.logs);
    return endTask(ctx, task.id, { state: 'done', at: ctx.now(), result: body.result });
  });
}

/** Ends a task as failed with the agent's error and logs, then runs its kind's end hook. Idempotent like complete. */
export async function failTask(
  ctx: DomainContext,
  task: TaskCredentials,
  body: z.output<typeof TaskFail>,
): Promise<Task> {
  if (task.state === 'failed') return showTask(ctx, task.id);
  await ctx.db.taskLogs.save(task.id, body.logs);
  const ended = await endTask(ctx, task.id, { state: 'failed', at: ctx.now(), error: body.error });
  await kindHooks(task.kind).onEnd?.(ctx, task, 'failed');
  return ended;
}

/** The agent's result read with its kind's schema; a result that does not fit is refused, not stored. */
function kindResult<K extends TaskKind>(
  task: TaskCredentials & { kind: K },
  result: Record<string, unknown> | undefined,
): KindResult<K> | undefined {
  if (result === undefined) return undefined;
  const parsed = TaskResults[task.kind].safeParse(result);
  if (parsed.success) return parsed.data as KindResult<K>;
  const [first] = parsed.error.issues;
  const where = first === undefined || first.path.length === 0 ? '' : `${first.path.join('.')}: `;
  throw new BrumeError(
    'BAD_REQUEST',
    `${task.kind} task ${task.id}: the result is not what a ${task.kind} agent reports (${where}${first?.message ?? 'invalid'})`,
    { detail: parsed.error.issues.slice(0, 10) },
  );
}

/**
 * Ends a task as cancelled, confirmed by its agent: what it had done (its stop report) and its logs are kept, then its kind's
 * end hook runs (a capture's staged upload is dropped). Only a task whose cancel was requested; repeated after a lost
 * answer, it returns the task.
 */
export async function confirmCancel(
  ctx: DomainContext,
  task: TaskCredentials,
  body: z.output<typeof TaskCancelled>,
): Promise<Task> {
  if (task.state === 'cancelled') return showTask(ctx, task.id);
  if (task.cancelRequestedAt === null)
    throw new BrumeError('TASK_STATE', `task ${task.id} was not asked to stop: nothing to confirm`);
  await ctx.db.taskLogs.save(task.id, body.logs);
  const ended = await endTask(ctx, task.id, { state: 'cancelled', at: ctx.now(), stopped: body.stopped });
  await kindHooks(task.kind).onEnd?.(ctx, task, 'cancelled');
  return ended;
}

async function endTask(
  ctx: DomainContext,
  id: number,
  ending: Parameters<DomainContext['db']['tasks']['end']>[1],
): Promise<Task> {
  const changed = await ctx.db.tasks.end(id, ending);
  const task = await showTask(ctx, id);
  if (changed) ctx.feed?.publish({ type: 'task', task });
  // Ended meanwhile (cancelled): only the same outcome counts as done.
  if (!changed && task.state !== ending.state)
    throw new BrumeError('TASK_STATE', `task ${id} is already ${task.state}`);
  return task;
}
