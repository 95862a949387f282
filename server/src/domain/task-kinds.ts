import { BrumeError, kindDeclaration, type KindResult, type TaskKind, type TaskState } from '@brume/protocol';
import type { TaskCredentials } from '../db/tasks.ts';
import type { DomainContext } from './context.ts';
import { discardUpload } from './upload-discard.ts';

/** The agent routes a task's token opens besides its own task's: each for the kinds whose hooks row lists it. */
export type AgentRoute = 'uploads' | 'signatures' | 'recovered-files' | 'image-read';
const AGENT_ROUTE_USE: Readonly<Record<AgentRoute, string>> = {
  uploads: 'uploads an image',
  signatures: 'reads the signatures',
  'recovered-files': 'sends recovered files',
  'image-read': 'reads an image',
};

/** The task a completion or an end hook is about. */
type EndingTask = Pick<TaskCredentials, 'id' | 'kind'>;

/** What the server does for one kind besides what every task gets; a kind without a row needs nothing more. */
export interface KindHooks<K extends TaskKind> {
  /** Checks made before the task exists (under the image's lock when it names one); throws to refuse it. */
  onCreate?(ctx: DomainContext, task: { kind: K; image: string | undefined }): Promise<void>;
  /** Checks and effects of a completion, before the task is marked done (the result is already the kind's). */
  onComplete?(ctx: DomainContext, task: EndingTask, result: KindResult<K> | undefined): Promise<void>;
  /** After the task ended other than done (failed, cancelled, silent). */
  onEnd?(ctx: DomainContext, task: EndingTask, state: Exclude<TaskState, 'queued' | 'running' | 'done'>): Promise<void>;
  agentRoutes?: readonly AgentRoute[];
}

/**
 * The per-kind table: what each kind's create, completion and end do, and which agent routes its token opens. A wrapper
 * around each call, not the function itself, so the table can be read while its modules are still loading.
 */
export const taskKindHooks: { readonly [K in TaskKind]?: KindHooks<K> } = {
  capture: {
    // A capture makes an image: a name no image and no other active capture has.
    async onCreate(ctx, { image }) {
      if (image === undefined) return;
      if ((await ctx.db.images.byName(image)) !== undefined)
        throw new BrumeError('IMAGE_EXISTS', `image ${image} exists already; delete it or choose another name`, {
          detail: { name: image },
        });
      const [other] = await ctx.db.tasks.activeForImage(image, 'capture');
      if (other !== undefined)
        throw new BrumeError('IMAGE_EXISTS', `task ${other.id} is already capturing image ${image}`, {
          detail: { name: image, task: other.id },
        });
      await ctx.store.checkFreeSpace();
    },
    async onComplete(ctx, task) {
      if ((await ctx.db.images.byTask(task.id)) === undefined) {
        throw new BrumeError(
          'TASK_STATE',
          `capture task ${task.id} has not committed its image: commit the upload before completing`,
        );
      }
    },
    // The staged upload of a capture that did not publish its image is dropped.
    async onEnd(ctx, task) {
      if ((await ctx.db.images.byTask(task.id)) === undefined) await discardUpload(ctx, task.id);
    },
    agentRoutes: ['uploads'],
  },
  deploy: {
    async onCreate(ctx, { image }) {
      if (image !== undefined && (await ctx.db.images.byName(image)) === undefined)
        throw new BrumeError('IMAGE_NOT_FOUND', `no image named ${image}`, { detail: { name: image } });
    },
    agentRoutes: ['image-read'],
  },
  // An inventory task's result joins its host's history.
  inventory: {
    async onComplete(ctx, task, result) {
      if (result === undefined)
        throw new BrumeError('BAD_REQUEST', `inventory task ${task.id}: the result holds no valid inventory`);
      const record = await ctx.db.tasks.byId(task.id);
      if (record === undefined) throw new BrumeError('TASK_NOT_FOUND', `no task ${task.id}`);
      await ctx.db.inventories.add(record.hostId, {
        receivedAt: ctx.now(),
        source: 'inventory',
        inventory: result.inventory,
      });
    },
  },
  'virus-scan': { agentRoutes: ['signatures'] },
  recover: { agentRoutes: ['recovered-files'] },
};

/** The hooks of a kind (an empty row when the kind needs none). */
export function kindHooks<K extends TaskKind>(kind: K): KindHooks<K> {
  return (taskKindHooks[kind] as KindHooks<K> | undefined) ?? {};
}

export const opensRoute = (kind: TaskKind, route: AgentRoute): boolean =>
  kindHooks(kind).agentRoutes?.includes(route) === true;

/** Refuses a token whose kind does not open this route (FORBIDDEN, naming the kinds that do). */
export function requireAgentRoute(task: Pick<TaskCredentials, 'id' | 'kind'>, route: AgentRoute): void {
  if (opensRoute(task.kind, route)) return;
  const holders = (Object.keys(taskKindHooks) as TaskKind[]).filter((kind) => opensRoute(kind, route));
  throw new BrumeError(
    'FORBIDDEN',
    `task ${task.id} is a ${task.kind} task: only the token of ${holders.map((kind) => `a ${kind} task`).join(' or ')} ${AGENT_ROUTE_USE[route]}`,
  );
}

/** Refuses a kind that is not for a group (a batch, a schedule), with the declaration's reason. */
export function requireGroupable(kind: TaskKind, what: string): void {
  const { groupable } = kindDeclaration(kind);
  if (groupable !== true) throw new BrumeError('BAD_REQUEST', `${groupable.refused}: ${what} is for the other kinds`);
}
