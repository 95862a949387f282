import { BrumeError, type RouteAuth } from '@brume/protocol';
import type { FastifyRequest } from 'fastify';
import type { Auth, TaskAccess } from '../auth.ts';
import type { Config } from '../config.ts';
import type { DashboardSession, DashboardSessions } from '../dashboard-sessions.ts';
import type { TaskCredentials } from '../db/tasks.ts';
import { SESSION_COOKIE } from './dashboard-auth.ts';
import { taskIdOf } from './task-guard.ts';

/** A logged-in dashboard: its cookie's session id and the session. */
export interface DashboardCaller {
  id: string;
  session: DashboardSession;
}

/** What each kind of auth learns about the caller, handed to the route's handler. */
export interface Callers {
  none: undefined;
  task: TaskCredentials;
  admin: void;
  'image-reader': void;
  technician: string;
  'dashboard-session': DashboardCaller;
  metrics: void;
}

/** The check one kind of auth makes, run in onRequest: before the body is read, so a stranger's body is never parsed. */
export type Guard<A extends RouteAuth> = (
  request: FastifyRequest,
  access: TaskAccess | undefined,
) => Promise<Callers[A]>;
export type RouteGuards = { readonly [A in RouteAuth]: Guard<A> };

const rawParam = (request: FastifyRequest, name: string): string | undefined => {
  const value = (request.params as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
};

/** One guard per kind of auth the route table names; a new kind without its guard does not compile. */
export function routeGuards(deps: { auth: Auth; config: Config; sessions: DashboardSessions }): RouteGuards {
  const { auth, config, sessions } = deps;
  return {
    none: async () => undefined,
    task: async (request, access) => auth.task(request.headers.authorization, taskIdOf(request), access),
    admin: async (request) => auth.admin(request.headers.authorization),
    'image-reader': async (request) => auth.imageReader(request.headers.authorization, rawParam(request, 'name') ?? ''),
    technician: async (request) => auth.technician(request.headers.authorization),
    'dashboard-session': async (request) => {
      const id = request.cookies[SESSION_COOKIE];
      const session = sessions.find(id);
      if (id === undefined || session === undefined)
        throw new BrumeError('UNAUTHORIZED', 'not logged in to the dashboard (or the session has ended): log in');
      return { id, session };
    },
    metrics: async (request) => {
      if (config.metricsAuth === 'admin') await auth.admin(request.headers.authorization);
    },
  };
}
