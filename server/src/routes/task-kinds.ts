import { routes, taskKindCatalog } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/** Admin and dashboard: the task kinds this server knows, as declared in the protocol (what task forms are built from). */
export const taskKindRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { guards }) => {
  const route = routeDefiner(app, guards);
  // The same for every request: built once.
  const catalog = taskKindCatalog();
  route(routes.taskKinds, {}, async () => catalog);
};
