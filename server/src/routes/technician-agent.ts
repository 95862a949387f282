import { BrumeError, routes, TaskCreate, TaskParams, type TaskCreated, type TaskKind } from '@brume/protocol';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listImages } from '../domain/images.ts';
import { lookupHost } from '../domain/registration.ts';
import { createTask } from '../domain/tasks.ts';
import { techLogin } from '../domain/technicians.ts';
import { serverUrl } from '../server-url.ts';
import { routeDefiner } from './define-route.ts';
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
export const technicianAgentRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards, config }) => {
  const route = routeDefiner(app, guards);
  route(routes.techLogin, {}, async (request) => {
    const session = await techLogin(ctx, request.body).catch((error: unknown) => {
      request.log.warn({ how: 'pin' in request.body ? 'pin' : 'account' }, 'technician login refused');
      throw error;
    });
    request.log.info({ technician: session.technician }, 'technician login');
    return session;
  });

  /** The same checks for every task made at a PC: a registered PC, the task's own rules (the session is the guard's). */
  const taskForThisPc = async (request: FastifyRequest, who: string, wanted: PcTaskRequest): Promise<TaskCreated> => {
    const { host } = await lookupHost(ctx, wanted.macs);
    if (host === null)
      throw new BrumeError(
        'HOST_NOT_FOUND',
        'this PC is not registered: register it first (quick or full registration)',
        { detail: { macs: wanted.macs } },
      );
    const input = TaskCreate.parse({
      kind: wanted.kind,
      host: host.name,
      image: wanted.image,
      debug: false,
      params: wanted.params,
    });
    const created = await createTask(ctx, input, serverUrl(config, request.headers.host));
    request.log.info(
      { technician: who, host: host.name, kind: wanted.kind, image: wanted.image, task: created.task.id },
      `${wanted.kind} from the PC`,
    );
    return created;
  };

  route(routes.pcImages, {}, async () => listImages(ctx));

  route(routes.pcDeploy, {}, async (request, reply, who) =>
    reply
      .code(201)
      .send(
        await taskForThisPc(request, who, {
          macs: request.body.macs,
          kind: 'deploy',
          image: request.body.image,
          params: {},
        }),
      ),
  );

  /** Wipe, surface test, virus scan or recovery of this PC's disk; the settings are checked as `POST /tasks` checks them. */
  route(routes.pcCare, {}, async (request, reply, who) => {
    const { kind, params, macs } = request.body;
    const checked = TaskParams[kind].safeParse(params);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new BrumeError(
        'BAD_REQUEST',
        `a ${kind} task: ${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid settings'}`,
        { detail: checked.error.issues },
      );
    }
    return reply.code(201).send(await taskForThisPc(request, who, { macs, kind, params }));
  });
};
