import { routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { cancelTask, createBatch, createTask, listTasks, showTask, taskLogs } from '../domain/tasks.ts';
import { serverUrl } from '../server-url.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/** Admin: create, follow and cancel tasks. The agent's side of a task is in agent.ts. */
export const taskRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards, config }) => {
  const route = routeDefiner(app, guards);
  route(routes.taskCreate, {}, async (request, reply) =>
    reply.code(201).send(await createTask(ctx, request.body, serverUrl(config, request.headers.host))),
  );
  route(routes.taskBatchCreate, {}, async (request, reply) =>
    reply.code(201).send(await createBatch(ctx, request.body, serverUrl(config, request.headers.host))),
  );
  route(routes.taskList, {}, async (request) => listTasks(ctx, request.query));
  route(routes.taskShow, {}, async (request) => showTask(ctx, request.params.id));
  route(routes.taskCancel, {}, async (request) => cancelTask(ctx, request.params.id));
  route(routes.taskLogs, {}, async (request) => taskLogs(ctx, request.params.id));
};
