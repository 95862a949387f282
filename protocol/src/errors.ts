/**
 * Every error Brume can report, with its HTTP status (server), exit code (CLI) and whether retrying may help.
 * Exit codes follow the command-line contract: 1 the job failed, 2 bad input and nothing was changed.
 * docs/errors.md documents each code; a unit test keeps the two in step.
 */
export const errorTable = {
  BAD_REQUEST: { http: 400, exit: 2, retryable: false },
  DEVICE_NOT_FOUND: { http: 404, exit: 2, retryable: false },
  NOT_A_DISK: { http: 400, exit: 2, retryable: false },
  DEVICE_BUSY: { http: 409, exit: 2, retryable: false },
  CONFIRMATION_REQUIRED: { http: 409, exit: 2, retryable: false },
  IMAGE_NOT_FOUND: { http: 404, exit: 2, retryable: false },
  IMAGE_EXISTS: { http: 409, exit: 2, retryable: false },
  MANIFEST_INVALID: { http: 400, exit: 2, retryable: false },
  FORMAT_UNSUPPORTED: { http: 400, exit: 2, retryable: false },
  IMAGE_TRUNCATED: { http: 400, exit: 2, retryable: false },
  DISK_TOO_SMALL: { http: 409, exit: 2, retryable: false },
  SECTOR_SIZE_MISMATCH: { http: 409, exit: 2, retryable: false },
  STAGING_TOO_SMALL: { http: 409, exit: 2, retryable: false },
  CHUNK_CORRUPT: { http: 422, exit: 1, retryable: true },
  TOOL_FAILED: { http: 500, exit: 1, retryable: true },
  NOT_FOUND: { http: 404, exit: 2, retryable: false },
  UNAUTHORIZED: { http: 401, exit: 2, retryable: false },
  FORBIDDEN: { http: 403, exit: 2, retryable: false },
  PAYLOAD_TOO_LARGE: { http: 413, exit: 2, retryable: false },
  HOST_NOT_FOUND: { http: 404, exit: 2, retryable: false },
  HOST_EXISTS: { http: 409, exit: 2, retryable: false },
  TASK_NOT_FOUND: { http: 404, exit: 2, retryable: false },
  TASK_STATE: { http: 409, exit: 2, retryable: false },
  TASK_CANCELLED: { http: 409, exit: 1, retryable: false },
  UPLOAD_INCOMPLETE: { http: 409, exit: 1, retryable: true },
  CHUNK_CONFLICT: { http: 409, exit: 1, retryable: false },
  SERVER_UNREACHABLE: { http: 503, exit: 1, retryable: true },
  BOOT_FILES_MISSING: { http: 404, exit: 1, retryable: false },
  TECH_LOGIN_FAILED: { http: 401, exit: 2, retryable: false },
  TOO_MANY_ATTEMPTS: { http: 429, exit: 1, retryable: false },
  TECH_EXISTS: { http: 409, exit: 2, retryable: false },
  TECH_NOT_FOUND: { http: 404, exit: 2, retryable: false },
  AGENT_CRASHED: { http: 500, exit: 1, retryable: false },
  AGENT_SILENT: { http: 504, exit: 1, retryable: true },
  STEP_ORDER: { http: 409, exit: 2, retryable: false },
  GROUP_NOT_FOUND: { http: 404, exit: 2, retryable: false },
  SCHEDULE_NOT_FOUND: { http: 404, exit: 2, retryable: false },
  SCHEDULE_STATE: { http: 409, exit: 2, retryable: false },
  DISK_REMOVABLE: { http: 409, exit: 2, retryable: false },
  DISK_READ_ONLY: { http: 409, exit: 2, retryable: false },
  SECURE_ERASE_UNSUPPORTED: { http: 409, exit: 2, retryable: false },
  SECURE_ERASE_BLOCKED: { http: 409, exit: 2, retryable: false },
  SECURE_ERASE_FAILED: { http: 500, exit: 1, retryable: false },
  WIPE_NOT_ZERO: { http: 500, exit: 1, retryable: false },
  RECOVER_DESTINATION_ON_SOURCE: { http: 409, exit: 2, retryable: false },
  STORAGE_FULL: { http: 507, exit: 1, retryable: false },
  NO_SIGNATURES: { http: 409, exit: 2, retryable: false },
  INTERNAL: { http: 500, exit: 1, retryable: false },
} as const satisfies Record<string, { http: number; exit: 1 | 2; retryable: boolean }>;

export type ErrorCode = keyof typeof errorTable;

export const errorCodes = Object.keys(errorTable) as ErrorCode[];
