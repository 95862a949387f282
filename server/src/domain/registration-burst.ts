import { BrumeError } from '@brume/protocol';

/**
 * New hosts made by anonymous registrations, in the last minute. A room boots together (forty PCs in a minute is
 * normal), so the limit is well above a room; past it the MACs are a flood (a script inventing hosts), refused with
 * TOO_MANY_REGISTRATIONS, and `alert` is told once per minute so the log says so.
 */
export class RegistrationBurst {
  static readonly MAX_NEW_HOSTS = 100;
  static readonly WINDOW_MS = 60_000;
  readonly #made: number[] = [];
  #alertedAtMs = Number.NEGATIVE_INFINITY;
  readonly #nowMs: () => number;
  readonly #alert: (refusedInWindow: number) => void;
  #refused = 0;

  constructor(nowMs: () => number, alert: (refusedInWindow: number) => void) {
    this.#nowMs = nowMs;
    this.#alert = alert;
  }

  /** Counts one new host, or throws TOO_MANY_REGISTRATIONS when the last minute holds MAX_NEW_HOSTS already. */
  admit(): void {
    const now = this.#nowMs();
    while (this.#made.length > 0 && (this.#made[0] ?? 0) <= now - RegistrationBurst.WINDOW_MS) this.#made.shift();
    if (this.#made.length < RegistrationBurst.MAX_NEW_HOSTS) {
      this.#made.push(now);
      return;
    }
    this.#refused += 1;
    if (now - this.#alertedAtMs >= RegistrationBurst.WINDOW_MS) {
      this.#alertedAtMs = now;
      this.#alert(this.#refused);
      this.#refused = 0;
    }
    throw new BrumeError(
      'TOO_MANY_REGISTRATIONS',
      `more than ${RegistrationBurst.MAX_NEW_HOSTS} unknown PCs registered in the last minute: try again in a minute, or add the host with brume host add`,
    );
  }
}
