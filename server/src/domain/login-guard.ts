import { BrumeError } from '@brume/protocol';

/** What one login attempt is counted against: its source address always, and the account name or "a PIN" when given. */
export interface LoginKeys {
  source: string;
  account?: string;
  pin?: boolean;
  /** The admin token typed into the dashboard: counted apart, so PIN guesses never keep the admin out. */
  adminToken?: boolean;
}

/** A counted attempt: forgotten again when the login succeeds, so only refusals fill the windows. */
export interface LoginAttempt {
  succeeded(): void;
}

/**
 * The login limit. An attempt is counted when it arrives, before any hashing, so a burst of concurrent guesses sees
 * its own count (counting after the hash let 60 concurrent guesses through). Windows are per source address (ten
 * refusals a minute: one PC's typos never keep the room out), per account name (a password guessed from many
 * addresses), and, for PINs, a server-wide ceiling high enough that only many addresses together reach it: at most
 * PIN_CEILING guesses a minute makes a sweep of the million PINs take more than two days, long after a PIN expires.
 * Password hashes run at most MAX_CONCURRENT_HASHES at a time: scrypt at our cost takes 128 MiB and a thread of
 * libuv's pool of four, and a flood beyond that is answered 429 at once instead of starving file reads.
 */
export class LoginGuard {
  static readonly MAX_FAILURES = 10;
  static readonly PIN_CEILING = 300;
  static readonly WINDOW_MS = 60_000;
  static readonly MAX_CONCURRENT_HASHES = 2;
  readonly #windows = new Map<string, number[]>();
  #hashing = 0;

  /** Counts the attempt against each of its keys, or throws TOO_MANY_ATTEMPTS (nothing counted) when one is full. */
  attempt(keys: LoginKeys, nowMs: number): LoginAttempt {
    const counted = windowKeys(keys);
    for (const { key, limit } of counted) {
      const window = this.#window(key, nowMs);
      if (window.length >= limit) {
        const waitSeconds = Math.ceil(((window[0] ?? nowMs) + LoginGuard.WINDOW_MS - nowMs) / 1000);
        throw new BrumeError(
          'TOO_MANY_ATTEMPTS',
          `too many refused logins in the last minute: try again in ${waitSeconds} s`,
        );
      }
    }
    for (const { key } of counted) this.#window(key, nowMs).push(nowMs);
    return {
      succeeded: () => {
        for (const { key } of counted) {
          const window = this.#windows.get(key);
          const at = window?.lastIndexOf(nowMs) ?? -1;
          if (window !== undefined && at >= 0) window.splice(at, 1);
        }
      },
    };
  }

  /** Runs one password hash, or throws TOO_MANY_ATTEMPTS when MAX_CONCURRENT_HASHES are running already. */
  async hashing<T>(work: () => Promise<T>): Promise<T> {
    if (this.#hashing >= LoginGuard.MAX_CONCURRENT_HASHES)
      throw new BrumeError('TOO_MANY_ATTEMPTS', 'too many logins at once: try again in a few seconds');
    this.#hashing += 1;
    try {
      return await work();
    } finally {
      this.#hashing -= 1;
    }
  }

  /** How many password hashes are running now (for tests and /metrics). */
  get hashesRunning(): number {
    return this.#hashing;
  }

  #window(key: string, nowMs: number): number[] {
    let window = this.#windows.get(key);
    if (window === undefined) {
      window = [];
      this.#windows.set(key, window);
    }
    while (window.length > 0 && (window[0] ?? 0) <= nowMs - LoginGuard.WINDOW_MS) window.shift();
    // An address that has been quiet for a minute holds nothing: its entry goes, so the map cannot grow without bound.
    if (window.length === 0) this.#forgetQuiet(nowMs, key);
    return window;
  }

  #forgetQuiet(nowMs: number, keep: string): void {
    if (this.#windows.size < 10_000) return;
    for (const [key, window] of this.#windows)
      if (key !== keep && (window.at(-1) ?? 0) <= nowMs - LoginGuard.WINDOW_MS) this.#windows.delete(key);
  }
}

function windowKeys(keys: LoginKeys): { key: string; limit: number }[] {
  const kind = keys.adminToken === true ? 'admin-token' : 'login';
  const counted = [{ key: `${kind}:source:${keys.source}`, limit: LoginGuard.MAX_FAILURES }];
  if (keys.account !== undefined)
    counted.push({ key: `login:account:${keys.account}`, limit: LoginGuard.MAX_FAILURES });
  if (keys.pin === true) counted.push({ key: 'login:pins', limit: LoginGuard.PIN_CEILING });
  return counted;
}
