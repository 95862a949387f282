import { Host, HostCreate, HostDetail, HostList, HostName } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createHost, deleteHost, listHosts } from '../domain/hosts.ts';
import { hostDetail } from '../domain/registration.ts';
import type { RouteDeps } from './deps.ts';

const NameParams = z.object({ name: HostName });

/** Admin: the PCs Brume knows, by name and MAC addresses. */
export const hostRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth }) => {
  app.addHook('onRequest', async (request) => auth.admin(request.headers.authorization));

  app.get('/hosts', { schema: { tags: ['hosts'], response: { 200: HostList } } }, async () => listHosts(ctx));

  app.post('/hosts', { schema: { tags: ['hosts'], body: HostCreate, response: { 201: Host } } }, async (request, reply) =>
    reply.code(201).send(await createHost(ctx, request.body)),
  );

  app.get('/hosts/:name', { schema: { tags: ['hosts'], params: NameParams, response: { 200: HostDetail } } }, async (request) => hostDetail(ctx, request.params.name));

  app.delete('/hosts/:name', { schema: { tags: ['hosts'], params: NameParams } }, async (request, reply) => {
    await deleteHost(ctx, request.params.name);
    return reply.code(204).send();
  });
};
