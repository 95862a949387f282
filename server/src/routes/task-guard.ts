import { BrumeError, Id } from '@brume/protocol';
import type { FastifyRequest } from 'fastify';

/** The path parameters that name a task, in the agent's routes: `/tasks/:id/…`, `/uploads/:task/…`. */
const TASK_PARAMS = ['id', 'task'] as const;

/**
 * The task a task-token route is about, read from its path before validation: the token is checked first, so a stale or
 * foreign token is refused as such (401/403) whatever the body holds, and no large body is parsed for a stranger.
 */
export function taskIdOf(request: FastifyRequest): number {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const param = TASK_PARAMS.find((name) => Object.hasOwn(params, name));
  if (param === undefined) throw new Error(`${request.method} ${request.url} has no task in its path`);
  const id = Id.safeParse(params[param]);
  if (!id.success)
    throw new BrumeError('BAD_REQUEST', `invalid params: /${param}: not a task id`, { detail: id.error.issues });
  return id.data;
}
