import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './output.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with the contract's error: an unknown or malformed flag is bad input (exit 2), named. */
export function parseFlags<O extends Options>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw usageError(`${flag} is required`);
  return value;
}

export function positiveInteger(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw usageError(`${flag} must be a positive integer, got "${value}"`);
  return parsed;
}
