import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';
import type { z } from 'zod';
import { API_PREFIX, ApiError, BrumeError, errorTable, type ErrorCode } from '@brume/protocol';
import type { AdminConfig } from './config.ts';

/** A validated answer, and the JSON exactly as the server sent it (what `--json` prints, unknown fields included). */
export interface Answer<T> {
  readonly value: T;
  readonly body: unknown;
}

export type Query = Readonly<Record<string, string | number | undefined>>;

interface CallOptions {
  query?: Query;
  body?: unknown;
  /** A local file sent as the body, streamed (application/octet-stream), with headers of its own. */
  file?: { path: string; headers: Readonly<Record<string, string>> };
  /** How long to wait for the answer to start; 0 waits as long as the server works (an image verify). */
  timeoutMs?: number;
}

/** The admin API as the CLI uses it: every answer parsed with its protocol schema, every failure a BrumeError. */
export interface AdminClient {
  get<S extends z.ZodType>(path: string, schema: S, query?: Query): Promise<Answer<z.infer<S>>>;
  post<S extends z.ZodType>(path: string, schema: S, body?: unknown, options?: { timeoutMs?: number }): Promise<Answer<z.infer<S>>>;
  delete(path: string): Promise<void>;
  /** PUT of a local file, streamed: a signature database is hundreds of MiB, more than a JSON body may hold. */
  putFile<S extends z.ZodType>(path: string, schema: S, file: string, headers?: Readonly<Record<string, string>>): Promise<Answer<z.infer<S>>>;
  /** GET of a file, streamed into the local file `out` (a recovered file may be larger than memory); resolves its bytes. */
  download(path: string, out: string): Promise<number>;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export function createClient(config: AdminConfig, signal?: AbortSignal): AdminClient {
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options: CallOptions): Promise<{ status: number; body: unknown }> => {
    const url = new URL(`${config.server}${API_PREFIX}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { authorization: `Bearer ${config.token}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.file !== undefined) Object.assign(headers, { 'content-type': 'application/octet-stream' }, options.file.headers);
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      const response = await request(url, {
        method, headers, signal, headersTimeout: timeout, bodyTimeout: timeout,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.file === undefined ? {} : { body: createReadStream(options.file.path) }),
      });
      const text = await response.body.text();
      if (response.statusCode >= 400) throw serverError(method, path, response.statusCode, text);
      return { status: response.statusCode, body: text === '' ? undefined : parseJson(method, path, text) };
    } catch (error) {
      if (error instanceof BrumeError || signal?.aborted === true) throw error;
      throw unreachable(config.server, error);
    }
  };

  const validated = <S extends z.ZodType>(method: string, path: string, schema: S, body: unknown): Answer<z.infer<S>> => {
    const parsed = schema.safeParse(body);
    if (parsed.success) return { value: parsed.data, body };
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    throw new BrumeError('INTERNAL', `the server's answer to ${method} ${path} does not follow the protocol${where}: ${issue?.message ?? 'invalid'}`, { detail: parsed.error.issues });
  };

  return Object.freeze({
    get: async (path, schema, query) => validated('GET', path, schema, (await call('GET', path, query === undefined ? {} : { query })).body),
    post: async (path, schema, body, options = {}) => validated('POST', path, schema, (await call('POST', path, { body: body ?? {}, ...options })).body),
    delete: async (path) => void (await call('DELETE', path, {})),
    putFile: async (path, schema, file, headers = {}) => validated('PUT', path, schema, (await call('PUT', path, { file: { path: file, headers }, timeoutMs: 0 })).body),
    download: async (path, out) => {
      const url = `${config.server}${API_PREFIX}${path}`;
      const response = await request(url, { method: 'GET', headers: { authorization: `Bearer ${config.token}` }, signal, headersTimeout: DEFAULT_TIMEOUT_MS, bodyTimeout: DEFAULT_TIMEOUT_MS }).catch((error: unknown) => {
        throw unreachable(config.server, error);
      });
      if (response.statusCode >= 400) throw serverError('GET', path, response.statusCode, await response.body.text());
      const file = createWriteStream(out);
      await pipeline(response.body, file);
      return file.bytesWritten;
    },
  } satisfies AdminClient);
}

function parseJson(method: string, path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BrumeError('INTERNAL', `the server's answer to ${method} ${path} is not JSON: ${text.slice(0, 200)}`);
  }
}

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorTable, code);
}

/** The server's `{error: {code, message, detail}}` as the same BrumeError, so the exit code comes from the table. */
export function serverError(method: string, path: string, status: number, text: string): BrumeError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = ApiError.safeParse(json);
  if (!parsed.success) return new BrumeError('INTERNAL', `${method} ${path} answered HTTP ${status}: ${text.slice(0, 200) || '(no body)'}`);
  const { code, message, detail } = parsed.data.error;
  if (isErrorCode(code)) return new BrumeError(code, message, { detail });
  return new BrumeError('INTERNAL', `${message} (${code}, HTTP ${status})`, { detail });
}

function unreachable(server: string, error: unknown): BrumeError {
  const reason = error instanceof Error ? error.message || ((error as { code?: string }).code ?? error.name) : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return new BrumeError('SERVER_UNREACHABLE', `cannot reach the Brume server at ${server} (${reason}${cause})`, { cause: error });
}
