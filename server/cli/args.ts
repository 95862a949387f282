import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { BrumeError } from '@brume/protocol';

export type FlagSpecs = NonNullable<ParseArgsConfig['options']>;

/** Bad input on the command line: main prints it with the usage, and exits 2 (nothing was asked of the server). */
export class UsageError extends BrumeError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

/** One command's parsed line: positionals, plus typed readers over its flags. */
export interface Args {
  readonly positionals: readonly string[];
  string(name: string): string | undefined;
  strings(name: string): string[];
  flag(name: string): boolean;
}

/** The flags every admin command takes: where the server is, and how to print. */
export const commonFlags = {
  server: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies FlagSpecs;

/** parseArgs with the contract's error: an unknown or malformed flag is bad input (exit 2), named. */
export function parseCommandLine(argv: readonly string[], specs: FlagSpecs): Args {
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...commonFlags, ...specs },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  return Object.freeze({
    positionals: Object.freeze(positionals),
    string: (name: string) => {
      const value = values[name];
      return typeof value === 'string' ? value : undefined;
    },
    strings: (name: string) => {
      const value = values[name];
      if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
      return typeof value === 'string' ? [value] : [];
    },
    flag: (name: string) => values[name] === true,
  });
}

export function requiredFlag(args: Args, name: string): string {
  const value = args.string(name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** The one positional a command names (`NAME`, `ID`): missing or extra ones are bad input. */
export function positional(args: Args, name: string): string {
  const [value, extra] = args.positionals;
  if (value === undefined) throw new UsageError(`missing ${name}`);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  return value;
}

export function noPositionals(args: Args): void {
  const [extra] = args.positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
}

export function taskId(text: string): number {
  const id = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(id) || id <= 0)
    throw new UsageError(`a task id is a positive integer, got "${text}"`);
  return id;
}

/**
 * The request body checked with its protocol schema before it is sent, so a typo is named by its flag and nothing
 * reaches the server. `labels` maps a body field to the flag or argument the user typed ('' names a lone value).
 */
export function checkedInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  labels: Readonly<Record<string, string>>,
): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const messages = parsed.error.issues.map((issue) => {
    const [field] = issue.path;
    const label = typeof field === 'string' ? (labels[field] ?? field) : (labels[''] ?? 'input');
    return `${label}: ${issue.message}`;
  });
  throw new UsageError(messages.join('; '));
}

/** A flag holding a whole number, or undefined when absent; anything else is bad input naming the flag. */
export function wholeNumber(args: Args, flag: string): number | undefined {
  const value = args.string(flag);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag}: a whole number is required, not "${value}"`);
  return Number(value);
}
