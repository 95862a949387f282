import { Group, GroupAdd, GroupList, GroupName, GroupRemove } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addToGroup, deleteGroup, listGroups, removeFromGroup, showGroup } from '../domain/groups.ts';
import type { RouteDeps } from './deps.ts';

const NameParams = z.object({ name: GroupName });

/** Admin: groups of hosts (a room, a row of a room), the unit of a night's deploy. */
export const groupRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth }) => {
  app.addHook('onRequest', async (request) => auth.admin(request.headers.authorization));

  app.get('/groups', { schema: { tags: ['groups'], response: { 200: GroupList } } }, async () => listGroups(ctx));

  app.post('/groups', { schema: { tags: ['groups'], body: GroupAdd, response: { 200: Group } } }, async (request) => addToGroup(ctx, request.body));

  app.get('/groups/:name', { schema: { tags: ['groups'], params: NameParams, response: { 200: Group } } }, async (request) => showGroup(ctx, request.params.name));

  app.post('/groups/:name/remove', { schema: { tags: ['groups'], params: NameParams, body: GroupRemove, response: { 200: Group } } }, async (request) =>
    removeFromGroup(ctx, request.params.name, request.body.hosts),
  );

  app.delete('/groups/:name', { schema: { tags: ['groups'], params: NameParams } }, async (request, reply) => {
    await deleteGroup(ctx, request.params.name);
    return reply.code(204).send();
  });
};
