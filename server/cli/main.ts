import { toBrumeError, type BrumeError } from '@brume/protocol';
import { parseCommandLine, UsageError } from './args.ts';
import { createClient } from './client.ts';
import type { Command } from './command.ts';
import { adminConfig, type Env } from './config.ts';
import { groupCommands } from './groups.ts';
import { hostCommands } from './hosts.ts';
import { imageCommands } from './images.ts';
import { multicastCommands } from './multicast.ts';
import { processTerminal, type Terminal } from './output.ts';
import { signatureCommands } from './signatures.ts';
import { taskCommands } from './tasks.ts';
import { techCommands } from './technicians.ts';
import { scheduleCommands } from './schedules.ts';

// The one local admin command (no server, no token), exported here: the package's public entry point is this file.
export { dnsmasqUsage, runDnsmasqConfig } from './dnsmasq-command.ts';
export { installServiceUsage, runInstallService } from './install-service.ts';

/** The admin commands, by area then subcommand: `brume host add`, `brume task watch` … */
const areas: Readonly<Record<string, Readonly<Record<string, Command>>>> = {
  host: hostCommands,
  group: groupCommands,
  image: imageCommands,
  multicast: multicastCommands,
  task: taskCommands,
  tech: techCommands,
  signatures: signatureCommands,
  schedule: scheduleCommands,
};

const commonSynopsis = '[--server URL] [--token T] [--json]';

function synopses(commands: Readonly<Record<string, Command>>): string {
  return Object.values(commands)
    .map((command) => {
      const [area = '', ...rest] = command.synopsis.split(' ');
      return `  brume ${area.padEnd(7)} ${rest.join(' ')}\n`;
    })
    .join('');
}

export const adminUsage = `${Object.values(areas).map(synopses).join('')}  admin commands take ${commonSynopsis}; the server and token also come from BRUME_SERVER and BRUME_TOKEN (or BRUME_TOKEN_FILE)
`;

/** What a run needs from the process; tests pass their own terminal, environment, poll interval and signal. */
export interface AdminRuntime {
  readonly term: Terminal;
  /** Absent: the process's environment, read by config.ts. */
  readonly env: Env | undefined;
  readonly pollMs: number;
  readonly signal: AbortSignal | undefined;
}

function own<T>(record: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * The admin CLI: `brume host|image|task …` against the server's /api/v1. Resolves to undefined when argv is not an
 * admin command (bin/brume.ts then tries no further), else to the exit code: 0 ok, 1 the job failed, 2 bad input.
 */
export async function runAdminCli(argv: string[], runtime: Partial<AdminRuntime> = {}): Promise<number | undefined> {
  const [area, subcommand, ...rest] = argv;
  const commands = own(areas, area);
  if (commands === undefined) return undefined;
  const term = runtime.term ?? processTerminal();
  if (subcommand === undefined || subcommand === 'help' || subcommand === '--help' || subcommand === '-h') {
    const text = `usage:\n${synopses(commands)}  ${commonSynopsis}\n`;
    if (subcommand === undefined) term.err(`brume ${area}: missing subcommand\n${text}`);
    else term.out(text);
    return subcommand === undefined ? 2 : 0;
  }
  const command = own(commands, subcommand);
  if (command === undefined) {
    term.err(`brume ${area}: unknown subcommand "${subcommand}"\nusage:\n${synopses(commands)}`);
    return 2;
  }
  return runCommand(`brume ${area} ${subcommand}`, command, rest, {
    term,
    env: runtime.env,
    pollMs: runtime.pollMs ?? 1000,
    signal: runtime.signal,
  });
}

async function runCommand(name: string, command: Command, argv: string[], runtime: AdminRuntime): Promise<number> {
  const { term } = runtime;
  try {
    const args = parseCommandLine(argv, command.flags);
    if (args.flag('help')) {
      term.out(`usage: brume ${command.synopsis} ${commonSynopsis}\n`);
      return 0;
    }
    const runner = command.prepare(args);
    const config = adminConfig({ server: args.string('server'), token: args.string('token') }, runtime.env);
    return await interruptible(runtime.signal, (signal) =>
      runner({ client: createClient(config, signal), term, json: args.flag('json'), pollMs: runtime.pollMs, signal }),
    );
  } catch (error) {
    if (error instanceof UsageError) {
      term.err(`${name}: ${error.message}\nusage: brume ${command.synopsis} ${commonSynopsis}\n`);
      return 2;
    }
    if (error instanceof Error && error.name === 'AbortError') {
      term.err(`${name}: interrupted\n`);
      return 130;
    }
    return reportFailure(name, toBrumeError(error), term);
  }
}

/** `brume <cmd>: <message> (<CODE>)`, and the exit code the error table gives that code. */
function reportFailure(name: string, failure: BrumeError, term: Terminal): number {
  term.err(`${name}: ${failure.message} (${failure.code})\n`);
  if (failure.code === 'INTERNAL' && failure.cause instanceof Error && failure.cause.stack !== undefined)
    term.err(`${failure.cause.stack}\n`);
  return failure.exitCode;
}

/**
 * Ctrl-C aborts the request or the watch in flight, so the bars are stopped and the cursor comes back. A caller that
 * brings its own signal (a test) keeps the process's SIGINT untouched.
 */
async function interruptible(
  given: AbortSignal | undefined,
  run: (signal: AbortSignal) => Promise<number>,
): Promise<number> {
  if (given !== undefined) return run(given);
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  process.once('SIGINT', abort);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', abort);
  }
}
