import type { DatabaseSync } from 'node:sqlite';
import {
  BrumeError,
  isTaskKind,
  type Event,
  type StopReport,
  type TaskError,
  type TaskKind,
  type TaskState,
} from '@brume/protocol';
import { parseJsonColumn, transaction } from './sqlite.ts';

export interface TaskRecord {
  id: number;
  kind: TaskKind;
  hostId: number;
  hostName: string;
  image: string | null;
  disk: string | null;
  state: TaskState;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  progress: Event | null;
  phase: Event | null;
  error: TaskError | null;
  result: Record<string, unknown> | null;
  logFiles: string[];
  debug: boolean;
  params: Record<string, unknown>;
  batch: number | null;
  /** When the agent last posted events; null before its first post. */
  heardAt: string | null;
  /** When a technician asked to stop the task while it ran; null if nobody did. */
  cancelRequestedAt: string | null;
  /** What its agent had done when a cancel stopped it; null otherwise. */
  stopped: StopReport | null;
}
export type NewTask = Pick<
  TaskRecord,
  'kind' | 'hostId' | 'hostName' | 'image' | 'disk' | 'createdAt' | 'debug' | 'params' | 'batch'
> & { tokenHash: string };

/** What authentication needs, read by one indexed SELECT (the events route runs it 1000 times a second). */
export interface TaskCredentials {
  id: number;
  kind: TaskKind;
  image: string | null;
  state: TaskState;
  tokenHash: string;
  cancelRequestedAt: string | null;
}

export interface TaskFilter {
  state?: TaskState | undefined;
  host?: string | undefined;
  batch?: number | undefined;
  kind?: TaskKind | undefined;
  /** Created at or after this ISO timestamp. */
  since?: string | undefined;
  limit: number;
}

export interface TaskEnding {
  state: 'done' | 'failed' | 'cancelled';
  at: string;
  error?: TaskError | undefined;
  result?: Record<string, unknown> | undefined;
  stopped?: StopReport | undefined;
}

export interface TaskRepository {
  insert(task: NewTask): Promise<TaskRecord>;
  byId(id: number): Promise<TaskRecord | undefined>;
  credentialsById(id: number): Promise<TaskCredentials | undefined>;
  credentialsByTokenHash(tokenHash: string): Promise<TaskCredentials | undefined>;
  list(filter: TaskFilter): Promise<TaskRecord[]>;
  /** A batch number no task has yet (the caller holds the batch lock). */
  nextBatch(): Promise<number>;
  /** Queued or running tasks naming this image, of one kind. */
  activeForImage(image: string, kind: TaskKind): Promise<TaskCredentials[]>;
  activeHostTasks(hostId: number): Promise<number>;
  /** The host's oldest queued task: the one its next network boot runs. */
  oldestQueuedForHost(hostId: number): Promise<TaskRecord | undefined>;
  /** Replaces the token of a still queued task (the old one stops working); false if it is no longer queued. */
  replaceToken(id: number, tokenHash: string): Promise<boolean>;
  /**
   * Moves queued → running on the first event; keeps the last progress and phase events. Undefined if the task ended,
   * else whether its cancel was requested (the answer the agent gets).
   */
  recordEvents(
    id: number,
    update: { at: string; progress: Event | undefined; phase: Event | undefined },
  ): Promise<{ cancelRequested: boolean } | undefined>;
  /** Records a cancel request on a running task (the first one counts); false if it is not running. */
  requestCancel(id: number, at: string): Promise<boolean>;
  /** Running tasks whose cancel was requested before this ISO timestamp: their agents never confirmed. */
  cancelUnconfirmedSince(before: string): Promise<TaskRecord[]>;
  /** Ends an active task; false if it had already ended (nothing changed). */
  end(id: number, ending: TaskEnding): Promise<boolean>;
  /** Running tasks (not debug ones) whose agent was last heard from (or started) before this ISO timestamp. */
  silentSince(before: string): Promise<TaskRecord[]>;
  /** Fails a running task only if it is still silent since `before` (an agent that spoke meanwhile keeps its task). */
  failSilent(id: number, before: string, ending: { at: string; error: TaskError }): Promise<boolean>;
  /** Deletes the tasks that ended before this ISO timestamp, with their logs; never an active one. */
  pruneEnded(before: string): Promise<{ ids: number[]; logFiles: number }>;
}

interface TaskRow {
  id: number;
  kind: string;
  host_id: number;
  host_name: string;
  image: string | null;
  disk: string | null;
  state: TaskState;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  progress: string | null;
  phase: string | null;
  error: string | null;
  result: string | null;
  log_files: string;
  debug: number;
  params: string;
  batch: number | null;
  heard_at: string | null;
  cancel_requested_at: string | null;
  stopped: string | null;
}

