import { BrumeError } from '@brume/protocol';

/**
 * Refused technician logins of the last minute, from any PC. A 6-digit PIN has a million values: at most
 * MAX_FAILURES guesses a minute makes trying them all take about a year, long after the PIN has expired. Counted for
 * the whole server, not per address: PCs share addresses behind NAT and an attacker can change theirs.
 */
export class LoginGuard {
  static readonly MAX_FAILURES = 10;
  static readonly WINDOW_MS = 60_000;
  readonly #failures: number[] = [];

  /** Throws TOO_MANY_ATTEMPTS while the last minute holds MAX_FAILURES refusals. */
  check(nowMs: number): void {
    this.#forget(nowMs);
    if (this.#failures.length >= LoginGuard.MAX_FAILURES) {
      const waitSeconds = Math.ceil(((this.#failures[0] ?? nowMs) + LoginGuard.WINDOW_MS - nowMs) / 1000);
      throw new BrumeError(
        'TOO_MANY_ATTEMPTS',
        `too many refused technician logins in the last minute: try again in ${waitSeconds} s`,
      );
    }
  }

  failed(nowMs: number): void {
    this.#forget(nowMs);
    this.#failures.push(nowMs);
  }

  #forget(nowMs: number): void {
    while (this.#failures.length > 0 && (this.#failures[0] ?? 0) <= nowMs - LoginGuard.WINDOW_MS)
      this.#failures.shift();
  }
}
