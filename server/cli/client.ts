import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';
import {
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
import type { AdminConfig } from './config.ts';

/** A validated answer, and the JSON exactly as the server sent it (what `--json` prints, unknown fields included). */
export interface Answer<T> {
  readonly value: T;
  readonly body: unknown;
}

interface SendOptions {
  /** A local file sent as the body, streamed (application/octet-stream), with headers of its own. */
  file?: { path: string; headers: Readonly<Record<string, string>> };
  /** How long to wait for the answer to start; 0 waits as long as the server works (an image verify). */
  timeoutMs?: number;
}

/** The admin API as the CLI uses it, by route name: every answer parsed with its route's schema, every failure a BrumeError. */
export interface AdminClient {
  call<N extends RouteName>(
    name: N,
    input: CallInput<Routes[N]>,
    options?: { timeoutMs?: number },
  ): Promise<Answer<CallResult<Routes[N]>>>;
  /** A route that takes a stream, with a local file as its body: a signature database is hundreds of MiB, more than a JSON body may hold. */
  upload<N extends RouteName>(
    name: N,
    input: CallInput<Routes[N]>,
    file: string,
    headers?: Readonly<Record<string, string>>,
  ): Promise<Answer<CallResult<Routes[N]>>>;
  /** A route that streams a file, into the local file `out` (a recovered file may be larger than memory); resolves its bytes. */
  download<N extends RouteName>(name: N, input: CallInput<Routes[N]>, out: string): Promise<number>;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export function createClient(config: AdminConfig, signal?: AbortSignal): AdminClient {
  const send = async (prepared: PreparedCall, options: SendOptions): Promise<{ status: number; text: string }> => {
    const headers: Record<string, string> = { authorization: `Bearer ${config.token}`, accept: 'application/json' };
    if (prepared.json !== undefined) headers['content-type'] = 'application/json';
    if (options.file !== undefined)
      Object.assign(headers, { 'content-type': 'application/octet-stream' }, options.file.headers);
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      const response = await request(`${config.server}${prepared.target}`, {
        method: prepared.method,
        headers,
        signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        ...(prepared.json === undefined ? {} : { body: prepared.json }),
        ...(options.file === undefined ? {} : { body: createReadStream(options.file.path) }),
      });
      const text = await response.body.text();
      if (response.statusCode >= 400)
        throw failure(prepared, response.statusCode, response.headers['content-type'], text);
      return { status: response.statusCode, text };
    } catch (error) {
      if (error instanceof BrumeError || signal?.aborted === true) throw error;
      throw unreachable(config.server, error);
    }
  };

  const validated = <N extends RouteName>(
    name: N,
    prepared: PreparedCall,
    answer: { status: number; text: string },
  ): Answer<CallResult<Routes[N]>> => {
    if (answer.text !== '') parseJson(prepared, answer.text);
    const read = readAnswer(routes[name], answer.status, answer.text);
    if (read.ok) return { value: read.value, body: read.body };
    const issue = read.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    throw new BrumeError(
      'INTERNAL',
      `the server's answer to ${prepared.where} does not follow the protocol${where}: ${issue?.message ?? 'invalid'}`,
      { detail: read.issues },
    );
  };

  return Object.freeze({
    call: async (name, input, options = {}) => {
      const prepared = prepareCall(routes[name], input);
      return validated(name, prepared, await send(prepared, options));
    },
    upload: async (name, input, file, headers = {}) => {
      const prepared = prepareCall(routes[name], input);
      return validated(name, prepared, await send(prepared, { file: { path: file, headers }, timeoutMs: 0 }));
    },
    download: async (name, input, out) => {
      const prepared = prepareCall(routes[name], input);
      const response = await request(`${config.server}${prepared.target}`, {
        method: 'GET',
        headers: { authorization: `Bearer ${config.token}` },
        signal,
        headersTimeout: DEFAULT_TIMEOUT_MS,
        bodyTimeout: DEFAULT_TIMEOUT_MS,
      }).catch((error: unknown) => {
        throw unreachable(config.server, error);
      });
      if (response.statusCode >= 400)
        throw failure(prepared, response.statusCode, response.headers['content-type'], await response.body.text());
      const file = createWriteStream(out);
      await pipeline(response.body, file);
      return file.bytesWritten;
    },
  } satisfies AdminClient);
}

function parseJson(prepared: PreparedCall, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BrumeError('INTERNAL', `the server's answer to ${prepared.where} is not JSON: ${text.slice(0, 200)}`);
  }
}

/** The server's refusal through protocol's one mapper, so the exit code comes from the error table. */
function failure(
  prepared: PreparedCall,
  status: number,
  contentType: string | string[] | undefined,
  text: string,
): BrumeError {
  return errorFromAnswer({
    status,
    contentType: Array.isArray(contentType) ? contentType[0] : contentType,
    text,
    where: prepared.where,
  });
}

function unreachable(server: string, error: unknown): BrumeError {
  const reason =
    error instanceof Error ? error.message || ((error as { code?: string }).code ?? error.name) : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return new BrumeError('SERVER_UNREACHABLE', `cannot reach the Brume server at ${server} (${reason}${cause})`, {
    cause: error,
  });
}
