import type { DatabaseSync } from 'node:sqlite';
import { transaction } from './sqlite.ts';

export interface LogFileRecord {
  name: string;
  content: string;
}

export interface TaskLogRepository {
  /** Stores a task's log bundle; a file sent again (a retried complete/fail) replaces the earlier one. */
  save(taskId: number, files: readonly LogFileRecord[]): Promise<void>;
  list(taskId: number): Promise<LogFileRecord[]>;
}

export function sqliteTaskLogs(db: DatabaseSync): TaskLogRepository {
  const upsert = db.prepare(
    'INSERT INTO task_logs (task_id, name, content) VALUES (?, ?, ?) ON CONFLICT (task_id, name) DO UPDATE SET content = excluded.content',
  );
  const list = db.prepare('SELECT name, content FROM task_logs WHERE task_id = ? ORDER BY name');
  return {
    save: async (taskId, files) => {
      transaction(db, () => files.forEach((file) => upsert.run(taskId, file.name, file.content)));
    },
    list: async (taskId) => list.all(taskId) as unknown as LogFileRecord[],
  };
}
