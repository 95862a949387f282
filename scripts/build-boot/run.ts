import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  input?: string | Buffer;
  env?: Record<string, string>;
  /** Exit codes besides 0 the caller handles itself. */
  okCodes?: readonly number[];
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

const tail = (text: string, lines: number): string => text.trimEnd().split('\n').slice(-lines).join('\n');

/** Runs a program with an argument vector (never a shell string), in the C locale; rejects naming it and its stderr. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: { ...process.env, LC_ALL: 'C', LANG: 'C', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
    child.on('error', (error) => reject(new Error(`${command}: ${error.message}`, { cause: error })));
    child.on('close', (code) => {
      const result = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? -1,
      };
      if (result.code === 0 || options.okCodes?.includes(result.code)) resolve(result);
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} failed (exit ${result.code}):\n${tail(result.stderr || result.stdout, 15)}`,
          ),
        );
    });
  });
}

/** Runs `work` over `items` with at most `limit` in flight; results keep the order of `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
