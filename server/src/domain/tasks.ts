import {
  BrumeError,
  TaskResults,
  taskCmdline,
  type Task,
  type TaskBatchCreate,
  type TaskBatchCreated,
  type TaskCreate,
  type TaskCreated,
  type TaskListQuery,
  type TaskLogs,
} from '@brume/protocol';
import type { z } from 'zod';
import type { TaskRecord } from '../db/tasks.ts';
import { isActive, newTaskToken } from '../auth.ts';
import { lockKeys, type DomainContext } from './context.ts';
import { findGroup } from './groups.ts';
import { findHost } from './hosts.ts';
import { kindHooks, requireGroupable } from './task-kinds.ts';
import { taskHistory } from './task-history.ts';

/**
 * A stored task as the API shows it. Its kind is known (reading the row checked it) and its params were checked when it
 * was made; its result was checked when its agent reported it, so only a row from before that check can hold a result
 * its kind does not describe: such a result is shown as none (the row keeps it) rather than failing every listing.
 */
export const toTask = (record: TaskRecord): Task => {
  const fits = record.result === null || TaskResults[record.kind].safeParse(record.result).success;
  return { ...record, result: fits ? record.result : null, ...taskHistory(record) } as Task;
};

export async function findTask(ctx: DomainContext, id: number): Promise<TaskRecord> {
  const task = await ctx.db.tasks.byId(id);
  if (task === undefined) throw new BrumeError('TASK_NOT_FOUND', `no task ${id}`, { detail: { id } });
  return task;
}

/**
 * A new task for a host, after its kind's create hook (a capture needs a name no image and no other active capture has;
 * a deploy needs a published image). The token is returned here once; the server keeps its sha256.
 */
export async function createTask(
  ctx: DomainContext,
  input: z.output<typeof TaskCreate>,
  serverUrl: string,
  batch: number | null = null,
): Promise<TaskCreated> {
  const host = await findHost(ctx, input.host);
  const insert = async (image: string | null): Promise<TaskCreated> => {
    const { token, tokenHash } = newTaskToken();
    const task = await ctx.db.tasks.insert({
      kind: input.kind,
      hostId: host.id,
      hostName: host.name,
      image,
      disk: input.disk ?? host.diskHint,
      createdAt: ctx.now(),
      tokenHash,
      debug: input.debug,
      params: input.params,
      batch,
    });
    ctx.feed?.publish({ type: 'task', task: toTask(task) });
    return { task: toTask(task), token, cmdline: taskCmdline(serverUrl, task.id, token, task.debug) };
  };
  const check = async (): Promise<void> =>
    kindHooks(input.kind).onCreate?.(ctx, { kind: input.kind, image: input.image });
  const imageName = input.image;
  // TaskCreate's refinement gives the kinds that need an image one, and the others none.
  if (imageName === undefined) {
    await check();
    return insert(null);
  }
  return ctx.locks.exclusive(lockKeys.image(imageName), async () => {
    await check();
    return insert(imageName);
  });
}

/**
 * The same task for every host of a group, under one batch number. A capture is refused (one image comes from one PC);
 * every check a task makes happens for the first host, before the others are made.
 */
export async function createBatch(
  ctx: DomainContext,
  input: z.output<typeof TaskBatchCreate>,
  serverUrl: string,
): Promise<TaskBatchCreated> {
  requireGroupable(input.kind, '--group');
  const group = await findGroup(ctx, input.group);
  if (group.hosts.length === 0)
    throw new BrumeError('BAD_REQUEST', `group ${group.name} has no hosts`, { detail: { group: group.name } });
  return ctx.locks.exclusive(lockKeys.batch, async () => {
    const batch = await ctx.db.tasks.nextBatch();
    const tasks: TaskCreated[] = [];
    for (const host of group.hosts) {
      tasks.push(await createTask(ctx, { ...input, host }, serverUrl, batch));
    }
    return { batch, tasks };
  });
}

export async function listTasks(ctx: DomainContext, query: z.output<typeof TaskListQuery>): Promise<{ tasks: Task[] }> {
  return { tasks: (await ctx.db.tasks.list(query)).map(toTask) };
}

export async function showTask(ctx: DomainContext, id: number): Promise<Task> {
  return toTask(await findTask(ctx, id));
}

/**
 * Cancels a task. A queued one (or a debug one, waiting in a shell) ends at once, and its kind's end hook runs (a
 * capture's staged upload goes). A running one is asked to stop: the request is recorded, the agent hears it in the
 * answer to its next event post, stops, and confirms with what it had written (`cancelled`); its token keeps working
 * until then. A capture asked to stop can no longer publish (the request is recorded under the upload lock, so a commit
 * is either whole before it or refused after it). An agent that never confirms is ended by the housekeeping after a
 * grace (cancel-grace.ts).
 */
export async function cancelTask(ctx: DomainContext, id: number): Promise<Task> {
  const task = await findTask(ctx, id);
  if (!isActive(task.state))
    throw new BrumeError('TASK_STATE', `task ${id} has ended already (${task.state})`, {
      detail: { state: task.state },
    });
  if (task.state === 'running' && !task.debug) {
    // Under the task's upload lock (a capture's chunks in flight and its commit hold it; no other kind takes it but to
    // complete): no commit then straddles the request.
    // Chunks in flight are aborted first: a client gone quiet must not hold the cancel behind its lock.
    ctx.uploads.abortTask(id, new BrumeError('TASK_CANCELLED', `task ${id} was cancelled by a technician`));
    const requested = await ctx.locks.exclusive(lockKeys.upload(id), () => ctx.db.tasks.requestCancel(id, ctx.now()));
    if (requested) {
      const asked = await showTask(ctx, id);
      ctx.feed?.publish({ type: 'task', task: asked });
      return asked;
    }
    // It ended meanwhile: what it ended as decides below.
  }
  const cancelled = await ctx.db.tasks.end(id, { state: 'cancelled', at: ctx.now() });
  if (!cancelled) throw new BrumeError('TASK_STATE', `task ${id} ended while being cancelled`);
  await kindHooks(task.kind).onEnd?.(ctx, task, 'cancelled');
  const ended = await showTask(ctx, id);
  ctx.feed?.publish({ type: 'task', task: ended });
  return ended;
}

export async function taskLogs(ctx: DomainContext, id: number): Promise<TaskLogs> {
  await findTask(ctx, id);
  return { files: await ctx.db.taskLogs.list(id) };
}
