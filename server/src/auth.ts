import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BrumeError, type TaskState } from '@brume/protocol';
import type { TaskCredentials, TaskRepository } from './db/tasks.ts';
import { opensRoute } from './domain/task-kinds.ts';
import type { TechnicianRepository } from './db/technicians.ts';

/**
 * Bearer tokens (docs/api.md): the admin token, and one token per task valid only for its own task while it is
 * queued or running. Only sha256 digests are kept and compared, in constant time.
 */
export interface Auth {
  /** Admin routes: the admin token only. */
  admin(authorization: string | undefined): Promise<void>;
  /** Agent routes of task `taskId`: that task's token only; see TaskAccess for a task that has ended. */
  task(authorization: string | undefined, taskId: number, access?: TaskAccess): Promise<TaskCredentials>;
  /** An image's manifest and files: the admin token, or the token of an active deploy task of that image. */
  imageReader(authorization: string | undefined, image: string): Promise<void>;
  /**
   * The technician's routes at a PC: a session token from `POST /agent/tech-login` only. Never the admin token: it
   * must not be typed on a PC, and refusing it here keeps anyone from trying.
   */
  technician(authorization: string | undefined): Promise<string>;
  /** Whether a token typed into the web dashboard's login form is the admin token. */
  isAdminToken(token: string): boolean;
}

export interface TaskAccess {
  /** Ended states the route still serves (a repeated complete or fail returns the task). */
  allowEnded?: readonly TaskState[];
  /** Ended states answered with 409 TASK_STATE instead of 401. */
  conflictWhenEnded?: readonly TaskState[];
}

export const ACTIVE_STATES: readonly TaskState[] = ['queued', 'running'];
export const isActive = (state: TaskState): boolean => ACTIVE_STATES.includes(state);

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * A task token: `bt_` + 256 random bits in base64url; the server stores only its sha256 (hex). The prefix keeps a token
 * from starting with "-" (a command line would read it as an option) and tells a task token from the admin's at a glance.
 */
export function newTaskToken(): { token: string; tokenHash: string } {
  const token = `bt_${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: tokenDigest(token).toString('hex') };
}

export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(authorization ?? '');
  return match?.[1];
}

const sameDigest = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

const unauthorized = (message: string): BrumeError => new BrumeError('UNAUTHORIZED', message);
const forbidden = (message: string): BrumeError => new BrumeError('FORBIDDEN', message);
const ended = (task: TaskCredentials): BrumeError =>
  unauthorized(`task ${task.id} has ended (${task.state}): its token is no longer valid`);

/**
 * The web dashboard's sessions, as the auth layer sees them: a live session's server-side bearer (dashboard-sessions.ts)
 * is accepted wherever the admin token is; dashboard-auth.ts has already checked the role and CSRF for that request.
 */
export interface DashboardBearers {
  bearerIsLive(digest: Buffer): boolean;
}

export function createAuth(deps: {
  adminTokenHash: Buffer;
  tasks: TaskRepository;
  technicians: TechnicianRepository;
  now: () => string;
  dashboard?: DashboardBearers;
}): Auth {
  const { adminTokenHash, tasks, technicians, now } = deps;
  const isDashboard = (digest: Buffer): boolean => deps.dashboard?.bearerIsLive(digest) === true;

  const presented = (authorization: string | undefined): Buffer => {
    const token = bearerToken(authorization);
    if (token === undefined) throw unauthorized('this route needs an Authorization: Bearer <token> header');
    return tokenDigest(token);
  };
  const taskOf = async (digest: Buffer): Promise<TaskCredentials> => {
    const task = await tasks.credentialsByTokenHash(digest.toString('hex'));
    if (task === undefined) throw unauthorized('unknown token');
    return task;
  };

  return {
    admin: async (authorization) => {
      const digest = presented(authorization);
      if (sameDigest(digest, adminTokenHash) || isDashboard(digest)) return;
      const task = await taskOf(digest);
      throw forbidden(`this route needs the admin token; the token of task ${task.id} cannot use it`);
    },

    task: async (authorization, taskId, access = {}) => {
      const digest = presented(authorization);
      if (sameDigest(digest, adminTokenHash))
        throw forbidden(`this route takes the token of task ${taskId}, not the admin token`);
      const task = await tasks.credentialsById(taskId);
      if (task === undefined || !sameDigest(digest, Buffer.from(task.tokenHash, 'hex'))) {
        const owner = await taskOf(digest);
        if (!isActive(owner.state)) throw ended(owner);
        throw forbidden(`this token belongs to task ${owner.id}, not task ${taskId}`);
      }
      if (isActive(task.state) || access.allowEnded?.includes(task.state) === true) return task;
      if (access.conflictWhenEnded?.includes(task.state) === true)
        throw new BrumeError('TASK_STATE', `task ${task.id} is already ${task.state}`);
      throw ended(task);
    },

    imageReader: async (authorization, image) => {
      const digest = presented(authorization);
      if (sameDigest(digest, adminTokenHash) || isDashboard(digest)) return;
      const task = await taskOf(digest);
      if (!isActive(task.state)) throw ended(task);
      if (!opensRoute(task.kind, 'image-read') || task.image !== image) {
        throw forbidden(`the token of task ${task.id} (${task.kind} of ${task.image}) cannot read image ${image}`);
      }
    },

    technician: async (authorization) => {
      const digest = presented(authorization);
      if (sameDigest(digest, adminTokenHash))
        throw forbidden(
          'the admin token is not for PCs: log in as a technician (a PIN from `brume tech pin`, or an account)',
        );
      const name = await technicians.session(digest.toString('hex'), now());
      if (name !== undefined) return name;
      const task = await tasks.credentialsByTokenHash(digest.toString('hex'));
      if (task !== undefined) throw forbidden(`the token of task ${task.id} cannot be used as a technician's`);
      throw unauthorized('unknown or expired technician session: log in again');
    },

    isAdminToken: (token) => sameDigest(tokenDigest(token), adminTokenHash),
  };
}
