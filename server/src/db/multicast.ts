import type { DatabaseSync } from 'node:sqlite';
import type { MulticastFile, MulticastSettings, MulticastState, TaskState } from '@brume/protocol';

export interface MulticastRecord {
  id: number;
  image: string;
  state: MulticastState;
  settings: MulticastSettings;
  files: MulticastFile[];
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  error: string | null;
}
export type NewMulticast = Pick<MulticastRecord, 'image' | 'settings' | 'files' | 'createdAt'>;

/** A session's deploy task, as the session's view shows it. */
export interface MulticastMember {
  taskId: number;
  hostName: string;
  state: TaskState;
  /** The task's last phase event, as stored (JSON), or null. */
  phase: string | null;
}

export interface MulticastUpdate {
  state?: MulticastState;
  files?: MulticastFile[];
  startedAt?: string;
  endedAt?: string;
  error?: string;
}

export interface MulticastRepository {
  insert(session: NewMulticast): Promise<MulticastRecord>;
  byId(id: number): Promise<MulticastRecord | undefined>;
  list(limit: number): Promise<MulticastRecord[]>;
  /** Sessions still waiting or sending: their portbases are taken. */
  active(): Promise<MulticastRecord[]>;
  update(id: number, update: MulticastUpdate): Promise<void>;
  members(id: number): Promise<MulticastMember[]>;
}

interface MulticastRow {
  id: number;
  image: string;
  state: MulticastState;
  settings: string;
  files: string;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  error: string | null;
}

const toRecord = (row: MulticastRow): MulticastRecord => ({
  id: row.id,
  image: row.image,
  state: row.state,
  settings: JSON.parse(row.settings) as MulticastSettings,
  files: JSON.parse(row.files) as MulticastFile[],
  createdAt: row.created_at,
  startedAt: row.started_at,
  endedAt: row.ended_at,
  error: row.error,
});

export function sqliteMulticast(db: DatabaseSync): MulticastRepository {
  const insert = db.prepare(
    `INSERT INTO multicast_sessions (image, state, settings, files, created_at) VALUES (?, 'waiting', ?, ?, ?)`,
  );
  const byId = db.prepare('SELECT * FROM multicast_sessions WHERE id = ?');
  const list = db.prepare('SELECT * FROM multicast_sessions ORDER BY id DESC LIMIT ?');
  const active = db.prepare(`SELECT * FROM multicast_sessions WHERE state IN ('waiting', 'sending') ORDER BY id`);
  const update =
    db.prepare(`UPDATE multicast_sessions SET state = coalesce($state, state), files = coalesce($files, files),
    started_at = coalesce(started_at, $startedAt), ended_at = coalesce($endedAt, ended_at), error = coalesce($error, error) WHERE id = $id`);
  const members = db.prepare(`SELECT id AS taskId, host_name AS hostName, state, phase FROM tasks
    WHERE json_extract(params, '$.multicast') = ? ORDER BY host_name`);
  const record = (row: unknown): MulticastRecord | undefined =>
    row === undefined ? undefined : toRecord(row as MulticastRow);
  return {
    insert: async (session) => {
      const id = Number(
        insert.run(session.image, JSON.stringify(session.settings), JSON.stringify(session.files), session.createdAt)
          .lastInsertRowid,
      );
      return record(byId.get(id)) as MulticastRecord;
    },
    byId: async (id) => record(byId.get(id)),
    list: async (limit) => list.all(limit).map((row) => toRecord(row as unknown as MulticastRow)),
    active: async () => active.all().map((row) => toRecord(row as unknown as MulticastRow)),
    update: async (id, change) => {
      update.run({
        id,
        state: change.state ?? null,
        files: change.files === undefined ? null : JSON.stringify(change.files),
        startedAt: change.startedAt ?? null,
        endedAt: change.endedAt ?? null,
        error: change.error ?? null,
      });
    },
    members: async (id) => members.all(id) as unknown as MulticastMember[],
  };
}
