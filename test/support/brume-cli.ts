import { execFile, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const brume = fileURLToPath(new URL('../../bin/brume', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** NDJSON events when run with --json. */
  events: Array<Record<string, unknown>>;
  /** The final result event, if any. */
  result: Record<string, unknown> | undefined;
}

/** Runs the real `brume` command, as a user would, with stdin closed (no TTY: nobody can confirm). */
export function runBrume(args: readonly string[], env?: Record<string, string>): Promise<CliRun> {
  return spawnBrume(args, env).done;
}

/** The same, keeping hold of the process: a test can watch it run, or kill it. */
export function spawnBrume(
  args: readonly string[],
  env?: Record<string, string>,
): { child: ChildProcess; done: Promise<CliRun> } {
  let child: ChildProcess | undefined;
  const done = new Promise<CliRun>((resolve) => {
    child = execFile(
      brume,
      [...args],
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        // NDJSON events, one per line; a pretty-printed document (an admin command's --json) has none of its own lines
        // whole, so lines that do not parse are not events (throwing here would leave the promise hanging).
        const events = stdout
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .flatMap((line) => {
            try {
              return [JSON.parse(line) as Record<string, unknown>];
            } catch {
              return [];
            }
          });
        resolve({ code, stdout, stderr, events, result: events.findLast((event) => event['type'] === 'result') });
      },
    );
    child.stdin?.end();
  });
  if (child === undefined) throw new Error('execFile returned no process');
  return { child, done };
}

export function failureOf(run: CliRun): { code: string; message: string } {
  const error = run.result?.['error'] as { code: string; message: string } | undefined;
  if (error === undefined)
    throw new Error(`expected a failure result, got exit ${run.code}:\n${run.stdout}\n${run.stderr}`);
  return error;
}
