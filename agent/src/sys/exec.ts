import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { BrumeError } from '@brume/protocol';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  /** Accept these exit codes besides 0 (the caller reads `code`). */
  okCodes?: readonly number[];
  input?: string;
  env?: Record<string, string>;
}

/** Runs a tool to completion. The one seam through which the agent starts short-lived programs; tests may pass a fake. */
export type Runner = (command: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

/** Every tool runs in the C locale: their output is parsed. */
const toolEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...process.env, LC_ALL: 'C', LANG: 'C', ...extra });

export const runTool: Runner = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = execFile(
      command,
      [...args],
      { env: toolEnv(options.env), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        if (code === 0 || options.okCodes?.includes(code)) {
          resolve({ stdout, stderr, code });
          return;
        }
        reject(
          new BrumeError('TOOL_FAILED', `${command} ${args.join(' ')} failed (exit ${code}): ${lastLines(stderr || stdout || String(error?.message), 5)}`, {
            detail: { command, args, code, stderr: lastLines(stderr, 30) },
          }),
        );
      },
    );
    if (options.input !== undefined) {
      // A tool that exits without reading all its input (it failed, or needed less) closes the pipe: EPIPE here is
      // not an error of its own, the exit status and stderr above say what happened. Unhandled, it killed the agent.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input);
    }
  });

/** Starts a long-running tool whose stdin/stdout carry a stream (partclone). */
export function spawnTool(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(command, [...args], { ...options, env: toolEnv() });
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
