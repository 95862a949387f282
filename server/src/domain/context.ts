import type { Database } from '../db/database.ts';
import type { ImageStore } from '../store/image-store.ts';
import type { KeyedLock } from './keyed-lock.ts';
import type { LoginGuard } from './login-guard.ts';
import type { TaskFeed } from './task-feed.ts';
import type { UploadsInFlight } from './uploads-in-flight.ts';

/** What domain functions work with; built once per server by buildApp. */
export interface DomainContext {
  db: Database;
  store: ImageStore;
  locks: KeyedLock;
  /** Chunk bodies being received, so cancel, commit and discard abort them instead of waiting (uploads-in-flight.ts). */
  uploads: UploadsInFlight;
  /** Refused technician logins of the last minute, and the bound on password hashes (login-guard.ts). */
  loginGuard: LoginGuard;
  /** The server's secret PINs are stored under (an HMAC key, DATA/pin.secret). */
  pinSecret: Buffer;
  /** Told when a technician's account is deleted: their dashboard sessions end at once. */
  onTechnicianGone?: (name: string) => void;
  /** The current time as an ISO timestamp (tests may fix it). */
  now: () => string;
  /** Where task changes are announced to the web dashboard (task-feed.ts); absent, nobody listens. */
  feed?: TaskFeed;
}

/** Lock keys: a task's upload (chunks shared, commit and discard alone), one chunk, an image name, registrations. */
export const lockKeys = {
  upload: (taskId: number): string => `upload:${taskId}`,
  chunk: (taskId: number, file: string, index: number): string => `chunk:${taskId}:${file}:${index}`,
  image: (name: string): string => `image:${name}`,
  registration: 'registration',
  batch: 'batch',
};
