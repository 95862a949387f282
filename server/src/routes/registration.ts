import { BrumeError, routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { bearerToken, isActive, tokenDigest, type Auth } from '../auth.ts';
import type { DomainContext } from '../domain/context.ts';
import { RegistrationBurst } from '../domain/registration-burst.ts';
import { ANONYMOUS, lookupHost, registerHost, type RegistrationCaller } from '../domain/registration.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/** An inventory of a PC with many disks and NICs stays far below this. */
const INVENTORY_LIMIT = 256 * 1024;

/**
 * Who vouches for a registration: none without a token; a technician's session or the admin token; or an active
 * task's token (its host). A token that is none of these is refused, as on any other route.
 */
async function registrationCaller(
  ctx: DomainContext,
  auth: Auth,
  authorization: string | undefined,
): Promise<RegistrationCaller> {
  const token = bearerToken(authorization);
  if (token === undefined) return ANONYMOUS;
  if (auth.isAdminToken(token)) return { technician: 'admin', taskHostId: null };
  const technician = await auth.technician(authorization).catch(() => undefined);
  if (technician !== undefined) return { technician, taskHostId: null };
  const task = await ctx.db.tasks.credentialsByTokenHash(tokenDigest(token).toString('hex'));
  if (task === undefined || !isActive(task.state))
    throw new BrumeError('UNAUTHORIZED', 'unknown or expired token: register without one, or log in again');
  return { technician: null, taskHostId: (await ctx.db.tasks.byId(task.id))?.hostId ?? null };
}

/**
 * What a PC in the ramdisk's menu may do before anyone vouches for it, as in FOG: ask whether it is known, and register
 * itself (quick registration). Neither needs a token; neither can change a disk or see a task, an image or a token.
 * A known PC's new inventory, and a group or image chosen at registration, need a token (domain/registration.ts).
 */
export const registrationRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth, guards, config }) => {
  const route = routeDefiner(app, guards);
  const burst = new RegistrationBurst(
    () => Date.parse(ctx.now()),
    (refused) =>
      app.log.warn(
        { alert: 'registration-flood', refused, limit: RegistrationBurst.MAX_NEW_HOSTS },
        'a burst of registrations from unknown MACs: new hosts refused for the rest of the minute',
      ),
  );
  route(routes.agentLookup, {}, async (request) => lookupHost(ctx, request.body.macs));

  route(routes.agentRegister, { bodyLimit: INVENTORY_LIMIT }, async (request, reply) => {
    const caller = await registrationCaller(ctx, auth, request.headers.authorization);
    const registered = await registerHost(ctx, request.body.inventory, {
      pattern: config.hostNamePattern,
      name: request.body.name,
      group: request.body.group,
      image: request.body.image,
      caller,
      admitNewHost: () => burst.admit(),
    });
    request.log.info(
      {
        host: registered.host.name,
        created: registered.created,
        macs: registered.host.macs,
        technician: caller.technician,
      },
      'quick registration',
    );
    return reply.code(registered.created ? 201 : 200).send(registered);
  });
};
