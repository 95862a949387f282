import fastifySwagger from '@fastify/swagger';
import { API_PREFIX, BrumeError } from '@brume/protocol';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, ResponseSerializationError, validatorCompiler } from 'fastify-type-provider-zod';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { safeParse, type $ZodType } from 'zod/v4/core';
import serverPackage from '../package.json' with { type: 'json' };
import { createAuth } from './auth.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { DomainContext } from './domain/context.ts';
import { KeyedLock } from './domain/keyed-lock.ts';
import { LoginGuard } from './domain/login-guard.ts';
import { installErrorHandling, sendError } from './http-errors.ts';
import { agentRoutes } from './routes/agent.ts';
import { bootRoutes } from './routes/boot.ts';
import type { RouteDeps } from './routes/deps.ts';
import { MulticastRunner, type Sender } from './multicast/session-runner.ts';
import { groupRoutes } from './routes/groups.ts';
import { multicastAgentRoutes, multicastRoutes } from './routes/multicast.ts';
import { hostRoutes } from './routes/hosts.ts';
import { imageRoutes } from './routes/images.ts';
import { metaRoutes } from './routes/meta.ts';
import { registrationRoutes } from './routes/registration.ts';
import { technicianAgentRoutes } from './routes/technician-agent.ts';
import { technicianRoutes } from './routes/technicians.ts';
import { taskRoutes } from './routes/tasks.ts';
import { uploadRoutes } from './routes/uploads.ts';
import type { ImageStore } from './store/image-store.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  store: ImageStore;
  /** sha256 of the admin token: the token itself is not kept in memory longer than needed. */
  adminTokenHash: Buffer;
  /** fastify's logger option (pino JSON lines); tests pass false. */
  logger?: FastifyServerOptions['logger'];
  now?: () => string;
  /** What sends a multicast session's files: udp-sender (main.ts); absent, a session's files fail and PCs use HTTP. */
  multicastSender?: Sender;
}

const noSender: Sender = async () => {
  throw new BrumeError('TOOL_FAILED', 'this server was started without a multicast sender');
};

export const SERVER_VERSION: string = serverPackage.version;

/**
 * Responses are checked against their protocol schema by parsing, not encoding: the schemas' transforms (MAC
 * normalisation) are one-way, and parsing an already-normal value returns it unchanged.
 */
const parsingSerializer: FastifySerializerCompiler<$ZodType> = ({ schema, method, url }) => (data) => {
  const result = safeParse(schema, data);
  if (!result.success) throw new ResponseSerializationError(method, url, { cause: result.error });
  return JSON.stringify(result.data);
};

/**
 * An empty body labelled JSON (a POST /tasks/:id/cancel from some clients) reads as no body instead of a 400; routes
 * that need a body still refuse it through their schema. Anything else goes to fastify's own (poisoning-safe) parser.
 */
function acceptEmptyJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else parseJson(request, String(body), done);
  });
}

/** The whole HTTP API as a fastify instance, not listening (style.md §17): tests drive it with inject(). */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: 1024 * 1024,
    // A URL fastify cannot route (bad percent-encoding, over-long segment) is bad input like any other.
    frameworkErrors: (error, request, reply) => sendError(error, request, reply),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(parsingSerializer as FastifySerializerCompiler<unknown>);
  installErrorHandling(app);
  acceptEmptyJson(app);

  const ctx: DomainContext = { db: deps.db, store: deps.store, locks: new KeyedLock(), loginGuard: new LoginGuard(), now: deps.now ?? (() => new Date().toISOString()) };
  const multicast = new MulticastRunner({
    db: deps.db, store: deps.store, sender: deps.multicastSender ?? noSender, defaultInterface: deps.config.multicastInterface, now: ctx.now,
    log: (message, detail) => app.log.warn(detail ?? {}, message),
  });
  app.addHook('onReady', async () => multicast.recover());
  app.addHook('onClose', async () => multicast.close());
  const routeDeps: RouteDeps = {
    ctx, auth: createAuth({ adminTokenHash: deps.adminTokenHash, tasks: deps.db.tasks, technicians: deps.db.technicians, now: ctx.now }), config: deps.config, version: SERVER_VERSION, multicast,
  };

  app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Brume', description: 'Network disk imaging: the /api/v1 contract (docs/api.md)', version: SERVER_VERSION },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.register(
    async (api) => {
      for (const routes of [metaRoutes, hostRoutes, groupRoutes, imageRoutes, taskRoutes, agentRoutes, registrationRoutes, technicianRoutes, technicianAgentRoutes, uploadRoutes, multicastRoutes, multicastAgentRoutes]) await api.register(routes, routeDeps);
    },
    { prefix: API_PREFIX },
  );
  // What iPXE fetches lives beside the API, not in it: /boot/menu.ipxe, /boot/vmlinuz, /boot/initrd.zst.
  app.register(bootRoutes, routeDeps);
  return app;
}
