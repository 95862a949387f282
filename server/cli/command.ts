import type { Args, FlagSpecs } from './args.ts';
import type { AdminClient } from './client.ts';
import type { Terminal } from './output.ts';

/** What a command needs once its line is parsed: the server, the terminal, and the caller's wishes. */
export interface CommandContext {
  readonly client: AdminClient;
  readonly term: Terminal;
  readonly json: boolean;
  /** `task watch` polls at this interval (1 s for people; tests go faster). */
  readonly pollMs: number;
  readonly signal: AbortSignal | undefined;
}

/** Runs the command; resolves to the exit code of the contract (0 ok, 1 the job failed, 2 bad input). */
export type Runner = (context: CommandContext) => Promise<number>;

/**
 * One admin command. `prepare` checks the line before anything else happens (no server is needed to learn that a flag
 * is missing) and returns the runner.
 */
export interface Command {
  readonly synopsis: string;
  readonly flags: FlagSpecs;
  prepare(args: Args): Runner;
}
