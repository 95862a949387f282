import { BrumeError, taskCmdline, type Task, type TaskBatchCreate, type TaskBatchCreated, type TaskCreate, type TaskCreated, type TaskListQuery, type TaskLogs } from '@brume/protocol';
import type { z } from 'zod';
import type { TaskRecord } from '../db/tasks.ts';
import { isActive, newTaskToken } from '../auth.ts';
import { lockKeys, type DomainContext } from './context.ts';
import { findGroup } from './groups.ts';
import { findHost } from './hosts.ts';
import { discardUpload } from './uploads.ts';
import { taskHistory } from './task-history.ts';

export const toTask = (record: TaskRecord): Task => ({ ...record, ...taskHistory(record) });

export async function findTask(ctx: DomainContext, id: number): Promise<TaskRecord> {
  const task = await ctx.db.tasks.byId(id);
  if (task === undefined) throw new BrumeError('TASK_NOT_FOUND', `no task ${id}`, { detail: { id } });
  return task;
}

/**
 * A new task for a host. A capture needs a name no image and no other active capture has; a deploy needs a published
 * image. The token is returned here once; the server keeps its sha256.
 */
export async function createTask(ctx: DomainContext, input: z.output<typeof TaskCreate>, serverUrl: string, batch: number | null = null): Promise<TaskCreated> {
  const host = await findHost(ctx, input.host);
  const insert = async (image: string | null): Promise<TaskCreated> => {
    const { token, tokenHash } = newTaskToken();
    const task = await ctx.db.tasks.insert({ kind: input.kind, hostId: host.id, hostName: host.name, image, disk: input.disk ?? host.diskHint, createdAt: ctx.now(), tokenHash, debug: input.debug, params: input.params, batch });
    ctx.feed?.publish({ type: 'task', task: toTask(task) });
    return { task: toTask(task), token, cmdline: taskCmdline(serverUrl, task.id, token, task.debug) };
  };
  const imageName = input.image;
  // TaskCreate's refinement gives capture and deploy an image, and an inventory none.
  if (imageName === undefined) return insert(null);
  return ctx.locks.exclusive(lockKeys.image(imageName), async () => {
    const image = await ctx.db.images.byName(imageName);
    if (input.kind === 'capture') {
      if (image !== undefined) throw new BrumeError('IMAGE_EXISTS', `image ${imageName} exists already; delete it or choose another name`, { detail: { name: imageName } });
      const [other] = await ctx.db.tasks.activeForImage(imageName, 'capture');
      if (other !== undefined) {
        throw new BrumeError('IMAGE_EXISTS', `task ${other.id} is already capturing image ${imageName}`, { detail: { name: imageName, task: other.id } });
      }
    } else if (image === undefined) {
      throw new BrumeError('IMAGE_NOT_FOUND', `no image named ${imageName}`, { detail: { name: imageName } });
    }
    return insert(imageName);
  });
}

/**
 * The same task for every host of a group, under one batch number. A capture is refused (one image comes from one PC);
 * every check a task makes happens for the first host, before the others are made.
 */
export async function createBatch(ctx: DomainContext, input: z.output<typeof TaskBatchCreate>, serverUrl: string): Promise<TaskBatchCreated> {
  if (input.kind === 'capture') throw new BrumeError('BAD_REQUEST', 'a capture makes one image from one PC: --group is for the other kinds');
  const group = await findGroup(ctx, input.group);
  if (group.hosts.length === 0) throw new BrumeError('BAD_REQUEST', `group ${group.name} has no hosts`, { detail: { group: group.name } });
  return ctx.locks.exclusive(lockKeys.batch, async () => {
    const batch = await ctx.db.tasks.nextBatch();
    const tasks: TaskCreated[] = [];
    for (const host of group.hosts) {
      const { kind, image, disk, debug, params } = input;
      tasks.push(await createTask(ctx, { kind, image, disk, debug, params, host }, serverUrl, batch));
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
 * Cancels a task. A queued one (or a debug one, waiting in a shell) ends at once, a capture's staged upload with it. A
 * running one is asked to stop: the request is recorded, the agent hears it in the answer to its next event post,
 * stops, and confirms with what it had written (`cancelled`); its token keeps working until then. A capture asked to
 * stop can no longer publish (the request is recorded under the upload lock, so a commit is either whole before it or
 * refused after it). An agent that never confirms is ended by the housekeeping after a grace (cancel-grace.ts).
 */
export async function cancelTask(ctx: DomainContext, id: number): Promise<Task> {
  const task = await findTask(ctx, id);
  if (!isActive(task.state)) throw new BrumeError('TASK_STATE', `task ${id} has ended already (${task.state})`, { detail: { state: task.state } });
  if (task.state === 'running' && !task.debug) {
    const request = (): Promise<boolean> => ctx.db.tasks.requestCancel(id, ctx.now());
    // A capture's under its upload lock (it waits for the chunks in flight): no commit then straddles the request.
    const requested = task.kind === 'capture' ? await ctx.locks.exclusive(lockKeys.upload(id), request) : await request();
    if (requested) {
      const asked = await showTask(ctx, id);
      ctx.feed?.publish({ type: 'task', task: asked });
      return asked;
    }
    // It ended meanwhile: what it ended as decides below.
  }
  const cancelled = await ctx.db.tasks.end(id, { state: 'cancelled', at: ctx.now() });
  if (!cancelled) throw new BrumeError('TASK_STATE', `task ${id} ended while being cancelled`);
  if (task.kind === 'capture') await discardUpload(ctx, id);
  const ended = await showTask(ctx, id);
  ctx.feed?.publish({ type: 'task', task: ended });
  return ended;
}

export async function taskLogs(ctx: DomainContext, id: number): Promise<TaskLogs> {
  await findTask(ctx, id);
  return { files: await ctx.db.taskLogs.list(id) };
}
