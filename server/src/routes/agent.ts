import { routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { agentTask, completeTask, confirmCancel, failTask, recordEvents } from '../domain/agent-tasks.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/** A log bundle: up to 64 files, each capped by the agent. */
const LOG_BUNDLE_LIMIT = 32 * 1024 * 1024;

/** The agent's side of its task, authenticated by the task's own token. */
export const agentRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards }) => {
  const route = routeDefiner(app, guards);
  route(routes.agentTask, {}, async (_request, _reply, task) => agentTask(ctx, task));

  // A thousand agents post here every second: no per-request log line below warn. Events after the end: done/failed
  // is a conflict; cancelled is a stale token (401), so the agent stops. The answer carries a technician's cancel
  // (agents before it ignored the body of what was a 204).
  route(
    routes.taskEvents,
    { logLevel: 'warn', taskAccess: { conflictWhenEnded: ['done', 'failed'] } },
    async (request) => recordEvents(ctx, request.params.id, request.body),
  );

  // A complete, fail or cancelled repeated after a lost answer finds the task already in that state and returns it.
  route(
    routes.taskComplete,
    { bodyLimit: LOG_BUNDLE_LIMIT, taskAccess: { allowEnded: ['done'] } },
    async (request, _reply, task) => completeTask(ctx, task, request.body),
  );
  route(
    routes.taskFail,
    { bodyLimit: LOG_BUNDLE_LIMIT, taskAccess: { allowEnded: ['failed'] } },
    async (request, _reply, task) => failTask(ctx, task, request.body),
  );
  route(
    routes.taskCancelled,
    { bodyLimit: LOG_BUNDLE_LIMIT, taskAccess: { allowEnded: ['cancelled'] } },
    async (request, _reply, task) => confirmCancel(ctx, task, request.body),
  );
};
