import { routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createHost, deleteHost, listHosts } from '../domain/hosts.ts';
import { hostDetail } from '../domain/registration.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/** Admin: the PCs Brume knows, by name and MAC addresses. */
export const hostRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards }) => {
  const route = routeDefiner(app, guards);
  route(routes.hostList, {}, async () => listHosts(ctx));
  route(routes.hostCreate, {}, async (request, reply) => reply.code(201).send(await createHost(ctx, request.body)));
  route(routes.hostShow, {}, async (request) => hostDetail(ctx, request.params.name));
  route(routes.hostDelete, {}, async (request, reply) => {
    await deleteHost(ctx, request.params.name);
    return reply.code(204).send();
  });
};
