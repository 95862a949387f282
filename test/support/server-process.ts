import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const brume = fileURLToPath(new URL('../../bin/brume', import.meta.url));

export interface ServerProcess {
  url: string;
  adminToken: string;
  process: ChildProcess;
  /** Everything the server logged (pino JSON lines), for assertions and for failure messages. */
  log: string[];
  /** SIGKILL: no shutdown hook runs, like a power cut of the server process. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** A free port on 127.0.0.1, so a killed server can be restarted where the agent expects it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts the real `brume server` as a child process and waits for its "listening" log line. */
export async function startServerProcess(
  dataDir: string,
  port = 0,
  extraArgs: readonly string[] = [],
): Promise<ServerProcess> {
  const child = spawn(brume, ['server', '--data', dataDir, '--listen', `127.0.0.1:${port}`, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr.on('data', (data: Buffer) => log.push(data.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      log.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url !== undefined) resolve(entry.url);
      } catch {
        // not a JSON line: kept in the log
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`brume server exited with ${code} before listening:\n${log.join('\n')}`)),
    );
  });
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url,
    adminToken: readFileSync(join(dataDir, 'admin.token'), 'utf8').trim(),
    process: child,
    log,
    kill: () => stopWith('SIGKILL'),
    stop: () => stopWith('SIGTERM'),
  };
}

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

/** A thin JSON client for tests (fetch is fine here; the product uses undici's request API). */
export function apiClient(baseUrl: string, token: string | undefined) {
  const call = async <T = unknown>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T };
  };
  /** POST /tasks; throws with the server's answer unless it is 201. */
  const createTask = async (
    kind: 'capture' | 'deploy',
    host: string,
    image: string,
    options: { debug?: boolean } = {},
  ): Promise<{ id: number; token: string }> => {
    const answer = await call<{ task: { id: number }; token: string }>('POST', '/tasks', {
      kind,
      host,
      image,
      ...options,
    });
    if (answer.status !== 201)
      throw new Error(`creating a ${kind} task for ${host}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    return { id: answer.body.task.id, token: answer.body.token };
  };
  return {
    call,
    createTask,
    get: <T = unknown>(path: string) => call<T>('GET', path),
    post: <T = unknown>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
    delete: <T = unknown>(path: string) => call<T>('DELETE', path),
  };
}
