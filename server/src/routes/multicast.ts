import { Id, MulticastJoin, MulticastList, MulticastSession, MulticastStart, MulticastStarted } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cancelSession, joinForAgent, listSessions, showSession, startMulticast } from '../domain/multicast.ts';
import { serverUrl } from '../server-url.ts';
import type { RouteDeps } from './deps.ts';
import { taskGuard } from './task-guard.ts';

const IdParams = z.object({ id: Id });

/** Admin: multicast sessions (a room deployed at once). */
export const multicastRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth, config, multicast }) => {
  app.addHook('onRequest', async (request) => auth.admin(request.headers.authorization));

  app.post('/multicast', { schema: { tags: ['multicast'], body: MulticastStart, response: { 201: MulticastStarted } } }, async (request, reply) =>
    reply.code(201).send(await startMulticast(ctx, multicast, request.body, serverUrl(config, request.headers.host))),
  );
  app.get('/multicast', { schema: { tags: ['multicast'], response: { 200: MulticastList } } }, async () => listSessions(ctx));
  app.get('/multicast/:id', { schema: { tags: ['multicast'], params: IdParams, response: { 200: MulticastSession } } }, async (request) => showSession(ctx, request.params.id));
  app.post('/multicast/:id/cancel', { schema: { tags: ['multicast'], params: IdParams, response: { 200: MulticastSession } } }, async (request) =>
    cancelSession(ctx, multicast, request.params.id),
  );
};

/** A session's PC asks, with its deploy task's token, what it needs to receive. */
export const multicastAgentRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth }) => {
  const active = taskGuard(auth, 'id');
  app.get('/agent/tasks/:id/multicast', { onRequest: active.onRequest, schema: { tags: ['agent'], params: IdParams, response: { 200: MulticastJoin } } }, async (request) =>
    joinForAgent(ctx, active.taskOf(request)),
  );
};
