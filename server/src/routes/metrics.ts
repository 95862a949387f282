import { routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/**
 * `GET /metrics`: the Prometheus text format. Beside the API, where scrapers look. With `--metrics-auth admin` (the
 * default) it takes the admin token as a bearer token (Prometheus: `authorization: { credentials_file: … }`); with
 * `none` it is open to whoever reaches the server.
 */
export const metricsRoutes: FastifyPluginAsyncZod<RouteDeps & { registry: Registry }> = async (
  app,
  { guards, registry },
) => {
  routeDefiner(app, guards)(routes.metrics, { logLevel: 'warn' }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
};
