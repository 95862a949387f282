import { PinCreate, PinCreated, TechCreate, Technician, TechList, TechName } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addTechnician, createPin, deleteTechnician, listTechnicians } from '../domain/technicians.ts';
import type { RouteDeps } from './deps.ts';

const NameParams = z.object({ name: TechName });

/** Admin: the technicians' accounts, and PINs for a day's work in a room (`brume tech …`). */
export const technicianRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth }) => {
  app.addHook('onRequest', async (request) => auth.admin(request.headers.authorization));

  app.get('/techs', { schema: { tags: ['technicians'], response: { 200: TechList } } }, async () => listTechnicians(ctx));

  app.post('/techs', { schema: { tags: ['technicians'], body: TechCreate, response: { 201: Technician } } }, async (request, reply) =>
    reply.code(201).send(await addTechnician(ctx, request.body)),
  );

  app.delete('/techs/:name', { schema: { tags: ['technicians'], params: NameParams } }, async (request, reply) => {
    await deleteTechnician(ctx, request.params.name);
    return reply.code(204).send();
  });

  app.post('/techs/pins', { schema: { tags: ['technicians'], body: PinCreate, response: { 201: PinCreated } } }, async (request, reply) =>
    reply.code(201).send(await createPin(ctx, request.body)),
  );
};
