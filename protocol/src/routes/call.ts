import type { z } from 'zod';
import { ApiError } from '../api.ts';
import { BrumeError } from '../brume-error.ts';
import { errorTable, type ErrorCode } from '../errors.ts';
import type { NO_CONTENT, RouteAnswer, RouteSpec, STREAM, TEXT } from './route.ts';

/**
 * The client core both the agent and the admin CLI call routes through: the URL from the route's path and the
 * caller's params and query, the JSON body, the answer parsed with the route's schema, and the one error mapper.
 * It does no I/O: each side brings its own transport (the agent's retrying undici pool, the CLI's plain requests).
 */

/** What a call of route R carries: its path params, its query, its JSON body, each required when the route has one. */
export type CallInput<R extends RouteSpec> = (R extends { params: z.ZodType }
  ? { params: z.output<R['params']> }
  : { params?: undefined }) &
  (R extends { query: z.ZodType } ? { query: z.input<R['query']> } : { query?: undefined }) &
  (R extends { body: z.ZodType } ? { body: z.input<R['body']> } : { body?: undefined });

type AnswerValue<A> = A extends z.ZodType
  ? z.output<A>
  : A extends typeof NO_CONTENT
    ? undefined
    : A extends typeof TEXT
      ? string
      : A extends typeof STREAM
        ? never
        : never;
/** What a successful call of route R resolves to: one of its JSON answers, undefined for a 204. */
export type CallResult<R extends RouteSpec> = AnswerValue<NonNullable<R['responses'][keyof R['responses']]>>;

/** The route's path below its mount, with the params put in: `/tasks/7` (what messages name). */
export function routePath(route: RouteSpec, params: Readonly<Record<string, unknown>> | undefined): string {
  return route.path.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null)
      throw new BrumeError('INTERNAL', `route ${route.method} ${route.path} called without its :${name}`);
    return encodeURIComponent(String(value as string | number));
  });
}

/** The query string of a call, with its `?` (or nothing); undefined values are left out. */
export function queryString(query: Readonly<Record<string, unknown>> | undefined): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {}))
    if (value !== undefined) search.set(key, String(value as string | number | boolean));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** What a transport sends for one call: method, the URL below the server's root, the JSON body if any. */
export interface PreparedCall {
  method: RouteSpec['method'];
  /** Mount, path and query: `/api/v1/tasks?state=running`. */
  target: string;
  /** `GET /tasks`: the route as messages name it (below the API's mount, without the query). */
  where: string;
  json?: string;
}

export function prepareCall<R extends RouteSpec>(route: R, input: CallInput<R>): PreparedCall {
  const values = input as { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown };
  const path = routePath(route, values.params);
  const prepared: PreparedCall = {
    method: route.method,
    target: `${route.mount}${path}${queryString(values.query)}`,
    where: `${route.method} ${path}`,
  };
  if (values.body !== undefined) prepared.json = JSON.stringify(values.body);
  return prepared;
}

/** A success the route's schema could not read: the transport words it for its own user. */
export interface UnreadableAnswer {
  ok: false;
  issues: z.core.$ZodIssue[];
  body: unknown;
}

/** A success read as the route declares it for that status: the value, and the JSON exactly as it came (for `--json`). */
export type ReadAnswer<R extends RouteSpec> = { ok: true; value: CallResult<R>; body: unknown } | UnreadableAnswer;

/** Reads a 2xx answer's text by the route's declaration for that status (a status it does not declare: its first JSON one). */
export function readAnswer<R extends RouteSpec>(route: R, status: number, text: string): ReadAnswer<R> {
  const declared: RouteAnswer | undefined =
    route.responses[status] ?? Object.values(route.responses).find((answer) => typeof answer === 'object');
  if (declared === undefined || typeof declared === 'string') {
    const value = declared === 'text' ? text : undefined;
    return { ok: true, value: value as CallResult<R>, body: text === '' ? undefined : parseJson(text) };
  }
  const body = text === '' ? undefined : parseJson(text);
  const parsed = declared.safeParse(body);
  return parsed.success
    ? { ok: true, value: parsed.data as CallResult<R>, body }
    : { ok: false, issues: parsed.error.issues, body };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Own properties only: `toString` or `__proto__` in a server's answer is no error code of ours. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorTable, code);
}

/** A failed answer as its transport received it. */
export interface FailedAnswer {
  status: number;
  /** The content-type header, if any. */
  contentType: string | undefined;
  text: string;
  /** `GET /images`: the route called (prepareCall's `where`). */
  where: string;
  /** An answer to HEAD: no body by definition, so its status is all there is to read. */
  head?: boolean;
}

/** What a bodiless answer (to HEAD) means by its status alone. */
const HEAD_STATUS_CODES: Readonly<Partial<Record<number, ErrorCode>>> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
};

/**
 * The one error mapper: a `{error: {code, message, detail}}` body with one of protocol's codes becomes that BrumeError
 * (so the CLI's exit code and the agent's decisions come from the table); an unknown code, an HTML page or anything
 * else that is not a Brume answer becomes INTERNAL, saying what came back.
 */
export function errorFromAnswer(answer: FailedAnswer): BrumeError {
  const { status, contentType, text, where } = answer;
  if (answer.head === true)
    return new BrumeError(HEAD_STATUS_CODES[status] ?? 'INTERNAL', `${where} answered HTTP ${status}`, {
      detail: { status },
    });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = ApiError.safeParse(json);
  if (!parsed.success) {
    const what =
      contentType === undefined || contentType === '' ? 'an answer without a content type' : contentType.split(';')[0];
    return new BrumeError(
      'INTERNAL',
      `not a Brume server's answer (${what}): ${where} answered HTTP ${status}: ${text.slice(0, 200) || '(no body)'}`,
      { detail: { status, contentType } },
    );
  }
  const { code, message, detail } = parsed.data.error;
  if (isErrorCode(code)) return new BrumeError(code, message, detail === undefined ? {} : { detail });
  return new BrumeError('INTERNAL', `${message} (${code}, HTTP ${status})`, { detail: { status, code, detail } });
}
