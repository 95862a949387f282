import { AgentCare, AgentDeploy, BrumeError, ImageList, TaskCreate, TaskCreated, TaskParams, TechLogin, TechSession, type TaskKind } from '@brume/protocol';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listImages } from '../domain/images.ts';
import { lookupHost } from '../domain/registration.ts';
import { createTask } from '../domain/tasks.ts';
import { techLogin } from '../domain/technicians.ts';
import { serverUrl } from '../server-url.ts';
import type { RouteDeps } from './deps.ts';

/** What a technician at a PC asks for: a task of this kind, for the host owning one of these MACs. */
interface PcTaskRequest {
  macs: string[];
  kind: TaskKind;
  image?: string;
  params: Record<string, unknown>;
}

/**
 * What a technician does at a PC, in the ramdisk's menu: log in (a PIN or an account), see the images, deploy one to
 * this PC, or start a disk-care task on it. Every disk-changing request carries the technician's session token, never
 * the admin token.
 */
export const technicianAgentRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth, config }) => {
  app.post('/agent/tech-login', { schema: { tags: ['agent'], security: [], body: TechLogin, response: { 200: TechSession } } }, async (request) => {
    const session = await techLogin(ctx, request.body).catch((error: unknown) => {
      request.log.warn({ how: 'pin' in request.body ? 'pin' : 'account' }, 'technician login refused');
      throw error;
    });
    request.log.info({ technician: session.technician }, 'technician login');
    return session;
  });

  const technician = async (authorization: string | undefined): Promise<string> => auth.technician(authorization);

  /** The same checks for every task made at a PC: a technician's session, a registered PC, the task's own rules. */
  const taskForThisPc = async (request: FastifyRequest, wanted: PcTaskRequest): Promise<TaskCreated> => {
    const who = await technician(request.headers.authorization);
    const { host } = await lookupHost(ctx, wanted.macs);
    if (host === null) throw new BrumeError('HOST_NOT_FOUND', 'this PC is not registered: register it first (quick or full registration)', { detail: { macs: wanted.macs } });
    const input = TaskCreate.parse({ kind: wanted.kind, host: host.name, image: wanted.image, debug: false, params: wanted.params });
    const created = await createTask(ctx, input, serverUrl(config, request.headers.host));
    request.log.info({ technician: who, host: host.name, kind: wanted.kind, image: wanted.image, task: created.task.id }, `${wanted.kind} from the PC`);
    return created;
  };

  app.get('/agent/images', { schema: { tags: ['agent'], response: { 200: ImageList } } }, async (request) => {
    await technician(request.headers.authorization);
    return listImages(ctx);
  });

  app.post('/agent/deploy', { schema: { tags: ['agent'], body: AgentDeploy, response: { 201: TaskCreated } } }, async (request, reply) =>
    reply.code(201).send(await taskForThisPc(request, { macs: request.body.macs, kind: 'deploy', image: request.body.image, params: {} })),
  );

  /** Wipe, surface test, virus scan or recovery of this PC's disk; the settings are checked as `POST /tasks` checks them. */
  app.post('/agent/care', { schema: { tags: ['agent'], body: AgentCare, response: { 201: TaskCreated } } }, async (request, reply) => {
    const { kind, params, macs } = request.body;
    await technician(request.headers.authorization);
    const checked = TaskParams[kind].safeParse(params);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new BrumeError('BAD_REQUEST', `a ${kind} task: ${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid settings'}`, { detail: checked.error.issues });
    }
    return reply.code(201).send(await taskForThisPc(request, { macs, kind, params }));
  });
};
