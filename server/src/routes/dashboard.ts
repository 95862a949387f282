import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { BrumeError, routes, type DashboardWho } from '@brume/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DashboardSession, DashboardSessions } from '../dashboard-sessions.ts';
import type { TaskFeed } from '../domain/task-feed.ts';
import { checkTechnicianPassword } from '../domain/technicians.ts';
import { checkSameOrigin, SESSION_COOKIE } from './dashboard-auth.ts';
import { streamTaskFeed } from './dashboard-events.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

export interface DashboardDeps extends RouteDeps {
  sessions: DashboardSessions;
  feed: TaskFeed;
  /** The live stream's heartbeat (15 s; tests may shorten it). */
  heartbeatMs?: number;
}

/** The page's own files: plain HTML, CSS and ES modules, served as they are (no build step). */
const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
export const DASHBOARD_PREFIX = '/dashboard';

/** The page may only be framed, scripted and fed by this server. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const who = (session: DashboardSession): DashboardWho => ({
  role: session.role,
  name: session.name,
  expiresAt: new Date(session.expiresAtMs).toISOString(),
});

/**
 * The web dashboard, served by the server itself: its files under /dashboard/, login and logout (a session cookie),
 * and the live task stream. Its JSON calls go to the ordinary API routes, authenticated by the cookie
 * (dashboard-auth.ts).
 */
export const dashboardRoutes: FastifyPluginAsyncZod<DashboardDeps> = async (
  app,
  { ctx, auth, guards, config, sessions, feed, heartbeatMs = 15_000 },
) => {
  const route = routeDefiner(app, guards);
  const setSessionCookie = (request: FastifyRequest, reply: FastifyReply, id: string, maxAgeSeconds: number): void => {
    const secure = request.protocol === 'https' || config.publicUrl?.startsWith('https:') === true;
    reply.setCookie(SESSION_COOKIE, id, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure,
      maxAge: maxAgeSeconds,
    });
  };

  await app.register(fastifyStatic, {
    root: WEB_ROOT,
    prefix: `${DASHBOARD_PREFIX}/`,
    decorateReply: false,
    cacheControl: false,
    setHeaders: (reply) => {
      reply.header('cache-control', 'no-cache');
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('x-content-type-options', 'nosniff');
    },
  });
  // `/` stays an API-style 404 (http-errors.test.ts): the dashboard lives under its own prefix.
  app.get(DASHBOARD_PREFIX, { schema: { hide: true } }, async (_request, reply) =>
    reply.redirect(`${DASHBOARD_PREFIX}/`),
  );
  // The server's address typed in a browser is where a technician starts.
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect(`${DASHBOARD_PREFIX}/`));

  route(routes.dashboardLogin, {}, async (request, reply) => {
    checkSameOrigin(request, config.publicUrl);
    const body = request.body;
    let opened;
    if ('token' in body) {
      const nowMs = Date.parse(ctx.now());
      ctx.loginGuard.check(nowMs);
      if (!auth.isAdminToken(body.token)) {
        ctx.loginGuard.failed(nowMs);
        request.log.warn({ how: 'admin-token' }, 'dashboard login refused');
        throw new BrumeError('UNAUTHORIZED', 'this is not the admin token');
      }
      opened = sessions.open('admin', 'admin');
    } else {
      const name = await checkTechnicianPassword(ctx, body.name, body.password).catch((error: unknown) => {
        request.log.warn({ how: 'account' }, 'dashboard login refused');
        throw error;
      });
      opened = sessions.open('technician', name);
    }
    // A new login replaces the session this browser held: the old id is never valid again.
    const previous = request.cookies[SESSION_COOKIE];
    if (previous !== undefined) sessions.close(previous);
    request.log.info({ role: opened.session.role, name: opened.session.name }, 'dashboard login');
    setSessionCookie(
      request,
      reply,
      opened.id,
      Math.floor((opened.session.expiresAtMs - Date.parse(ctx.now())) / 1000),
    );
    return who(opened.session);
  });

  route(routes.dashboardLogout, {}, async (request, reply) => {
    checkSameOrigin(request, config.publicUrl);
    const id = request.cookies[SESSION_COOKIE];
    if (id !== undefined) sessions.close(id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  route(routes.dashboardSession, {}, async (_request, _reply, caller) => who(caller.session));

  const streams = new Set<() => void>();
  route(routes.dashboardEvents, {}, async (_request, reply, caller) => {
    streamTaskFeed(reply, { feed, sessions, sessionId: caller.id, heartbeatMs, open: streams });
  });
  // A live stream never ends by itself: the server ends them so that closing it does not wait on open screens.
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });
};
