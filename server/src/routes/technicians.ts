import { routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { addTechnician, createPin, deleteTechnician, listTechnicians, revokePins } from '../domain/technicians.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/** Admin: the technicians' accounts, and PINs for a day's work in a room (`brume tech …`). */
export const technicianRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards }) => {
  const route = routeDefiner(app, guards);
  route(routes.techList, {}, async () => listTechnicians(ctx));
  route(routes.techAdd, {}, async (request, reply) => reply.code(201).send(await addTechnician(ctx, request.body)));
  route(routes.techDelete, {}, async (request, reply) => {
    await deleteTechnician(ctx, request.params.name);
    return reply.code(204).send();
  });
  route(routes.pinCreate, {}, async (request, reply) => reply.code(201).send(await createPin(ctx, request.body)));
  route(routes.pinRevoke, {}, async (request) => {
    const revoked = await revokePins(ctx, request.body);
    request.log.info({ all: 'all' in request.body, ...revoked }, 'technician PIN revoked');
    return revoked;
  });
};
