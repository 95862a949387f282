import { BrumeError, type ErrorCode } from '@brume/protocol';

/** Why a wipe stops; callers and tests read `detail.reason`, never the message. */
export type WipeRefusal = 'removable' | 'read-only' | 'no-medium' | 'secure-unsupported' | 'secure-blocked' | 'secure-failed' | 'not-zero';

/**
 * The error code of each refusal. Until protocol/ has codes of their own (DISK_REMOVABLE, DISK_READ_ONLY,
 * SECURE_ERASE_UNSUPPORTED, SECURE_ERASE_BLOCKED, SECURE_ERASE_FAILED, WIPE_NOT_ZERO), the nearest existing ones stand in;
 * this table is the one place to change.
 */
const CODES: Record<WipeRefusal, ErrorCode> = {
  removable: 'CONFIRMATION_REQUIRED',
  'read-only': 'BAD_REQUEST',
  'no-medium': 'DEVICE_NOT_FOUND',
  'secure-unsupported': 'BAD_REQUEST',
  'secure-blocked': 'BAD_REQUEST',
  'secure-failed': 'TOOL_FAILED',
  'not-zero': 'TOOL_FAILED',
};

export function wipeError(reason: WipeRefusal, message: string, detail: Record<string, unknown> = {}, cause?: unknown): BrumeError {
  return new BrumeError(CODES[reason], message, { detail: { reason, ...detail }, ...(cause === undefined ? {} : { cause }) });
}