const selectTask = `SELECT t.id, t.kind, t.host_id, t.host_name, t.image, t.disk, t.state, t.created_at, t.started_at, t.ended_at,
  t.progress, t.phase, t.error, t.result, t.debug, t.params, t.batch, t.heard_at, t.cancel_requested_at, t.stopped,
  (SELECT json_group_array(name) FROM (SELECT name FROM task_logs WHERE task_id = t.id ORDER BY name)) AS log_files
  FROM tasks t`;
const selectCredentials =
  'SELECT id, kind, image, state, token_hash AS tokenHash, cancel_requested_at AS cancelRequestedAt FROM tasks';
const ACTIVE = `('queued', 'running')`;

/**
 * The kind of a stored task, which this server must know: a row another Brume wrote (a newer one, or one with a kind
 * since removed) is bad input to the request that reads it, never a crash.
 */
function knownKind(id: number, kind: string): TaskKind {
  if (isTaskKind(kind)) return kind;
  throw new BrumeError(
    'BAD_REQUEST',
    `task ${id} is of kind "${kind}", which this server does not know (made by another Brume version?)`,
    { detail: { id, kind } },
  );
}

const toCredentials = (row: unknown): TaskCredentials | undefined => {
  if (row === undefined) return undefined;
  const credentials = row as Omit<TaskCredentials, 'kind'> & { kind: string };
  return { ...credentials, kind: knownKind(credentials.id, credentials.kind) };
};

