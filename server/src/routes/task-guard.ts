import { BrumeError, Id } from '@brume/protocol';
import type { FastifyRequest } from 'fastify';
import type { Auth, TaskAccess } from '../auth.ts';
import type { TaskCredentials } from '../db/tasks.ts';

export interface TaskGuard {
  /** An onRequest hook: the task's token is checked before the body is read or validated. */
  onRequest: (request: FastifyRequest) => Promise<void>;
  /** The task the hook authenticated for this request. */
  taskOf: (request: FastifyRequest) => TaskCredentials;
}

/**
 * Authenticates an agent route by the task id in its path parameter `param`. It runs first, so a stale or foreign
 * token is refused as such (401/403) whatever the body holds, and no large body is parsed for a stranger.
 */
export function taskGuard(auth: Auth, param: string, access?: TaskAccess): TaskGuard {
  const tasks = new WeakMap<FastifyRequest, TaskCredentials>();
  return {
    onRequest: async (request) => {
      const id = Id.safeParse((request.params as Record<string, unknown>)[param]);
      if (!id.success) throw new BrumeError('BAD_REQUEST', `invalid params: /${param}: not a task id`, { detail: id.error.issues });
      tasks.set(request, await auth.task(request.headers.authorization, id.data, access));
    },
    taskOf: (request) => {
      const task = tasks.get(request);
      if (task === undefined) throw new Error(`the task guard did not run for ${request.method} ${request.url}`);
      return task;
    },
  };
}
