import type { DatabaseSync } from 'node:sqlite';
import { isTaskKind, type MulticastState, type TaskKind, type TaskState } from '@brume/protocol';

/** Counts for /metrics, read at scrape time: each is one aggregate query over an indexed or small table. */
export interface StatsRepository {
  tasksByKindAndState(): Promise<{ kind: TaskKind; state: TaskState; count: number }[]>;
  /** Running tasks whose agent posted at or after this ISO timestamp. */
  agentsHeardSince(since: string): Promise<number>;
  images(): Promise<{ count: number; storedBytes: number; rawBytes: number }>;
  multicastByState(): Promise<{ state: MulticastState; count: number }[]>;
  hosts(): Promise<number>;
}

export function sqliteStats(db: DatabaseSync): StatsRepository {
  const tasks = db.prepare('SELECT kind, state, count(*) AS count FROM tasks GROUP BY kind, state');
  const heard = db.prepare(`SELECT count(*) AS n FROM tasks WHERE state = 'running' AND heard_at >= ?`);
  const images = db.prepare(
    'SELECT count(*) AS count, coalesce(sum(stored_bytes), 0) AS storedBytes, coalesce(sum(raw_bytes), 0) AS rawBytes FROM images',
  );
  const multicast = db.prepare('SELECT state, count(*) AS count FROM multicast_sessions GROUP BY state');
  const hosts = db.prepare('SELECT count(*) AS n FROM hosts');
  return {
    // A kind this server does not know has no metric series: it is left out rather than failing the scrape.
    tasksByKindAndState: async () =>
      (tasks.all() as unknown as { kind: string; state: TaskState; count: number }[]).filter(
        (row): row is { kind: TaskKind; state: TaskState; count: number } => isTaskKind(row.kind),
      ),
    agentsHeardSince: async (since) => (heard.get(since) as { n: number }).n,
    images: async () => images.get() as { count: number; storedBytes: number; rawBytes: number },
    multicastByState: async () => multicast.all() as unknown as { state: MulticastState; count: number }[],
    hosts: async () => (hosts.get() as { n: number }).n,
  };
}
