import { createInterface } from 'node:readline/promises';
import { BrumeError, toBrumeError } from '@brume/protocol';
import type { Reporter } from '../ports.ts';
import { jsonReporter, plainReporter, ttyReporter } from '../ui/reporters.ts';

/** How a command talks to its user: NDJSON events, progress bars on a TTY, or plain lines. */
export interface Output {
  reporter: Reporter;
  json: boolean;
  /** Final human text (ignored in --json mode, where the result event carries it). */
  say(text: string): void;
  /** The last event of a job, then the exit code of the contract: 0 ok, 1 the job failed, 2 bad input. */
  finish(summary: Record<string, unknown>): number;
  fail(error: unknown): number;
  /** The end of a job the server cancelled: a `cancelled` result with what it had done, then its exit code (1). */
  cancelled(error: BrumeError, summary: Record<string, unknown>): number;
  confirm?: (question: string) => Promise<boolean>;
}

export function createOutput(json: boolean): Output {
  const write = (line: string): void => void process.stdout.write(line);
  const tty = !json && process.stderr.isTTY === true ? ttyReporter(process.stderr) : undefined;
  const reporter = json ? jsonReporter(write) : (tty ?? plainReporter((line) => void process.stderr.write(line)));
  const stop = (): void => tty?.stop();
  const output: Output = {
    reporter,
    json,
    say: (text) => {
      if (!json) write(text.endsWith('\n') ? text : `${text}\n`);
    },
    finish(summary) {
      stop();
      reporter.event({ type: 'result', ts: new Date().toISOString(), state: 'done', summary });
      return 0;
    },
    fail(error) {
      stop();
      const failure = toBrumeError(error);
      reporter.event({ type: 'result', ts: new Date().toISOString(), state: 'failed', error: failure.toJSON() });
      if (!json) process.stderr.write(`brume: ${failure.message}\n`);
      if (failure.code === 'INTERNAL' && failure.cause instanceof Error)
        process.stderr.write(`${failure.cause.stack ?? ''}\n`);
      return failure.exitCode;
    },
    cancelled(error, summary) {
      stop();
      reporter.event({
        type: 'result',
        ts: new Date().toISOString(),
        state: 'cancelled',
        error: error.toJSON(),
        summary,
      });
      return error.exitCode;
    },
  };
  if (!json && process.stdin.isTTY === true) output.confirm = askOnTerminal;
  return output;
}

async function askOnTerminal(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

export function usageError(message: string): BrumeError {
  return new BrumeError('BAD_REQUEST', message);
}
