import { TaskKindCatalog, taskKindCatalog } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteDeps } from './deps.ts';

/** Admin and dashboard: the task kinds this server knows, as declared in the protocol (what task forms are built from). */
export const taskKindRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { auth }) => {
  app.addHook('onRequest', async (request) => auth.admin(request.headers.authorization));
  // The same for every request: built once.
  const catalog = taskKindCatalog();
  app.get('/task-kinds', { schema: { tags: ['tasks'], response: { 200: TaskKindCatalog } } }, async () => catalog);
};
