import { ServerHealth } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteDeps } from './deps.ts';

/** Unauthenticated: a liveness answer, and the API described from the same schemas the routes validate with. */
export const metaRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { version }) => {
  app.get('/health', { schema: { tags: ['meta'], response: { 200: ServerHealth } } }, async () => ({ ok: true as const, version }));
  app.get('/openapi.json', { schema: { tags: ['meta'] } }, async () => app.swagger());
};
