import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteSpec } from '@brume/protocol';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawServerDefault,
  RouteGenericInterface,
  RouteShorthandOptions,
} from 'fastify';
import type { ResolveFastifyReplyReturnType } from 'fastify/types/type-provider.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { TaskAccess } from '../auth.ts';
import type { Callers, RouteGuards } from './route-guards.ts';

type ZodOr<T> = T extends z.ZodType ? T : undefined;
type JsonAnswers<R extends RouteSpec> = {
  [K in keyof R['responses'] as R['responses'][K] extends z.ZodType ? K : never]: R['responses'][K];
};

/** The fastify schema a route entry stands for: what types the handler's request and checks its return. */
export interface SchemaOf<R extends RouteSpec> {
  params: ZodOr<R['params']>;
  querystring: ZodOr<R['query']>;
  headers: ZodOr<R['headers']>;
  body: ZodOr<R['body']>;
  response: JsonAnswers<R>;
}

export type RouteRequest<R extends RouteSpec> = FastifyRequest<
  RouteGenericInterface,
  RawServerDefault,
  IncomingMessage,
  SchemaOf<R>,
  ZodTypeProvider
>;
export type RouteReply<R extends RouteSpec> = FastifyReply<
  RouteGenericInterface,
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  unknown,
  SchemaOf<R>,
  ZodTypeProvider
>;
export type RouteHandler<R extends RouteSpec> = (
  request: RouteRequest<R>,
  reply: RouteReply<R>,
  caller: Callers[R['auth']],
) => ResolveFastifyReplyReturnType<ZodTypeProvider, SchemaOf<R>, RouteGenericInterface>;

/** What a route adds to its table entry: fastify's own limits, and which ended states a task route still serves. */
export interface RouteOptions {
  bodyLimit?: number;
  logLevel?: RouteShorthandOptions['logLevel'];
  exposeHeadRoute?: boolean;
  taskAccess?: TaskAccess;
}

/** A plugin's app: the zod type provider, and the guards of the table's kinds of auth. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyInstance['log'],
  ZodTypeProvider
>;

/**
 * Registers one route of protocol's table: its method and path, its schemas (validation, the OpenAPI document) and its
 * auth, checked in onRequest by the guard the table names, so a route cannot enforce other than it declares. The
 * handler gets the request typed from the entry and what the guard learnt about the caller.
 */
export function defineRoute<R extends RouteSpec>(
  app: ZodApp,
  guards: RouteGuards,
  route: R,
  options: RouteOptions,
  handler: RouteHandler<R>,
): void {
  const guard = guards[route.auth] as (
    request: FastifyRequest,
    access: TaskAccess | undefined,
  ) => Promise<Callers[R['auth']]>;
  const callers = new WeakMap<FastifyRequest, Callers[R['auth']]>();
  const response = Object.fromEntries(
    Object.entries(route.responses).filter(([, answer]) => typeof answer === 'object'),
  );
  const { taskAccess, ...fastifyOptions } = options;
  app.route<RouteGenericInterface, unknown, SchemaOf<R>>({
    method: route.head === true ? [route.method, 'HEAD'] : route.method,
    url: route.path,
    ...fastifyOptions,
    schema: {
      tags: [route.area],
      summary: route.summary,
      ...(route.auth === 'none' ? { security: [] } : {}),
      ...(route.params === undefined ? {} : { params: route.params }),
      ...(route.query === undefined ? {} : { querystring: route.query }),
      ...(route.headers === undefined ? {} : { headers: route.headers }),
      ...(typeof route.body === 'object' ? { body: route.body } : {}),
      ...(Object.keys(response).length === 0 ? {} : { response }),
    } as unknown as SchemaOf<R>,
    onRequest: async (request) => {
      callers.set(request, await guard(request, taskAccess));
    },
    handler: (request, reply) =>
      handler(request as RouteRequest<R>, reply as RouteReply<R>, callers.get(request) as Callers[R['auth']]),
  });
}

/** defineRoute bound to one plugin's app and guards: `const route = routeDefiner(app, guards); route(routes.hostList, {}, handler)`. */
export const routeDefiner =
  (app: ZodApp, guards: RouteGuards) =>
  <R extends RouteSpec>(route: R, options: RouteOptions, handler: RouteHandler<R>): void =>
    defineRoute(app, guards, route, options, handler);
