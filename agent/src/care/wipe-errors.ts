import { BrumeError, type ErrorCode } from '@brume/protocol';

/** Why a wipe stops; callers and tests read `detail.reason`, never the message. */
export type WipeRefusal =
  'removable' | 'read-only' | 'no-medium' | 'secure-unsupported' | 'secure-blocked' | 'secure-failed' | 'not-zero';

/** The error code of each refusal (docs/errors.md says what a technician does about each). */
const CODES: Record<WipeRefusal, ErrorCode> = {
  removable: 'DISK_REMOVABLE',
  'read-only': 'DISK_READ_ONLY',
  'no-medium': 'DEVICE_NOT_FOUND',
  'secure-unsupported': 'SECURE_ERASE_UNSUPPORTED',
  'secure-blocked': 'SECURE_ERASE_BLOCKED',
  'secure-failed': 'SECURE_ERASE_FAILED',
  'not-zero': 'WIPE_NOT_ZERO',
};

export function wipeError(
  reason: WipeRefusal,
  message: string,
  detail: Record<string, unknown> = {},
  cause?: unknown,
): BrumeError {
  return new BrumeError(CODES[reason], message, {
    detail: { reason, ...detail },
    ...(cause === undefined ? {} : { cause }),
  });
}
