import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { API_PREFIX, ApiError, BrumeError, errorTable, type ErrorCode } from '@brume/protocol';
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

export interface ApiRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  /** Below /api/v1: `/agent/tasks/7`. */
  path: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as application/octet-stream. */
  bytes?: Uint8Array;
  /** Longer than the default for an answer that takes time to compute (a commit re-hashes a whole image). */
  headersTimeoutMs?: number;
  /** One attempt only: for best-effort posts that the next tick replaces. */
  once?: boolean;
  /** Aborts the request in flight (a cancelled task's download or upload). */
  signal?: AbortSignal | undefined;
}

type Response = Dispatcher.ResponseData;

/** The agent's side of the /api/v1 contract: bearer token, retries on network faults and 5xx, errors as BrumeError. */
export interface ApiClient {
  /** The server's API root, for messages. */
  readonly url: string;
  /** Expects a JSON answer and parses it with `schema`. */
  json<S extends z.ZodType>(request: ApiRequest, schema: S): Promise<z.infer<S>>;
  /** Expects a success and ignores its body (204, or an answer nobody needs). */
  send(request: ApiRequest): Promise<void>;
  /** Expects exactly `length` bytes with status 206 (or 200): a body cut short is a network fault, tried again. */
  bytes(request: ApiRequest, length: number): Promise<Uint8Array>;
  /** HEAD: the file's size, -1 when the server has no such file. */
  size(path: string): Promise<number>;
  close(): Promise<void>;
}

export function createApiClient(options: ClientOptions): ApiClient {
  const root = new URL(options.server);
  const base = root.pathname.replace(/\/+$/, '');
  const prefix = base.endsWith(API_PREFIX) ? base : `${base}${API_PREFIX}`;
  const url = `${root.origin}${prefix}`;
  const policy = retryPolicy(options.retry);
  const pool = new Pool(root.origin, {
    connections: 8,
    headersTimeout: options.headersTimeoutMs ?? 30_000,
    bodyTimeout: options.bodyTimeoutMs ?? 30_000,
    connect: { timeout: options.connectTimeoutMs ?? 10_000 },
  });

  const headersTimeout = options.headersTimeoutMs ?? 30_000;
  const exchange = <T>(request: ApiRequest, read: (response: Response) => Promise<T>): Promise<T> => {
    const attempt = async (): Promise<T> => {
      const response = await pool.request(dispatchOptions(request, prefix, options.token, headersTimeout));
      try {
        if (response.statusCode >= 400) throw await failureOf(response, request);
        return await read(response);
      } finally {
        // Whatever is left unread goes, so the connection returns to the pool (or closes).
        await response.body.dump().catch(() => undefined);
      }
    };
    return withRetry(attempt, request.once === true ? { ...policy, deadlineMs: 0 } : policy, `${url}${request.path}`);
  };

  return {
    url,
    json: (request, schema) =>
      exchange(request, async (response) => {
        const text = await response.body.text();
        const parsed = schema.safeParse(parseJson(text));
        if (!parsed.success) {
          throw new BrumeError('INTERNAL', `${request.method} ${url}${request.path} answered something this agent cannot read: ${parsed.error.issues[0]?.message ?? 'invalid'} (a server newer than this agent does that: rebuild the boot files with \`npm run build:boot\` so PCs boot the matching agent)`, {
            detail: { status: response.statusCode, issues: parsed.error.issues, body: text.slice(0, 2000) },
          });
        }
        return parsed.data;
      }),
    send: (request) => exchange(request, async () => undefined),
    bytes: (request, length) => exchange(request, (response) => readExactly(response, length, `${url}${request.path}`)),
    size: (path) =>
      exchange({ method: 'HEAD', path }, async (response) => contentLength(response, `${url}${path}`)).catch((error: unknown) => {
        if (error instanceof BrumeError && (error.code === 'NOT_FOUND' || error.code === 'IMAGE_NOT_FOUND')) return -1;
        throw error;
      }),
    close: () => pool.close(),
  };
}

/** The headers timer runs while a request body drains too: a chunk upload gets one more second per 256 KiB. */
const UPLOAD_GRACE_BYTES_PER_SECOND = 256 * 1024;

function dispatchOptions(request: ApiRequest, prefix: string, token: string | undefined, headersTimeout: number): Dispatcher.RequestOptions {
  const headers: Record<string, string> = { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), accept: 'application/json', ...request.headers };
  let body: string | Uint8Array | null = null;
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.json);
  } else if (request.bytes !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    body = request.bytes;
  }
  return {
    path: `${prefix}${request.path}`,
    method: request.method,
    headers,
    body,
    headersTimeout: request.headersTimeoutMs ?? headersTimeout + Math.ceil((request.bytes?.byteLength ?? 0) / UPLOAD_GRACE_BYTES_PER_SECOND) * 1000,
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  };
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const statusCodes: Partial<Record<number, ErrorCode>> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 413: 'PAYLOAD_TOO_LARGE' };

/** The server's `{error: {code, message}}` as a BrumeError (4xx), or a TransientError to retry (5xx). */
async function failureOf(response: Response, request: ApiRequest): Promise<Error> {
  const text = request.method === 'HEAD' ? '' : await response.body.text().catch(() => '');
  const parsed = ApiError.safeParse(parseJson(text));
  const status = response.statusCode;
  if (status >= 500) {
    const what = parsed.success ? `${parsed.data.error.code}: ${parsed.data.error.message}` : text.slice(0, 200) || response.statusText;
    return new TransientError(`HTTP ${status} (${what})`);
  }
  if (parsed.success && parsed.data.error.code in errorTable) {
    const { code, message, detail } = parsed.data.error;
    return new BrumeError(code as ErrorCode, message, detail === undefined ? {} : { detail });
  }
  const message = parsed.success ? `${parsed.data.error.code}: ${parsed.data.error.message}` : text.slice(0, 200) || response.statusText;
  return new BrumeError(statusCodes[status] ?? 'BAD_REQUEST', `${request.method} ${request.path} was refused with HTTP ${status}: ${message}`, { detail: { status } });
}

function contentLength(response: Response, where: string): number {
  const length = Number(response.headers['content-length']);
  if (!Number.isSafeInteger(length) || length < 0) throw new BrumeError('INTERNAL', `${where} gave no content-length for a HEAD request`);
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
      throw new BrumeError('INTERNAL', `${where} sent more than the ${length} bytes asked for`, { detail: { status: response.statusCode } });
    }
    bytes.set(piece, filled);
    filled += piece.byteLength;
  }
  if (filled < length) throw new TransientError(`${where} sent ${filled} of ${length} bytes before the answer ended`);
  return bytes;
}
