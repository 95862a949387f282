import { routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  cancelSession,
  joinForAgent,
  joinFromPc,
  listSessions,
  showSession,
  startMulticast,
} from '../domain/multicast.ts';
import { serverUrl } from '../server-url.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/** Admin: multicast sessions (a room deployed at once). */
export const multicastRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards, config, multicast }) => {
  const route = routeDefiner(app, guards);
  route(routes.multicastStart, {}, async (request, reply) =>
    reply.code(201).send(await startMulticast(ctx, multicast, request.body, serverUrl(config, request.headers.host))),
  );
  route(routes.multicastList, {}, async () => listSessions(ctx));
  route(routes.multicastShow, {}, async (request) => showSession(ctx, request.params.id));
  route(routes.multicastCancel, {}, async (request) => cancelSession(ctx, multicast, request.params.id));
};

/**
 * A session's PC asks, with its deploy task's token, what it needs to receive. At a PC's menu, a technician lists the
 * sessions under way and joins this PC to one.
 */
export const multicastAgentRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards, config }) => {
  const route = routeDefiner(app, guards);
  route(routes.pcMulticastList, {}, async () => listSessions(ctx, 'active'));
  route(routes.pcMulticastJoin, {}, async (request, reply, who) => {
    const created = await joinFromPc(
      ctx,
      request.params.id,
      request.body.macs,
      serverUrl(config, request.headers.host),
    );
    request.log.info(
      { technician: who, session: request.params.id, host: created.task.hostName, task: created.task.id },
      'a PC joins a multicast session',
    );
    return reply.code(201).send(created);
  });
  route(routes.agentMulticastJoin, {}, async (_request, _reply, task) => joinForAgent(ctx, task));
};
