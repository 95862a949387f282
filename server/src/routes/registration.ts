import { routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { lookupHost, registerHost } from '../domain/registration.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/** An inventory of a PC with many disks and NICs stays far below this. */
const INVENTORY_LIMIT = 256 * 1024;

/**
 * What a PC in the ramdisk's menu may do before anyone vouches for it, as in FOG: ask whether it is known, and register
 * itself (quick registration). Neither needs a token; neither can change a disk or see a task, an image or a token.
 */
export const registrationRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards, config }) => {
  const route = routeDefiner(app, guards);
  route(routes.agentLookup, {}, async (request) => lookupHost(ctx, request.body.macs));

  route(routes.agentRegister, { bodyLimit: INVENTORY_LIMIT }, async (request, reply) => {
    const registered = await registerHost(ctx, request.body.inventory, {
      pattern: config.hostNamePattern,
      name: request.body.name,
      group: request.body.group,
      image: request.body.image,
    });
    request.log.info(
      { host: registered.host.name, created: registered.created, macs: registered.host.macs },
      'quick registration',
    );
    return reply.code(registered.created ? 201 : 200).send(registered);
  });
};
