import { Id, MulticastJoin, MulticastList, MulticastPcJoin, MulticastSession, MulticastStart, MulticastStarted, TaskCreated } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cancelSession, joinForAgent, joinFromPc, listSessions, showSession, startMulticast } from '../domain/multicast.ts';
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

/**
 * A session's PC asks, with its deploy task's token, what it needs to receive. At a PC's menu, a technician lists the
 * sessions under way and joins this PC to one.
 */
export const multicastAgentRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth, config }) => {
  app.get('/agent/multicast', { schema: { tags: ['agent'], response: { 200: MulticastList } } }, async (request) => {
    await auth.technician(request.headers.authorization);
    return listSessions(ctx, 'active');
  });
  app.post('/agent/multicast/:id/join', { schema: { tags: ['agent'], params: IdParams, body: MulticastPcJoin, response: { 201: TaskCreated } } }, async (request, reply) => {
    const who = await auth.technician(request.headers.authorization);
    const created = await joinFromPc(ctx, request.params.id, request.body.macs, serverUrl(config, request.headers.host));
    request.log.info({ technician: who, session: request.params.id, host: created.task.hostName, task: created.task.id }, 'a PC joins a multicast session');
    return reply.code(201).send(created);
  });

  const active = taskGuard(auth, 'id');
  app.get('/agent/tasks/:id/multicast', { onRequest: active.onRequest, schema: { tags: ['agent'], params: IdParams, response: { 200: MulticastJoin } } }, async (request) =>
    joinForAgent(ctx, active.taskOf(request)),
  );
};
