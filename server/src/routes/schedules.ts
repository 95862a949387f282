import { routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createSchedule,
  deleteSchedule,
  listSchedules,
  pauseSchedule,
  resumeSchedule,
  showSchedule,
  wakeNow,
} from '../schedules/manage.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/** Admin: schedules (a group's task at a time, or on a cron pattern) and Wake-on-LAN on demand. */
export const scheduleRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards, schedules }) => {
  const route = routeDefiner(app, guards);
  route(routes.scheduleCreate, {}, async (request, reply) =>
    reply.code(201).send(await createSchedule(ctx, schedules, request.body)),
  );
  route(routes.scheduleList, {}, async () => listSchedules(ctx));
  route(routes.scheduleShow, {}, async (request) => showSchedule(ctx, request.params.id));
  route(routes.schedulePause, {}, async (request) => pauseSchedule(ctx, schedules, request.params.id));
  route(routes.scheduleResume, {}, async (request) => resumeSchedule(ctx, schedules, request.params.id));
  route(routes.scheduleDelete, {}, async (request, reply) => {
    await deleteSchedule(ctx, schedules, request.params.id);
    return reply.code(204).send();
  });
  route(routes.wake, {}, async (request) => wakeNow(ctx, schedules, request.body));
};
