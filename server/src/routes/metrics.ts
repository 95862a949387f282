import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { RouteDeps } from './deps.ts';

/**
 * `GET /metrics`: the Prometheus text format. Beside the API, where scrapers look. With `--metrics-auth admin` (the
 * default) it takes the admin token as a bearer token (Prometheus: `authorization: { credentials_file: … }`); with
 * `none` it is open to whoever reaches the server.
 */
export const metricsRoutes: FastifyPluginAsync<RouteDeps & { registry: Registry }> = async (app, { auth, config, registry }) => {
  app.get('/metrics', { logLevel: 'warn', schema: { hide: true } }, async (request, reply) => {
    if (config.metricsAuth === 'admin') await auth.admin(request.headers.authorization);
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
};
