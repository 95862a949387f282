import { AgentTask, EventBatch, EventsAnswer, Id, Task, TaskCancelled, TaskComplete, TaskFail } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { agentTask, completeTask, confirmCancel, failTask, recordEvents } from '../domain/agent-tasks.ts';
import type { RouteDeps } from './deps.ts';
import { taskGuard } from './task-guard.ts';

const IdParams = z.object({ id: Id });
/** A log bundle: up to 64 files, each capped by the agent. */
const LOG_BUNDLE_LIMIT = 32 * 1024 * 1024;

/** The agent's side of its task, authenticated by the task's own token. */
export const agentRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth }) => {
  const active = taskGuard(auth, 'id');
  // Events after the end: done/failed is a conflict; cancelled is a stale token (401), so the agent stops.
  const reporting = taskGuard(auth, 'id', { conflictWhenEnded: ['done', 'failed'] });
  // A complete or fail repeated after a lost answer finds the task already in that state and returns it.
  const completing = taskGuard(auth, 'id', { allowEnded: ['done'] });
  const failing = taskGuard(auth, 'id', { allowEnded: ['failed'] });
  const confirming = taskGuard(auth, 'id', { allowEnded: ['cancelled'] });

  app.get('/agent/tasks/:id', { onRequest: active.onRequest, schema: { tags: ['agent'], params: IdParams, response: { 200: AgentTask } } }, async (request) =>
    agentTask(ctx, active.taskOf(request)),
  );

  // A thousand agents post here every second: no per-request log line below warn. The answer carries a technician's
  // cancel (agents before it ignored the body of what was a 204).
  app.post(
    '/tasks/:id/events',
    { logLevel: 'warn', onRequest: reporting.onRequest, schema: { tags: ['agent'], params: IdParams, body: EventBatch, response: { 200: EventsAnswer } } },
    async (request) => recordEvents(ctx, request.params.id, request.body),
  );

  app.post(
    '/tasks/:id/complete',
    { bodyLimit: LOG_BUNDLE_LIMIT, onRequest: completing.onRequest, schema: { tags: ['agent'], params: IdParams, body: TaskComplete, response: { 200: Task } } },
    async (request) => completeTask(ctx, completing.taskOf(request), request.body),
  );

  app.post(
    '/tasks/:id/fail',
    { bodyLimit: LOG_BUNDLE_LIMIT, onRequest: failing.onRequest, schema: { tags: ['agent'], params: IdParams, body: TaskFail, response: { 200: Task } } },
    async (request) => failTask(ctx, failing.taskOf(request), request.body),
  );

  app.post(
    '/tasks/:id/cancelled',
    { bodyLimit: LOG_BUNDLE_LIMIT, onRequest: confirming.onRequest, schema: { tags: ['agent'], params: IdParams, body: TaskCancelled, response: { 200: Task } } },
    async (request) => confirmCancel(ctx, confirming.taskOf(request), request.body),
  );
};
