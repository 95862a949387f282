import { errorTable, type ErrorCode } from './errors.ts';

export class BrumeError extends Error {
  override readonly name = 'BrumeError';
  readonly code: ErrorCode;
  readonly detail?: unknown;

  constructor(code: ErrorCode, message: string, options: { detail?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.detail !== undefined) this.detail = options.detail;
  }

  get exitCode(): 1 | 2 {
    return errorTable[this.code].exit;
  }

  toJSON(): { code: ErrorCode; message: string; detail?: unknown } {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

/** Anything thrown that is not already a BrumeError becomes INTERNAL, keeping the original as cause. */
export function toBrumeError(error: unknown): BrumeError {
  if (error instanceof BrumeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BrumeError('INTERNAL', message, { cause: error });
}
