import { DatabaseSync } from 'node:sqlite';
import { migrate } from './migrations.ts';

/**
 * Opens (creating if needed) the SQLite database: WAL so readers never wait for the writer, synchronous=NORMAL
 * (a commit survives a crash of the process; only a power cut may lose the last ones), foreign keys on.
 */
export function openSqlite(path: string): DatabaseSync {
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: 5000 });
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  migrate(db);
  return db;
}

/** Runs `work` in one transaction. node:sqlite is synchronous, so nothing else runs in between. */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

export function parseJsonColumn<T>(value: string | null): T | null {
  return value === null ? null : (JSON.parse(value) as T);
}
