import { BrumeError, Inventory, type AgentTask, type EventBatch, type EventsAnswer, type Task, type TaskCancelled, type TaskComplete, type TaskFail } from '@brume/protocol';
import type { z } from 'zod';
import type { TaskCredentials } from '../db/tasks.ts';
import { lockKeys, type DomainContext } from './context.ts';
import { eventsMessage } from './task-feed.ts';
import { findTask, showTask } from './tasks.ts';
import { discardUpload } from './uploads.ts';

export async function agentTask(ctx: DomainContext, task: TaskCredentials): Promise<AgentTask> {
  const { id, kind, image, disk, state, debug, params, hostName } = await findTask(ctx, task.id);
  return { id, kind, image, disk, state, debug, params, hostName };
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

/** Ends a task as done with its result and logs; the same call repeated on a done task returns it unchanged. */
export async function completeTask(ctx: DomainContext, task: TaskCredentials, body: z.output<typeof TaskComplete>): Promise<Task> {
  if (task.state === 'done') return showTask(ctx, task.id);
  return ctx.locks.exclusive(lockKeys.upload(task.id), async () => {
    if (task.kind === 'capture' && (await ctx.db.images.byTask(task.id)) === undefined) {
      throw new BrumeError('TASK_STATE', `capture task ${task.id} has not committed its image: commit the upload before completing`);
    }
    await ctx.db.taskLogs.save(task.id, body.logs);
    if (task.kind === 'inventory') await recordInventory(ctx, task, body.result);
    return endTask(ctx, task.id, { state: 'done', at: ctx.now(), result: body.result });
  });
}

/** Ends a task as failed with the agent's error and logs; a capture's staged upload is dropped. Idempotent like complete. */
export async function failTask(ctx: DomainContext, task: TaskCredentials, body: z.output<typeof TaskFail>): Promise<Task> {
  if (task.state === 'failed') return showTask(ctx, task.id);
  await ctx.db.taskLogs.save(task.id, body.logs);
  const ended = await endTask(ctx, task.id, { state: 'failed', at: ctx.now(), error: body.error });
  if (task.kind === 'capture') await discardUpload(ctx, task.id);
  return ended;
}

/**
 * Ends a task as cancelled, confirmed by its agent: what it had done (the result) and its logs are kept, a capture's
 * staged upload is dropped. Only a task whose cancel was requested; repeated after a lost answer, it returns the task.
 */
export async function confirmCancel(ctx: DomainContext, task: TaskCredentials, body: z.output<typeof TaskCancelled>): Promise<Task> {
  if (task.state === 'cancelled') return showTask(ctx, task.id);
  if (task.cancelRequestedAt === null) throw new BrumeError('TASK_STATE', `task ${task.id} was not asked to stop: nothing to confirm`);
  await ctx.db.taskLogs.save(task.id, body.logs);
  const ended = await endTask(ctx, task.id, { state: 'cancelled', at: ctx.now(), result: body.result });
  if (task.kind === 'capture') await discardUpload(ctx, task.id);
  return ended;
}

/** An inventory task's result joins its host's history; a result that is not an inventory is refused, not stored. */
async function recordInventory(ctx: DomainContext, task: TaskCredentials, result: Record<string, unknown> | undefined): Promise<void> {
  const parsed = Inventory.safeParse(result?.['inventory']);
  if (!parsed.success) throw new BrumeError('BAD_REQUEST', `inventory task ${task.id}: the result holds no valid inventory`, { detail: parsed.error.issues.slice(0, 5) });
  const record = await ctx.db.tasks.byId(task.id);
  if (record === undefined) throw new BrumeError('TASK_NOT_FOUND', `no task ${task.id}`);
  await ctx.db.inventories.add(record.hostId, { receivedAt: ctx.now(), source: 'inventory', inventory: parsed.data });
}

async function endTask(ctx: DomainContext, id: number, ending: Parameters<DomainContext['db']['tasks']['end']>[1]): Promise<Task> {
  const changed = await ctx.db.tasks.end(id, ending);
  const task = await showTask(ctx, id);
  if (changed) ctx.feed?.publish({ type: 'task', task });
  // Ended meanwhile (cancelled): only the same outcome counts as done.
  if (!changed && task.state !== ending.state) throw new BrumeError('TASK_STATE', `task ${id} is already ${task.state}`);
  return task;
}
