import type { DatabaseSync } from 'node:sqlite';
import type { Manifest } from '@brume/protocol';

/** A stored file of a published image: what downloads check names against and take their ETag from. */
export interface ImageFileRecord {
  name: string;
  bytes: number;
  sha256: string;
}

export interface ImageRecord {
  id: number;
  name: string;
  createdAt: string;
  sourceHost: string;
  partitions: number;
  rawBytes: number;
  storedBytes: number;
  taskId: number | null;
  files: ImageFileRecord[];
}
export type NewImage = Omit<ImageRecord, 'id'> & { manifest: Manifest };

export interface ImageRepository {
  insert(image: NewImage): Promise<ImageRecord>;
  byName(name: string): Promise<ImageRecord | undefined>;
  byTask(taskId: number): Promise<ImageRecord | undefined>;
  manifest(name: string): Promise<Manifest | undefined>;
  list(): Promise<ImageRecord[]>;
  remove(name: string): Promise<void>;
}

interface ImageRow {
  id: number;
  name: string;
  created_at: string;
  source_host: string;
  partitions: number;
  raw_bytes: number;
  stored_bytes: number;
  task_id: number | null;
  files: string;
}

function toRecord(row: ImageRow): ImageRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    sourceHost: row.source_host,
    partitions: row.partitions,
    rawBytes: row.raw_bytes,
    storedBytes: row.stored_bytes,
    taskId: row.task_id,
    files: JSON.parse(row.files) as ImageFileRecord[],
  };
}

export function sqliteImages(db: DatabaseSync): ImageRepository {
  const columns = 'id, name, created_at, source_host, partitions, raw_bytes, stored_bytes, task_id, files';
  const insert =
    db.prepare(`INSERT INTO images (name, created_at, source_host, partitions, raw_bytes, stored_bytes, task_id, files, manifest)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const byName = db.prepare(`SELECT ${columns} FROM images WHERE name = ?`);
  const byTask = db.prepare(`SELECT ${columns} FROM images WHERE task_id = ?`);
  const manifest = db.prepare('SELECT manifest FROM images WHERE name = ?');
  const list = db.prepare(`SELECT ${columns} FROM images ORDER BY name`);
  const remove = db.prepare('DELETE FROM images WHERE name = ?');
  const record = (row: unknown): ImageRecord | undefined => (row === undefined ? undefined : toRecord(row as ImageRow));
  return {
    insert: async (image) => {
      const { lastInsertRowid } = insert.run(
        image.name,
        image.createdAt,
        image.sourceHost,
        image.partitions,
        image.rawBytes,
        image.storedBytes,
        image.taskId,
        JSON.stringify(image.files),
        JSON.stringify(image.manifest),
      );
      return record(byName.get(image.name)) ?? { id: Number(lastInsertRowid), ...image };
    },
    byName: async (name) => record(byName.get(name)),
    byTask: async (taskId) => record(byTask.get(taskId)),
    manifest: async (name) => {
      const row = manifest.get(name) as { manifest: string } | undefined;
      return row === undefined ? undefined : (JSON.parse(row.manifest) as Manifest);
    },
    list: async () => list.all().map((row) => toRecord(row as unknown as ImageRow)),
    remove: async (name) => {
      remove.run(name);
    },
  };
}
