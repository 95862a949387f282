import type { DatabaseSync } from 'node:sqlite';
import type {
  FiringOutcome,
  ScheduleFiring,
  ScheduleState,
  TaskBatchCreate,
  TaskError,
  WakeSent,
} from '@brume/protocol';
import type { z } from 'zod';
import { parseJsonColumn, transaction } from './sqlite.ts';

export type ScheduledTask = z.output<typeof TaskBatchCreate>;

export interface ScheduleRecord {
  id: number;
  task: ScheduledTask;
  /** The one-shot's local wall time, or null for a cron schedule. */
  at: string | null;
  cron: string | null;
  timezone: string;
  state: ScheduleState;
  /** ISO instant (UTC) of the next occurrence; null once ended. */
  nextAt: string | null;
  createdAt: string;
  missed: number;
  lastFiring: ScheduleFiring | null;
}
export type NewSchedule = Pick<ScheduleRecord, 'task' | 'at' | 'cron' | 'timezone' | 'nextAt' | 'createdAt'>;

export interface NewFiring {
  occurrence: string;
  recordedAt: string;
  outcome: FiringOutcome;
  batch: number | null;
  error: TaskError | null;
  wake: WakeSent[];
}

/** Where a schedule goes after an occurrence: its next one, or its end. */
export interface ScheduleStep {
  state: ScheduleState;
  nextAt: string | null;
}

export interface ScheduleRepository {
  insert(schedule: NewSchedule): Promise<ScheduleRecord>;
  byId(id: number): Promise<ScheduleRecord | undefined>;
  list(): Promise<ScheduleRecord[]>;
  /** Active schedules whose next occurrence is at or before `now` (ISO), the earliest first. */
  due(now: string): Promise<ScheduleRecord[]>;
  /** The earliest next occurrence of any active schedule. */
  earliestNext(): Promise<string | undefined>;
  /** Records the occurrences' outcomes and moves the schedule on, in one transaction (an occurrence is recorded once). */
  record(id: number, firings: readonly NewFiring[], step: ScheduleStep): Promise<void>;
  setState(id: number, step: ScheduleStep): Promise<void>;
  remove(id: number): Promise<void>;
  /** Newest first. */
  firings(id: number, limit: number): Promise<ScheduleFiring[]>;
}

interface ScheduleRow {
  id: number;
  task: string;
  at: string | null;
  cron: string | null;
  timezone: string;
  state: ScheduleState;
  next_at: string | null;
  created_at: string;
  missed: number;
  last_firing_id: number | null;
}

interface FiringRow {
  id: number;
  schedule_id: number;
  occurrence: string;
  recorded_at: string;
  outcome: FiringOutcome;
  batch: number | null;
  error: string | null;
  wake: string;
}

const selectSchedule = `SELECT s.id, s.task, s.at, s.cron, s.timezone, s.state, s.next_at, s.created_at,
  (SELECT count(*) FROM schedule_firings f WHERE f.schedule_id = s.id AND f.outcome = 'missed') AS missed,
  (SELECT f.id FROM schedule_firings f WHERE f.schedule_id = s.id ORDER BY f.occurrence DESC, f.id DESC LIMIT 1) AS last_firing_id
  FROM schedules s`;
const selectFiring =
  'SELECT id, schedule_id, occurrence, recorded_at, outcome, batch, error, wake FROM schedule_firings';

const toFiring = (row: FiringRow): ScheduleFiring => ({
  id: row.id,
  schedule: row.schedule_id,
  occurrence: row.occurrence,
  recordedAt: row.recorded_at,
  outcome: row.outcome,
  batch: row.batch,
  error: parseJsonColumn<TaskError>(row.error),
  wake: JSON.parse(row.wake) as WakeSent[],
});

export function sqliteSchedules(db: DatabaseSync): ScheduleRepository {
  const insert = db.prepare(
    `INSERT INTO schedules (task, at, cron, timezone, state, next_at, created_at) VALUES (?, ?, ?, ?, 'active', ?, ?)`,
  );
  const byId = db.prepare(`${selectSchedule} WHERE s.id = ?`);
  const list = db.prepare(`${selectSchedule} ORDER BY s.id`);
  const due = db.prepare(`${selectSchedule} WHERE s.state = 'active' AND s.next_at <= ? ORDER BY s.next_at, s.id`);
  const earliestNext = db.prepare(`SELECT min(next_at) AS next FROM schedules WHERE state = 'active'`);
  const setState = db.prepare('UPDATE schedules SET state = ?, next_at = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM schedules WHERE id = ?');
  const firingById = db.prepare(`${selectFiring} WHERE id = ?`);
  const firings = db.prepare(`${selectFiring} WHERE schedule_id = ? ORDER BY occurrence DESC, id DESC LIMIT ?`);
  const insertFiring =
    db.prepare(`INSERT INTO schedule_firings (schedule_id, occurrence, recorded_at, outcome, batch, error, wake)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (schedule_id, occurrence) DO NOTHING`);

  const toRecord = (row: ScheduleRow): ScheduleRecord => {
    const last =
      row.last_firing_id === null ? undefined : (firingById.get(row.last_firing_id) as FiringRow | undefined);
    return {
      id: row.id,
      task: JSON.parse(row.task) as ScheduledTask,
      at: row.at,
      cron: row.cron,
      timezone: row.timezone,
      state: row.state,
      nextAt: row.next_at,
      createdAt: row.created_at,
      missed: row.missed,
      lastFiring: last === undefined ? null : toFiring(last),
    };
  };
  const record = (row: unknown): ScheduleRecord | undefined =>
    row === undefined ? undefined : toRecord(row as ScheduleRow);

  return {
    insert: async (schedule) => {
      const id = Number(
        insert.run(
          JSON.stringify(schedule.task),
          schedule.at,
          schedule.cron,
          schedule.timezone,
          schedule.nextAt,
          schedule.createdAt,
        ).lastInsertRowid,
      );
      return record(byId.get(id)) as ScheduleRecord;
    },
    byId: async (id) => record(byId.get(id)),
    list: async () => list.all().map((row) => toRecord(row as unknown as ScheduleRow)),
    due: async (now) => due.all(now).map((row) => toRecord(row as unknown as ScheduleRow)),
    earliestNext: async () => (earliestNext.get() as { next: string | null }).next ?? undefined,
    record: async (id, entries, step) =>
      transaction(db, () => {
        for (const firing of entries) {
          insertFiring.run(
            id,
            firing.occurrence,
            firing.recordedAt,
            firing.outcome,
            firing.batch,
            firing.error === null ? null : JSON.stringify(firing.error),
            JSON.stringify(firing.wake),
          );
        }
        setState.run(step.state, step.nextAt, id);
      }),
    setState: async (id, step) => {
      setState.run(step.state, step.nextAt, id);
    },
    remove: async (id) => {
      remove.run(id);
    },
    firings: async (id, limit) => firings.all(id, limit).map((row) => toFiring(row as unknown as FiringRow)),
  };
}