function toRecord(row: TaskRow): TaskRecord {
  return {
    id: row.id,
    kind: knownKind(row.id, row.kind),
    hostId: row.host_id,
    hostName: row.host_name,
    image: row.image,
    disk: row.disk,
    state: row.state,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    progress: parseJsonColumn<Event>(row.progress),
    phase: parseJsonColumn<Event>(row.phase),
    error: parseJsonColumn<TaskError>(row.error),
    result: parseJsonColumn<Record<string, unknown>>(row.result),
    logFiles: JSON.parse(row.log_files) as string[],
    debug: row.debug === 1,
    params: JSON.parse(row.params) as Record<string, unknown>,
    batch: row.batch,
    heardAt: row.heard_at,
    cancelRequestedAt: row.cancel_requested_at,
    stopped: parseJsonColumn<StopReport>(row.stopped),
  };
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

export function sqliteTasks(db: DatabaseSync): TaskRepository {
  const insert =
    db.prepare(`INSERT INTO tasks (kind, host_id, host_name, image, disk, state, token_hash, created_at, debug, params, batch)
    VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`);
  const nextBatch = db.prepare('SELECT coalesce(max(batch), 0) + 1 AS batch FROM tasks');
  const byId = db.prepare(`${selectTask} WHERE t.id = ?`);
  const credentialsById = db.prepare(`${selectCredentials} WHERE id = ?`);
  const credentialsByHash = db.prepare(`${selectCredentials} WHERE token_hash = ?`);
  const list =
    db.prepare(`${selectTask} WHERE ($state IS NULL OR t.state = $state) AND ($host IS NULL OR t.host_name = $host) AND ($batch IS NULL OR t.batch = $batch)
    AND ($kind IS NULL OR t.kind = $kind) AND ($since IS NULL OR t.created_at >= $since)
    ORDER BY t.id DESC LIMIT $limit`);
  const activeForImage = db.prepare(
    `${selectCredentials} WHERE image = ? AND kind = ? AND state IN ${ACTIVE} ORDER BY id`,
  );
  const activeHostTasks = db.prepare(`SELECT count(*) AS n FROM tasks WHERE host_id = ? AND state IN ${ACTIVE}`);
  const oldestQueuedForHost = db.prepare(
    `${selectTask} WHERE t.host_id = ? AND t.state = 'queued' ORDER BY t.id LIMIT 1`,
  );
  const replaceToken = db.prepare(`UPDATE tasks SET token_hash = ? WHERE id = ? AND state = 'queued'`);
  const recordEvents =
    db.prepare(`UPDATE tasks SET state = 'running', started_at = coalesce(started_at, $at), heard_at = $at,
    progress = coalesce($progress, progress), phase = coalesce($phase, phase)
    WHERE id = $id AND state IN ${ACTIVE} RETURNING cancel_requested_at`);
  const requestCancel = db.prepare(
    `UPDATE tasks SET cancel_requested_at = coalesce(cancel_requested_at, ?) WHERE id = ? AND state = 'running'`,
  );
  const cancelUnconfirmedSince = db.prepare(
    `${selectTask} WHERE t.state = 'running' AND t.cancel_requested_at < ? ORDER BY t.id`,
  );
  const end = db.prepare(`UPDATE tasks SET state = $state, ended_at = $at, started_at = coalesce(started_at, $at),
    error = $error, result = $result, stopped = $stopped WHERE id = $id AND state IN ${ACTIVE}`);
  const silentSince = db.prepare(
    `${selectTask} WHERE t.state = 'running' AND t.debug = 0 AND coalesce(t.heard_at, t.started_at) < ? ORDER BY t.id`,
  );
  const failSilent = db.prepare(`UPDATE tasks SET state = 'failed', ended_at = $at, error = $error
    WHERE id = $id AND state = 'running' AND coalesce(heard_at, started_at) < $before`);
  const endedBefore = db.prepare(`SELECT id FROM tasks WHERE ended_at < ? AND state NOT IN ${ACTIVE} ORDER BY id`);
  const logsOfEndedBefore = db.prepare(
    `SELECT count(*) AS n FROM task_logs WHERE task_id IN (SELECT id FROM tasks WHERE ended_at < ? AND state NOT IN ${ACTIVE})`,
  );
  // task_logs and upload_chunks go with their task (ON DELETE CASCADE); an image keeps its bytes, its task_id is nulled.
  const deleteEndedBefore = db.prepare(`DELETE FROM tasks WHERE ended_at < ? AND state NOT IN ${ACTIVE}`);

  const record = (row: unknown): TaskRecord | undefined => (row === undefined ? undefined : toRecord(row as TaskRow));
  return {
    insert: async (task) => {
      const id = Number(
        insert.run(
          task.kind,
          task.hostId,
          task.hostName,
          task.image,
          task.disk,
          task.tokenHash,
          task.createdAt,
          task.debug ? 1 : 0,
          JSON.stringify(task.params),
          task.batch,
        ).lastInsertRowid,
      );
      return record(byId.get(id)) as TaskRecord;
    },
    byId: async (id) => record(byId.get(id)),
    credentialsById: async (id) => toCredentials(credentialsById.get(id)),
    credentialsByTokenHash: async (tokenHash) => toCredentials(credentialsByHash.get(tokenHash)),
    list: async (filter) =>
      list
        .all({
          state: filter.state ?? null,
          host: filter.host ?? null,
          batch: filter.batch ?? null,
          kind: filter.kind ?? null,
          since: filter.since ?? null,
          limit: filter.limit,
        })
        .map((row) => toRecord(row as unknown as TaskRow)),
    nextBatch: async () => (nextBatch.get() as { batch: number }).batch,
    activeForImage: async (image, kind) =>
      activeForImage.all(image, kind).map((row) => toCredentials(row) as TaskCredentials),
    activeHostTasks: async (hostId) => (activeHostTasks.get(hostId) as { n: number }).n,
    oldestQueuedForHost: async (hostId) => record(oldestQueuedForHost.get(hostId)),
    replaceToken: async (id, tokenHash) => replaceToken.run(tokenHash, id).changes > 0,
    recordEvents: async (id, update) => {
      const row = recordEvents.get({
        id,
        at: update.at,
        progress: json(update.progress),
        phase: json(update.phase),
      }) as { cancel_requested_at: string | null } | undefined;
      return row === undefined ? undefined : { cancelRequested: row.cancel_requested_at !== null };
    },
    requestCancel: async (id, at) => requestCancel.run(at, id).changes > 0,
    cancelUnconfirmedSince: async (before) =>
      cancelUnconfirmedSince.all(before).map((row) => toRecord(row as unknown as TaskRow)),
    end: async (id, ending) =>
      end.run({
        id,
        state: ending.state,
        at: ending.at,
        error: json(ending.error),
        result: json(ending.result),
        stopped: json(ending.stopped),
      }).changes > 0,
    silentSince: async (before) => silentSince.all(before).map((row) => toRecord(row as unknown as TaskRow)),
    failSilent: async (id, before, ending) =>
      failSilent.run({ id, before, at: ending.at, error: JSON.stringify(ending.error) }).changes > 0,
    pruneEnded: async (before) =>
      transaction(db, () => {
        const ids = endedBefore.all(before).map((row) => (row as { id: number }).id);
        const logFiles = (logsOfEndedBefore.get(before) as { n: number }).n;
        deleteEndedBefore.run(before);
        return { ids, logFiles };
      }),
  };
}
