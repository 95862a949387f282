import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import { API_PREFIX, BrumeError } from '@brume/protocol';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, ResponseSerializationError, validatorCompiler } from 'fastify-type-provider-zod';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { safeParse, type $ZodType } from 'zod/v4/core';
import serverPackage from '../package.json' with { type: 'json' };
import { createAuth } from './auth.ts';
import type { Config } from './config.ts';
import { DashboardSessions } from './dashboard-sessions.ts';
import type { Database } from './db/database.ts';
import type { DomainContext } from './domain/context.ts';
import { KeyedLock } from './domain/keyed-lock.ts';
import { LoginGuard } from './domain/login-guard.ts';
import { TaskFeed } from './domain/task-feed.ts';
import { UploadsInFlight } from './domain/uploads-in-flight.ts';
import { housekeeping, timerTicker, type Ticker } from './housekeeping.ts';
import { checkHost, allowedHostNames } from './host-check.ts';
import { installErrorHandling, sendError } from './http-errors.ts';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from './json-depth.ts';
import { serverTimeoutOptions } from './network-timeouts.ts';
import { serverMetrics } from './metrics/server-metrics.ts';
import { agentRoutes } from './routes/agent.ts';
import { bootRoutes } from './routes/boot.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { dashboardCookieHook } from './routes/dashboard-auth.ts';
import type { RouteDeps } from './routes/deps.ts';
import { routeGuards } from './routes/route-guards.ts';
import { MulticastRunner, type Sender } from './multicast/session-runner.ts';
import { groupRoutes } from './routes/groups.ts';
import { multicastAgentRoutes, multicastRoutes } from './routes/multicast.ts';
import { hostRoutes } from './routes/hosts.ts';
import { imageRoutes } from './routes/images.ts';
import { metaRoutes } from './routes/meta.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { registrationRoutes } from './routes/registration.ts';
import { signatureRoutes } from './routes/signatures.ts';
import { technicianAgentRoutes } from './routes/technician-agent.ts';
import { technicianRoutes } from './routes/technicians.ts';
import { taskRoutes } from './routes/tasks.ts';
import { taskKindRoutes } from './routes/task-kinds.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { recoveredRoutes } from './routes/recovered.ts';
import { scheduleRoutes } from './routes/schedules.ts';
import type { Clock } from './schedules/clock.ts';
import { scheduleService } from './schedules/service.ts';
import type { PacketSender } from './schedules/wake-on-lan.ts';
import type { ImageStore } from './store/image-store.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  store: ImageStore;
  /** sha256 of the admin token: the token itself is not kept in memory longer than needed. */
  adminTokenHash: Buffer;
  /** The secret PINs are stored under (DATA/pin.secret); absent (tests), a new one each start. */
  pinSecret?: Buffer;
  /** fastify's logger option (pino JSON lines); tests pass false. */
  logger?: FastifyServerOptions['logger'];
  now?: () => string;
  /** What sends a multicast session's files: udp-sender (main.ts); absent, a session's files fail and PCs use HTTP. */
  multicastSender?: Sender;
  /** The schedules' clock (schedules/clock.ts); tests pass a fake one they move by hand. */
  scheduleClock?: Clock;
  /** What sends Wake-on-LAN packets (a UDP broadcast socket unless given). */
  wakeSender?: PacketSender;
  /** Node's process metrics on /metrics (process-wide monitors: the real server only). */
  processMetrics?: boolean;
  /** What drives retention and the silent-agent timeout (housekeeping.ts); tests pass one they tick by hand. */
  ticker?: Ticker;
}

const noSender: Sender = async () => {
  throw new BrumeError('TOOL_FAILED', 'this server was started without a multicast sender');
};

export const SERVER_VERSION: string = serverPackage.version;

/**
 * Responses are checked against their protocol schema by parsing, not encoding: the schemas' transforms (MAC
 * normalisation) are one-way, and parsing an already-normal value returns it unchanged.
 */
