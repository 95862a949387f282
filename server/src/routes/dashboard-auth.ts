import { BrumeError, routes } from '@brume/protocol';
import type { FastifyRequest } from 'fastify';
import type { DashboardSession, DashboardSessions } from '../dashboard-sessions.ts';

/** The dashboard's session cookie: HttpOnly, SameSite=Strict, a random id the server looks up (dashboard-sessions.ts). */
export const SESSION_COOKIE = 'brume_session';

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * What a technician's dashboard session may change through the API: make and cancel tasks, start and cancel multicast
 * sessions, verify an image. Everything else that changes something (hosts, groups, technicians, deleting an image) is
 * the admin's; reading is open to both except the technicians' accounts.
 */
const TECHNICIAN_WRITES: ReadonlySet<string> = new Set(
  [
    routes.taskCreate,
    routes.taskBatchCreate,
    routes.taskCancel,
    routes.multicastStart,
    routes.multicastCancel,
    routes.imageVerify,
  ].map((route) => `${route.method} ${route.path}`),
);
const ADMIN_ONLY_READS = /^\/techs(\/|$)/;

/**
 * A state-changing request that a cookie authenticates must come from the dashboard's own page: SameSite=Strict keeps
 * other sites' requests from carrying the cookie, and the Origin check refuses the rest (an old browser, a sibling
 * subdomain). Browsers send Origin on every POST, PUT and DELETE, from fetch and forms alike.
 */
export function checkSameOrigin(request: FastifyRequest, publicUrl: string | null): void {
  const origin = request.headers.origin;
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin')
    throw new BrumeError('FORBIDDEN', `a dashboard request from another site (${fetchSite}) is refused`);
  if (origin === undefined)
    throw new BrumeError(
      'FORBIDDEN',
      'a dashboard request that changes something must carry an Origin header (a browser sends one)',
    );
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new BrumeError('FORBIDDEN', `a dashboard request from origin ${origin} is refused`);
  }
  const allowed = [request.headers.host, publicUrl === null ? undefined : new URL(publicUrl).host];
  if (!allowed.includes(originHost))
    throw new BrumeError(
      'FORBIDDEN',
      `a dashboard request from origin ${origin} is refused: only this server's own page may use its session`,
    );
}

/** Throws FORBIDDEN when a technician's session asks for what only the admin does. */
export function checkRole(session: DashboardSession, method: string, route: string): void {
  if (session.role === 'admin') return;
  const allowed = SAFE_METHODS.has(method)
    ? !ADMIN_ONLY_READS.test(route)
    : TECHNICIAN_WRITES.has(`${method} ${route}`);
  if (!allowed)
    throw new BrumeError('FORBIDDEN', `technician ${session.name} cannot ${method} ${route}: that is for the admin`, {
      detail: { role: session.role, method, route },
    });
}

/**
 * The API's edge for the dashboard: a request with the session cookie and no Authorization header is checked here
 * (session alive, same origin for changes, the role allows the route) and then carries the session's server-side
 * bearer, which auth.admin accepts like the admin token. A request with its own Authorization header is left alone.
 */
export function dashboardCookieHook(
  sessions: DashboardSessions,
  apiPrefix: string,
  publicUrl: string | null,
): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (request.headers.authorization !== undefined) return;
    const id = request.cookies[SESSION_COOKIE];
    if (id === undefined) return;
    const session = sessions.find(id);
    if (session === undefined)
      throw new BrumeError('UNAUTHORIZED', 'this dashboard session has ended (logged out or expired): log in again');
    if (!SAFE_METHODS.has(request.method)) checkSameOrigin(request, publicUrl);
    const route = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
    checkRole(session, request.method, route.startsWith(apiPrefix) ? route.slice(apiPrefix.length) : route);
    request.headers.authorization = `Bearer ${session.bearer}`;
  };
}
