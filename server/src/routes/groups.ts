import { routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { addToGroup, deleteGroup, listGroups, removeFromGroup, showGroup } from '../domain/groups.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/** Admin: groups of hosts (a room, a row of a room), the unit of a night's deploy. */
export const groupRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards }) => {
  const route = routeDefiner(app, guards);
  route(routes.groupList, {}, async () => listGroups(ctx));
  route(routes.groupAdd, {}, async (request) => addToGroup(ctx, request.body));
  route(routes.groupShow, {}, async (request) => showGroup(ctx, request.params.name));
  route(routes.groupRemove, {}, async (request) => removeFromGroup(ctx, request.params.name, request.body.hosts));
  route(routes.groupDelete, {}, async (request, reply) => {
    await deleteGroup(ctx, request.params.name);
    return reply.code(204).send();
  });
};
