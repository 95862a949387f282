import { setTimeout as delay } from 'node:timers/promises';
import { BrumeError } from '@brume/protocol';

/**
 * How the agent keeps trying a server that does not answer: exponential backoff with jitter (a room of PCs that lost
 * the server at the same moment must not come back in step), up to a deadline per request. Injectable for tests.
 */
export interface RetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  /** How long one request may keep failing before the agent gives up on the server. */
  deadlineMs: number;
  /** Uniform in [0, 1). */
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export const DEFAULT_RETRY_DEADLINE_MS = 10 * 60 * 1000;

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    firstDelayMs: 500,
    maxDelayMs: 15_000,
    deadlineMs: DEFAULT_RETRY_DEADLINE_MS,
    random: Math.random,
    sleep: (ms) => delay(ms),
    now: () => performance.now(),
    ...overrides,
  };
}

/** A failure that may pass if tried again: a 5xx answer, a body cut short. Network errors are recognised by code. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

// What undici and the socket layer call a connection that failed, broke or went silent.
const transientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (error instanceof BrumeError) return false;
  for (
    let current: unknown = error, depth = 0;
    current instanceof Error && depth < 5;
    current = current.cause, depth++
  ) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && transientCodes.has(code)) return true;
    // A connection refused on every address comes as an AggregateError whose parts carry the codes.
    if (current instanceof AggregateError && current.errors.some((part) => isTransient(part))) return true;
  }
  return false;
}

/** The wait before retry number `attempt` (0 for the first retry): doubling from firstDelayMs to maxDelayMs, half of it random. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + (ceiling / 2) * policy.random();
}

export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message =
    error.message !== ''
      ? error.message
      : error instanceof AggregateError
        ? error.errors.map((part) => describeFailure(part)).join('; ')
        : error.name;
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * Runs `attempt` until it succeeds, fails for good (anything not transient: a 4xx, a bad answer), or keeps failing past
 * the deadline: then SERVER_UNREACHABLE naming `target` and the last error.
 */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy, target: string): Promise<T> {
  const started = policy.now();
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransient(error)) throw error;
      const wait = backoffDelay(tries - 1, policy);
      const elapsed = policy.now() - started;
      if (elapsed + wait > policy.deadlineMs) {
        const last = describeFailure(error);
        throw new BrumeError(
          'SERVER_UNREACHABLE',
          `${target} could not be reached (${tries} ${tries === 1 ? 'attempt' : 'attempts'} over ${(elapsed / 1000).toFixed(1)} s); last error: ${last}`,
          {
            cause: error,
            detail: { url: target, attempts: tries, lastError: last },
          },
        );
      }
      await policy.sleep(wait);
    }
  }
}