const parsingSerializer: FastifySerializerCompiler<$ZodType> =
  ({ schema, method, url }) =>
  (data) => {
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
    else if (jsonNestsDeeperThan(String(body), MAX_JSON_DEPTH))
      done(new BrumeError('BAD_REQUEST', `this JSON body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    else parseJson(request, String(body), done);
  });
}

/** The whole HTTP API as a fastify instance, not listening, so tests drive it with inject() and no port is taken. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: 1024 * 1024,
    ...serverTimeoutOptions(deps.config.timeouts),
    // A URL fastify cannot route (bad percent-encoding, over-long segment) is bad input like any other.
    frameworkErrors: (error, request, reply) => sendError(error, request, reply),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(parsingSerializer as FastifySerializerCompiler<unknown>);
  installErrorHandling(app);
  acceptEmptyJson(app);
  const hostNames = allowedHostNames(deps.config);
  app.addHook('onRequest', async (request) => checkHost(request.headers.host, hostNames));
  // No answer of this server is to be sniffed into something else (an uploaded file rendered as HTML).
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });

  const feed = new TaskFeed((error) => app.log.error({ err: error }, 'a task feed listener failed'));
  const now = deps.now ?? ((): string => new Date().toISOString());
  const dashboardSessions = new DashboardSessions(() => Date.parse(now()));
  const ctx: DomainContext = {
    db: deps.db,
    store: deps.store,
    locks: new KeyedLock(),
    uploads: new UploadsInFlight(),
    loginGuard: new LoginGuard(),
    pinSecret: deps.pinSecret ?? randomBytes(32),
    now,
    feed,
    // A deleted account's dashboard sessions end with its PC sessions.
    onTechnicianGone: (name) => dashboardSessions.closeTechnician(name),
  };
  const multicast = new MulticastRunner({
    db: deps.db,
    store: deps.store,
    sender: deps.multicastSender ?? noSender,
    defaultInterface: deps.config.multicastInterface,
    now: ctx.now,
    log: (message, detail) => app.log.warn(detail ?? {}, message),
  });
  app.addHook('onReady', async () => multicast.recover());
  app.addHook('onClose', async () => multicast.close());
  const schedules = scheduleService({
    ctx,
    config: deps.config,
    clock: deps.scheduleClock,
    sendPacket: deps.wakeSender,
    log: app.log,
  });
  app.addHook('onReady', async () => schedules.scheduler.start());
  app.addHook('onClose', async () => schedules.scheduler.close());
  const metrics = serverMetrics({
    db: deps.db,
    dataDir: deps.config.dataDir,
    version: SERVER_VERSION,
    now: ctx.now,
    processMetrics: deps.processMetrics ?? false,
  });
  const chores = housekeeping({
    ctx,
    config: deps.config,
    meters: metrics.meters,
    log: app.log,
    ticker: deps.ticker ?? timerTicker,
  });
  app.addHook('onReady', async () => chores.start());
  app.addHook('onClose', async () => chores.stop());
  const auth = createAuth({
    adminTokenHash: deps.adminTokenHash,
    tasks: deps.db.tasks,
    technicians: deps.db.technicians,
    now: ctx.now,
    dashboard: dashboardSessions,
  });
  const routeDeps: RouteDeps = {
    ctx,
    auth,
    guards: routeGuards({ auth, config: deps.config, sessions: dashboardSessions }),
    config: deps.config,
    version: SERVER_VERSION,
    multicast,
    meters: metrics.meters,
    schedules,
  };

  app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Brume',
        description: 'Network disk imaging: the /api/v1 contract (docs/api.md)',
        version: SERVER_VERSION,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.register(fastifyCookie);
  app.register(
    async (api) => {
      // The web dashboard's session cookie, checked and turned into its bearer before any route's own auth runs.
      api.addHook(
        'onRequest',
        dashboardCookieHook(
          dashboardSessions,
          API_PREFIX,
          deps.config.publicUrl,
          async (name) => (await deps.db.technicians.byName(name)) !== undefined,
        ),
      );
      for (const routes of [
        metaRoutes,
        hostRoutes,
        groupRoutes,
        imageRoutes,
        taskRoutes,
        agentRoutes,
        registrationRoutes,
        technicianRoutes,
        technicianAgentRoutes,
        uploadRoutes,
        multicastRoutes,
        multicastAgentRoutes,
        signatureRoutes,
        scheduleRoutes,
        recoveredRoutes,
        taskKindRoutes,
      ])
        await api.register(routes, routeDeps);
    },
    { prefix: API_PREFIX },
  );
  // What iPXE fetches lives beside the API, not in it: /boot/menu.ipxe, /boot/vmlinuz, /boot/initrd.zst.
  app.register(bootRoutes, routeDeps);
  // Prometheus scrapes /metrics beside the API (routes/metrics.ts says who may).
  app.register(metricsRoutes, { ...routeDeps, registry: metrics.registry });
  // The web dashboard: its page at /dashboard/, its login, its live task stream.
  app.register(dashboardRoutes, { ...routeDeps, sessions: dashboardSessions, feed });
  return app;
}
