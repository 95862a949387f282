import type { DatabaseSync } from 'node:sqlite';

/** A chunk of a capture's upload the server holds: its bytes are in the staged file and matched their sha256. */
export interface HeldChunkRecord {
  file: string;
  index: number;
  offset: number;
  bytes: number;
  sha256: string;
}

export interface UploadRepository {
  held(taskId: number, file: string, index: number): Promise<HeldChunkRecord | undefined>;
  /** Every chunk held for a task, by file then index. */
  list(taskId: number): Promise<HeldChunkRecord[]>;
  /** The held chunks of one file, by offset: a new chunk may not overlap them. */
  listFile(taskId: number, file: string): Promise<HeldChunkRecord[]>;
  record(taskId: number, chunk: HeldChunkRecord): Promise<void>;
  forget(taskId: number, file: string, index: number): Promise<void>;
  forgetTask(taskId: number): Promise<void>;
  /** Tasks that hold chunks: the startup sweep compares them with the staged directories. */
  taskIds(): Promise<number[]>;
}

export function sqliteUploads(db: DatabaseSync): UploadRepository {
  const columns = 'file, chunk AS "index", offset, bytes, sha256';
  const held = db.prepare(`SELECT ${columns} FROM upload_chunks WHERE task_id = ? AND file = ? AND chunk = ?`);
  const list = db.prepare(`SELECT ${columns} FROM upload_chunks WHERE task_id = ? ORDER BY file, chunk`);
  const listFile = db.prepare(`SELECT ${columns} FROM upload_chunks WHERE task_id = ? AND file = ? ORDER BY offset`);
  const record = db.prepare(
    'INSERT INTO upload_chunks (task_id, file, chunk, offset, bytes, sha256) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const forget = db.prepare('DELETE FROM upload_chunks WHERE task_id = ? AND file = ? AND chunk = ?');
  const forgetTask = db.prepare('DELETE FROM upload_chunks WHERE task_id = ?');
  const taskIds = db.prepare('SELECT DISTINCT task_id AS id FROM upload_chunks');
  return {
    held: async (taskId, file, index) => held.get(taskId, file, index) as HeldChunkRecord | undefined,
    list: async (taskId) => list.all(taskId) as unknown as HeldChunkRecord[],
    listFile: async (taskId, file) => listFile.all(taskId, file) as unknown as HeldChunkRecord[],
    record: async (taskId, chunk) => {
      record.run(taskId, chunk.file, chunk.index, chunk.offset, chunk.bytes, chunk.sha256);
    },
    forget: async (taskId, file, index) => {
      forget.run(taskId, file, index);
    },
    forgetTask: async (taskId) => {
      forgetTask.run(taskId);
    },
    taskIds: async () => (taskIds.all() as unknown as { id: number }[]).map((row) => row.id),
  };
}
