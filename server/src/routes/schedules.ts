import { Id, Schedule, ScheduleCreate, ScheduleDetail, ScheduleList, WakeReport, WakeRequest } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createSchedule, deleteSchedule, listSchedules, pauseSchedule, resumeSchedule, showSchedule, wakeNow } from '../schedules/manage.ts';
import type { RouteDeps } from './deps.ts';

const IdParams = z.object({ id: Id });

/** Admin: schedules (a group's task at a time, or on a cron pattern) and Wake-on-LAN on demand. */
export const scheduleRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth, schedules }) => {
  app.addHook('onRequest', async (request) => auth.admin(request.headers.authorization));

  app.post('/schedules', { schema: { tags: ['schedules'], body: ScheduleCreate, response: { 201: Schedule } } }, async (request, reply) =>
    reply.code(201).send(await createSchedule(ctx, schedules, request.body)),
  );

  app.get('/schedules', { schema: { tags: ['schedules'], response: { 200: ScheduleList } } }, async () => listSchedules(ctx));

  app.get('/schedules/:id', { schema: { tags: ['schedules'], params: IdParams, response: { 200: ScheduleDetail } } }, async (request) =>
    showSchedule(ctx, request.params.id),
  );

  app.post('/schedules/:id/pause', { schema: { tags: ['schedules'], params: IdParams, response: { 200: Schedule } } }, async (request) =>
    pauseSchedule(ctx, schedules, request.params.id),
  );

  app.post('/schedules/:id/resume', { schema: { tags: ['schedules'], params: IdParams, response: { 200: Schedule } } }, async (request) =>
    resumeSchedule(ctx, schedules, request.params.id),
  );

  app.delete('/schedules/:id', { schema: { tags: ['schedules'], params: IdParams } }, async (request, reply) => {
    await deleteSchedule(ctx, schedules, request.params.id);
    return reply.code(204).send();
  });

  app.post('/wake', { schema: { tags: ['schedules'], body: WakeRequest, response: { 200: WakeReport } } }, async (request) => wakeNow(ctx, schedules, request.body));
};
