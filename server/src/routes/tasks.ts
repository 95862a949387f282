import { Id, Task, TaskBatchCreate, TaskBatchCreated, TaskCreate, TaskCreated, TaskList, TaskListQuery, TaskLogs } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cancelTask, createBatch, createTask, listTasks, showTask, taskLogs } from '../domain/tasks.ts';
import { serverUrl } from '../server-url.ts';
import type { RouteDeps } from './deps.ts';

const IdParams = z.object({ id: Id });

/** Admin: create, follow and cancel tasks. The agent's side of a task is in agent.ts. */
export const taskRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth, config }) => {
  const admin = async (request: FastifyRequest): Promise<void> => auth.admin(request.headers.authorization);

  app.post('/tasks', { onRequest: admin, schema: { tags: ['tasks'], body: TaskCreate, response: { 201: TaskCreated } } }, async (request, reply) =>
    reply.code(201).send(await createTask(ctx, request.body, serverUrl(config, request.headers.host))),
  );

  app.post('/tasks/batch', { onRequest: admin, schema: { tags: ['tasks'], body: TaskBatchCreate, response: { 201: TaskBatchCreated } } }, async (request, reply) =>
    reply.code(201).send(await createBatch(ctx, request.body, serverUrl(config, request.headers.host))),
  );

  app.get('/tasks', { onRequest: admin, schema: { tags: ['tasks'], querystring: TaskListQuery, response: { 200: TaskList } } }, async (request) =>
    listTasks(ctx, request.query),
  );

  app.get('/tasks/:id', { onRequest: admin, schema: { tags: ['tasks'], params: IdParams, response: { 200: Task } } }, async (request) =>
    showTask(ctx, request.params.id),
  );

  app.post('/tasks/:id/cancel', { onRequest: admin, schema: { tags: ['tasks'], params: IdParams, response: { 200: Task } } }, async (request) =>
    cancelTask(ctx, request.params.id),
  );

  app.get('/tasks/:id/logs', { onRequest: admin, schema: { tags: ['tasks'], params: IdParams, response: { 200: TaskLogs } } }, async (request) =>
    taskLogs(ctx, request.params.id),
  );
};
