import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import {
  API_PREFIX,
  BrumeError,
  errorFromAnswer,
  prepareCall,
  readAnswer,
  routes,
  type CallInput,
  type CallResult,
  type PreparedCall,
  type RouteName,
  type Routes,
} from '@brume/protocol';
import { retryPolicy, TransientError, withRetry, type RetryPolicy } from './retry.ts';

export interface ClientOptions {
  /** The server's URL, with or without the /api/v1 prefix. */
  server: string;
  /** Bearer token: the task's one-time token; none for the routes every PC may call (lookup, quick registration). */
  token?: string;
  retry?: Partial<RetryPolicy>;
  /** How long a silent connection is tolerated, waiting for an answer's headers or between pieces of its body. */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** How one call is sent, beyond what the route table says. */
export interface CallOptions {
  headers?: Record<string, string>;
  /** The body of a route that takes a stream, sent as application/octet-stream. */
  bytes?: Uint8Array;
  /** Longer than the default for an answer that takes time to compute (a commit re-hashes a whole image). */
  headersTimeoutMs?: number;
  /** One attempt only: for best-effort posts that the next tick replaces. */
  once?: boolean;
  /** Aborts the request in flight (a cancelled task's download or upload). */
  signal?: AbortSignal | undefined;
}

type Response = Dispatcher.ResponseData;

/** The agent's side of the /api/v1 contract, by route name: bearer token, retries on network faults and 5xx, errors as BrumeError. */
export interface ApiClient {
  /** The server's API root, for messages. */
  readonly url: string;
  /** Calls a route of protocol's table and parses its answer with the route's schema (undefined for a 204). */
  call<N extends RouteName>(
    name: N,
    input: CallInput<Routes[N]>,
    options?: CallOptions,
  ): Promise<CallResult<Routes[N]>>;
  /** The JSON answer as it came, for a caller that validates it itself (a manifest is read like a directory's). */
  json<N extends RouteName>(name: N, input: CallInput<Routes[N]>, options?: CallOptions): Promise<unknown>;
  /** A route that streams a file: exactly `length` bytes with status 206 (or 200); a body cut short is a network fault, tried again. */
  bytes<N extends RouteName>(
    name: N,
    input: CallInput<Routes[N]>,
    length: number,
    options?: CallOptions,
  ): Promise<Uint8Array>;
  /** HEAD of a route that streams a file: its size, -1 when the server has no such file. */
  size<N extends RouteName>(name: N, input: CallInput<Routes[N]>): Promise<number>;
  close(): Promise<void>;
}

interface Exchange {
  prepared: PreparedCall;
  method: Dispatcher.HttpMethod;
  options: CallOptions;
}

export function createApiClient(options: ClientOptions): ApiClient {
  const root = new URL(options.server);
  const given = root.pathname.replace(/\/+$/, '');
  // The table's paths carry their mount (/api/v1): what the server URL holds before it is kept.
  const base = given.endsWith(API_PREFIX) ? given.slice(0, -API_PREFIX.length) : given;
  const url = `${root.origin}${base}${API_PREFIX}`;
  const policy = retryPolicy(options.retry);
  const pool = new Pool(root.origin, {
    connections: 8,
    headersTimeout: options.headersTimeoutMs ?? 30_000,
    bodyTimeout: options.bodyTimeoutMs ?? 30_000,
    // TCP keepalive: a server gone without a FIN (its switch rebooted) is found by the kernel on an idle connection too.
    connect: { timeout: options.connectTimeoutMs ?? 10_000, keepAlive: true, keepAliveInitialDelay: TCP_KEEPALIVE_MS },
  });

  const headersTimeout = options.headersTimeoutMs ?? 30_000;
  const exchange = <T>(call: Exchange, read: (response: Response) => Promise<T>): Promise<T> => {
    const attempt = async (): Promise<T> => {
      const response = await pool.request(dispatchOptions(call, base, options.token, headersTimeout));
      try {
        if (response.statusCode >= 400) throw await failureOf(response, call);
        return await read(response);
      } finally {
        // Whatever is left unread goes, so the connection returns to the pool (or closes).
        await response.body.dump().catch(() => undefined);
      }
    };
    return withRetry(
      attempt,
      call.options.once === true ? { ...policy, deadlineMs: 0 } : policy,
      `${root.origin}${base}${call.prepared.target}`,
    );
  };
  const prepare = <N extends RouteName>(
    name: N,
    input: CallInput<Routes[N]>,
    callOptions: CallOptions = {},
    method?: 'HEAD',
  ): Exchange => {
    const prepared = prepareCall(routes[name], input);
    return { prepared, method: method ?? prepared.method, options: callOptions };
  };

  return {
    url,
    call: (name, input, callOptions) =>
      exchange(prepare(name, input, callOptions), async (response) => {
        const text = await response.body.text();
        const answer = readAnswer(routes[name], response.statusCode, text);
        if (!answer.ok) {
          throw new BrumeError(
            'INTERNAL',
            `${routes[name].method} ${root.origin}${base}${prepareCall(routes[name], input).target} answered something this agent cannot read: ${answer.issues[0]?.message ?? 'invalid'} (a server newer than this agent does that: rebuild the boot files with \`npm run build:boot\` so PCs boot the matching agent)`,
            {
              detail: { status: response.statusCode, issues: answer.issues, body: text.slice(0, 2000) },
            },
          );
        }
        return answer.value;
      }),
    json: (name, input, callOptions) =>
      exchange(prepare(name, input, callOptions), async (response) => {
        const text = await response.body.text();
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return undefined;
        }
      }),
    bytes: (name, input, length, callOptions) => {
      const call = prepare(name, input, callOptions);
      return exchange(call, (response) =>
        readExactly(response, length, `${root.origin}${base}${call.prepared.target}`),
      );
    },
    size: (name, input) => {
      const call = prepare(name, input, {}, 'HEAD');
      return exchange(call, async (response) =>
        contentLength(response, `${root.origin}${base}${call.prepared.target}`),
      ).catch((error: unknown) => {
        if (error instanceof BrumeError && (error.code === 'NOT_FOUND' || error.code === 'IMAGE_NOT_FOUND')) return -1;
        throw error;
      });
    },
    close: () => pool.close(),
  };
}

