import { AgentDeploy, BrumeError, ImageList, TaskCreated, TechLogin, TechSession } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listImages } from '../domain/images.ts';
import { lookupHost } from '../domain/registration.ts';
import { createTask } from '../domain/tasks.ts';
import { techLogin } from '../domain/technicians.ts';
import { serverUrl } from '../server-url.ts';
import type { RouteDeps } from './deps.ts';

/**
 * What a technician does at a PC, in the ramdisk's menu: log in (a PIN or an account), see the images, deploy one to
 * this PC. Every disk-changing request carries the technician's session token, never the admin token.
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

  app.get('/agent/images', { schema: { tags: ['agent'], response: { 200: ImageList } } }, async (request) => {
    await technician(request.headers.authorization);
    return listImages(ctx);
  });

  app.post('/agent/deploy', { schema: { tags: ['agent'], body: AgentDeploy, response: { 201: TaskCreated } } }, async (request, reply) => {
    const who = await technician(request.headers.authorization);
    const { host } = await lookupHost(ctx, request.body.macs);
    if (host === null) throw new BrumeError('HOST_NOT_FOUND', 'this PC is not registered: register it first (quick or full registration)', { detail: { macs: request.body.macs } });
    const created = await createTask(ctx, { kind: 'deploy', host: host.name, image: request.body.image, debug: false, params: {} }, serverUrl(config, request.headers.host));
    request.log.info({ technician: who, host: host.name, image: request.body.image, task: created.task.id }, 'deploy from the PC');
    return reply.code(201).send(created);
  });
};
