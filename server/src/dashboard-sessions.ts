import { randomBytes } from 'node:crypto';
import { tokenDigest } from './auth.ts';

/** Who is logged in to the web dashboard: the admin (the admin token), or a technician by their account. */
export type DashboardRole = 'admin' | 'technician';

export interface DashboardSession {
  role: DashboardRole;
  /** "admin", or the technician's name. */
  name: string;
  expiresAtMs: number;
  /**
   * The session's own bearer token for the API routes. It never leaves the server: the API's edge swaps a valid
   * session cookie for it (dashboard-auth.ts), so the routes keep their one way of authenticating.
   */
  bearer: string;
}

/** A working day on a wall screen or a technician's laptop; then log in again. */
export const DASHBOARD_SESSION_MS = 12 * 60 * 60 * 1000;

/**
 * Dashboard sessions, in memory: a server restart logs every dashboard out (they log in again; nothing else is lost).
 * Kept by the sha256 of the cookie's random id, so the map holds nothing a browser could present.
 */
export class DashboardSessions {
  readonly #sessions = new Map<string, DashboardSession>();
  /** sha256(bearer) hex → sha256(id) hex: auth.admin looks sessions up by the bearer it is shown. */
  readonly #byBearer = new Map<string, string>();
  readonly #closeListeners = new Map<string, Set<() => void>>();
  readonly #nowMs: () => number;
  readonly #ttlMs: number;

  constructor(nowMs: () => number, ttlMs = DASHBOARD_SESSION_MS) {
    this.#nowMs = nowMs;
    this.#ttlMs = ttlMs;
  }

  /** A new session; its id (256 random bits) goes into the cookie and is not kept. */
  open(role: DashboardRole, name: string): { id: string; session: DashboardSession } {
    this.#forgetExpired();
    const id = randomBytes(32).toString('base64url');
    const session: DashboardSession = {
      role,
      name,
      expiresAtMs: this.#nowMs() + this.#ttlMs,
      bearer: `bd_${randomBytes(32).toString('base64url')}`,
    };
    const key = keyOf(id);
    this.#sessions.set(key, session);
    this.#byBearer.set(keyOf(session.bearer), key);
    return { id, session };
  }

  /** The live session of a cookie's id; an expired one is closed on the way. */
  find(id: string | undefined): DashboardSession | undefined {
    if (id === undefined || id === '') return undefined;
    const key = keyOf(id);
    const session = this.#sessions.get(key);
    if (session === undefined) return undefined;
    if (session.expiresAtMs > this.#nowMs()) return session;
    this.#close(key);
    return undefined;
  }

  /** Whether a bearer token (as its sha256) is a live session's. */
  bearerIsLive(digest: Buffer): boolean {
    const key = this.#byBearer.get(digest.toString('hex'));
    if (key === undefined) return false;
    const session = this.#sessions.get(key);
    if (session !== undefined && session.expiresAtMs > this.#nowMs()) return true;
    this.#close(key);
    return false;
  }

  /** Logout; false when there was no such session. */
  close(id: string): boolean {
    return this.#close(keyOf(id));
  }

  /** Called once when the session ends by logout or is found expired (a live stream stops there). */
  onClose(id: string, listener: () => void): () => void {
    const key = keyOf(id);
    const listeners = this.#closeListeners.get(key) ?? new Set();
    listeners.add(listener);
    this.#closeListeners.set(key, listeners);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#closeListeners.get(key) === listeners) this.#closeListeners.delete(key);
    };
  }

  #close(key: string): boolean {
    const session = this.#sessions.get(key);
    if (session === undefined) return false;
    this.#sessions.delete(key);
    this.#byBearer.delete(keyOf(session.bearer));
    const listeners = this.#closeListeners.get(key);
    this.#closeListeners.delete(key);
    for (const listener of listeners ?? []) listener();
    return true;
  }

  #forgetExpired(): void {
    const now = this.#nowMs();
    for (const [key, session] of this.#sessions) if (session.expiresAtMs <= now) this.#close(key);
  }
}

const keyOf = (secret: string): string => tokenDigest(secret).toString('hex');