/** Silence on a pooled connection before the kernel's keepalive probes start. */
const TCP_KEEPALIVE_MS = 15_000;

/** The headers timer runs while a request body drains too: a chunk upload gets one more second per 256 KiB. */
const UPLOAD_GRACE_BYTES_PER_SECOND = 256 * 1024;

function dispatchOptions(
  call: Exchange,
  base: string,
  token: string | undefined,
  headersTimeout: number,
): Dispatcher.RequestOptions {
  const { prepared, options } = call;
  const headers: Record<string, string> = {
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    accept: 'application/json',
    ...options.headers,
  };
  let body: string | Uint8Array | null = null;
  if (prepared.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = prepared.json;
  } else if (options.bytes !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    body = options.bytes;
  }
  return {
    path: `${base}${prepared.target}`,
    method: call.method,
    headers,
    body,
    headersTimeout:
      options.headersTimeoutMs ??
      headersTimeout + Math.ceil((options.bytes?.byteLength ?? 0) / UPLOAD_GRACE_BYTES_PER_SECOND) * 1000,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
}

/** The server's refusal as a BrumeError through protocol's one mapper (4xx), or a TransientError to retry (5xx). */
async function failureOf(response: Response, call: Exchange): Promise<Error> {
  const head = call.method === 'HEAD';
  const text = head ? '' : await response.body.text().catch(() => '');
  const contentType = response.headers['content-type'];
  const error = errorFromAnswer({
    status: response.statusCode,
    contentType: Array.isArray(contentType) ? contentType[0] : contentType,
    text,
    where: call.prepared.where,
    head,
  });
  // A full DATA disk does not empty itself while the agent waits: said at once rather than retried for minutes.
  if (response.statusCode >= 500 && error.code !== 'STORAGE_FULL')
    return new TransientError(`HTTP ${response.statusCode} (${error.code}: ${error.message})`, { cause: error });
  return error;
}

function contentLength(response: Response, where: string): number {
  const length = Number(response.headers['content-length']);
  if (!Number.isSafeInteger(length) || length < 0)
    throw new BrumeError('INTERNAL', `${where} gave no content-length for a HEAD request`);
  return length;
}

async function readExactly(response: Response, length: number, where: string): Promise<Uint8Array> {
  if (response.statusCode !== 206 && response.statusCode !== 200) {
    throw new BrumeError('INTERNAL', `${where} answered HTTP ${response.statusCode} where bytes were expected`);
  }
  const bytes = new Uint8Array(new ArrayBuffer(length));
  let filled = 0;
  for await (const piece of response.body as AsyncIterable<Buffer>) {
    if (filled + piece.byteLength > length) {
      throw new BrumeError('INTERNAL', `${where} sent more than the ${length} bytes asked for`, {
        detail: { status: response.statusCode },
      });
    }
    bytes.set(piece, filled);
    filled += piece.byteLength;
  }
  if (filled < length) throw new TransientError(`${where} sent ${filled} of ${length} bytes before the answer ended`);
  return bytes;
}
