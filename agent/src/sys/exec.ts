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
  /** The task's cancel: the tool is stopped (stopChild) if it still runs when this aborts; it then rejects with the reason. */
  signal?: AbortSignal | undefined;
  /**
   * A command a cancel must not cut (a drive's secure erase: stopped half-way, it can leave the drive locked): the
   * task's runner does not stop it, and the cancel takes effect once it is over.
   */
  uninterruptible?: boolean;
}

/** Runs a tool to completion. The one seam through which the agent starts short-lived programs; tests may pass a fake. */
export type Runner = (command: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

/** Every tool runs in the C locale: their output is parsed. */
const toolEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  LC_ALL: 'C',
  LANG: 'C',
  ...extra,
});

/** How long a stopped tool gets between SIGTERM (flush, let go of the disk) and SIGKILL. */
export const STOP_GRACE_MS = 2000;

/**
 * Stops a child: SIGTERM, then SIGKILL if it is still there after `graceMs`. Resolves once it has exited (at once if it
 * had), so a caller that awaits it knows nothing of the tool runs any more.
 */
export function stopChild(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Stops `child` when `signal` aborts (for as long as the child runs); returns what detaches the listener. */
export function stopOnAbort(child: ChildProcess, signal: AbortSignal | undefined, graceMs = STOP_GRACE_MS): () => void {
  if (signal === undefined) return () => undefined;
  const stop = (): void => void stopChild(child, graceMs);
  if (signal.aborted) {
    stop();
    return () => undefined;
  }
  signal.addEventListener('abort', stop, { once: true });
  const detach = (): void => signal.removeEventListener('abort', stop);
  child.once('exit', detach);
  return detach;
}

export const runTool: Runner = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const signal = options.signal;
    const child = execFile(
      command,
      [...args],
      { env: toolEnv(options.env), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (signal?.aborted === true) {
          reject(signal.reason);
          return;
        }
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        if (code === 0 || options.okCodes?.includes(code)) {
          resolve({ stdout, stderr, code });
          return;
        }
        reject(
          new BrumeError(
            'TOOL_FAILED',
            `${command} ${args.join(' ')} failed (exit ${code}): ${lastLines(stderr || stdout || String(error?.message), 5)}`,
            {
              detail: { command, args, code, stderr: lastLines(stderr, 30) },
            },
          ),
        );
      },
    );
    stopOnAbort(child, signal);
    // Stopped: done once it has exited, even if something it started still holds its output open.
    child.once('exit', () => {
      if (signal?.aborted !== true) return;
      child.stdout?.destroy();
      child.stderr?.destroy();
      reject(signal.reason);
    });
    if (options.input !== undefined) {
      // A tool that exits without reading all its input (it failed, or needed less) closes the pipe: EPIPE here is
      // not an error of its own, the exit status and stderr above say what happened. Unhandled, it killed the agent.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input);
    }
  });

/** Starts a long-running tool whose stdin/stdout carry a stream (partclone); stopped (stopChild) if `signal` aborts. */
export function spawnTool(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { signal?: AbortSignal | undefined } = {},
): ChildProcess {
  const { signal, ...spawnOptions } = options;
  const child = spawn(command, [...args], { ...spawnOptions, env: toolEnv() });
  stopOnAbort(child, signal);
  return child;
}

/** A Runner whose every tool started before `signal` aborts is stopped by it; a tool started after runs (cleanup). */
export function abortableRunner(run: Runner, signal: AbortSignal): Runner {
  return (command, args, options = {}) =>
    signal.aborted || options.uninterruptible === true
      ? run(command, args, options)
      : run(command, args, { ...options, signal });
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
