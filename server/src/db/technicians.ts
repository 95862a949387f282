import type { DatabaseSync } from 'node:sqlite';
import { BrumeError } from '@brume/protocol';
import { transaction } from './sqlite.ts';

export interface TechnicianRecord {
  name: string;
  passwordHash: string;
  createdAt: string;
}

export interface TechnicianRepository {
  /** Throws TECH_EXISTS when the name is taken. */
  insert(record: TechnicianRecord): Promise<void>;
  byName(name: string): Promise<TechnicianRecord | undefined>;
  list(): Promise<TechnicianRecord[]>;
  /** false when there was no such technician. */
  remove(name: string): Promise<boolean>;
  addPin(pinHash: string, createdAt: string, expiresAt: string, uses: number): Promise<void>;
  /** Whether an unexpired PIN with uses left has this hash (so a new PIN never equals a live one). */
  pinIsLive(pinHash: string, now: string): Promise<boolean>;
  /** Uses one login of a live PIN; false when none matches. */
  usePin(pinHash: string, now: string): Promise<boolean>;
  /** Also forgets sessions that expired before `now`. */
  addSession(tokenHash: string, technician: string, expiresAt: string, now: string): Promise<void>;
  /** The technician of an unexpired session. */
  session(tokenHash: string, now: string): Promise<string | undefined>;
}

interface TechnicianRow {
  name: string;
  password_hash: string;
  created_at: string;
}

const toRecord = (row: TechnicianRow): TechnicianRecord => ({
  name: row.name,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
});

export function sqliteTechnicians(db: DatabaseSync): TechnicianRepository {
  const insert = db.prepare('INSERT INTO technicians (name, password_hash, created_at) VALUES (?, ?, ?)');
  const byName = db.prepare('SELECT name, password_hash, created_at FROM technicians WHERE name = ?');
  const list = db.prepare('SELECT name, password_hash, created_at FROM technicians ORDER BY name');
  const remove = db.prepare('DELETE FROM technicians WHERE name = ?');
  const addPin = db.prepare('INSERT INTO tech_pins (pin_hash, created_at, expires_at, uses_left) VALUES (?, ?, ?, ?)');
  const livePin = db.prepare(
    'SELECT id FROM tech_pins WHERE pin_hash = ? AND expires_at > ? AND uses_left > 0 ORDER BY id LIMIT 1',
  );
  const usePin = db.prepare('UPDATE tech_pins SET uses_left = uses_left - 1 WHERE id = ?');
  const addSession = db.prepare('INSERT INTO tech_sessions (token_hash, technician, expires_at) VALUES (?, ?, ?)');
  const session = db.prepare('SELECT technician FROM tech_sessions WHERE token_hash = ? AND expires_at > ?');
  const dropExpired = db.prepare('DELETE FROM tech_sessions WHERE expires_at <= ?');

  return {
    insert: async (record) => {
      transaction(db, () => {
        if (byName.get(record.name) !== undefined)
          throw new BrumeError('TECH_EXISTS', `a technician named ${record.name} exists already`);
        insert.run(record.name, record.passwordHash, record.createdAt);
      });
    },
    byName: async (name) => {
      const row = byName.get(name) as TechnicianRow | undefined;
      return row === undefined ? undefined : toRecord(row);
    },
    list: async () => (list.all() as unknown as TechnicianRow[]).map(toRecord),
    remove: async (name) => Number(remove.run(name).changes) > 0,
    addPin: async (pinHash, createdAt, expiresAt, uses) => {
      addPin.run(pinHash, createdAt, expiresAt, uses);
    },
    pinIsLive: async (pinHash, now) => livePin.get(pinHash, now) !== undefined,
    usePin: async (pinHash, now) =>
      transaction(db, () => {
        const row = livePin.get(pinHash, now) as { id: number } | undefined;
        if (row === undefined) return false;
        usePin.run(row.id);
        return true;
      }),
    addSession: async (tokenHash, technician, expiresAt, now) => {
      dropExpired.run(now);
      addSession.run(tokenHash, technician, expiresAt);
    },
    session: async (tokenHash, now) => (session.get(tokenHash, now) as { technician: string } | undefined)?.technician,
  };
}
