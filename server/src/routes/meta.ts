import { routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/** Unauthenticated: a liveness answer, and the API described from the same schemas the routes validate with. */
export const metaRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { guards, version }) => {
  const route = routeDefiner(app, guards);
  route(routes.health, {}, async () => ({ ok: true as const, version }));
  route(
    routes.openApi,
    {},
    async () => app.swagger() as unknown as { openapi: string; paths: Record<string, unknown> },
  );
};
