import { mkdtemp, rm } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteDatabase } from './database.ts';
import { migrate, migrations } from './migrations.ts';
import { openSqlite } from './sqlite.ts';

describe('migrations', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'brume-db-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const tables = (db: DatabaseSync): string[] =>
    (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
      (row) => row.name,
    );

  it('creates the schema on an empty directory, in WAL mode with foreign keys', () => {
    const db = openSqlite(join(dir, 'brume.db'));
    expect(tables(db)).toEqual([
      'group_members',
      'host_groups',
      'host_inventories',
      'host_macs',
      'hosts',
      'images',
      'multicast_sessions',
      'schedule_firings',
      'schedules',
      'task_logs',
      'tasks',
      'tech_pins',
      'tech_sessions',
      'technicians',
      'upload_chunks',
    ]);
    expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: migrations.length });
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(db.prepare('PRAGMA foreign_keys').get()).toEqual({ foreign_keys: 1 });
    expect(db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 });
    db.close();
  });

  it('is idempotent: a second start changes nothing and keeps the data', async () => {
    const first = sqliteDatabase(join(dir, 'brume.db'));
    await first.hosts.insert({
      name: 'pc-01',
      macs: ['52:54:00:00:00:01'],
      diskHint: null,
      image: null,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    await first.close();
    const raw = new DatabaseSync(join(dir, 'brume.db'));
    expect(migrate(raw)).toBe(migrations.length);
    expect(migrate(raw)).toBe(migrations.length);
    raw.close();
    const second = sqliteDatabase(join(dir, 'brume.db'));
    expect((await second.hosts.list()).map((host) => host.macs)).toEqual([['52:54:00:00:00:01']]);
    await second.close();
  });

  it('refuses a database from a newer server', () => {
    const raw = new DatabaseSync(join(dir, 'brume.db'));
    raw.exec(`PRAGMA user_version = ${migrations.length + 1}`);
    expect(() => migrate(raw)).toThrow(/newer Brume/);
    raw.close();
  });

  it('rolls a failing migration back whole', () => {
    const raw = new DatabaseSync(join(dir, 'brume.db'));
    raw.exec('CREATE TABLE hosts (x INTEGER)');
    expect(() => migrate(raw)).toThrow();
    expect(raw.prepare('PRAGMA user_version').get()).toEqual({ user_version: 0 });
    expect(tables(raw)).toEqual(['hosts']);
    raw.close();
  });
});

describe('migration 4 (tasks rebuilt for kinds without an image)', () => {
  it('keeps every task and its logs: the rebuild does not cascade to the children', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brume-migrate-4-'));
    try {
      const db = new DatabaseSync(join(dir, 'brume.db'));
      db.exec('PRAGMA foreign_keys = ON');
      for (const [index, sql] of migrations.slice(0, 3).entries()) {
        db.exec(sql);
        db.exec(`PRAGMA user_version = ${index + 1}`);
      }
      db.exec(
        `INSERT INTO tasks (kind, host_id, host_name, image, state, token_hash, created_at) VALUES ('deploy', 1, 'pc-01', 'img', 'done', 'h1', '2026-01-01T00:00:00Z')`,
      );
      db.exec(`INSERT INTO task_logs (task_id, name, content) VALUES (1, 'agent.log', 'kept')`);
      expect(migrate(db)).toBe(migrations.length);
      expect(db.prepare('SELECT kind, image, state FROM tasks').all()).toEqual([
        { kind: 'deploy', image: 'img', state: 'done' },
      ]);
      expect(db.prepare('SELECT content FROM task_logs').all()).toEqual([{ content: 'kept' }]);
      expect(db.prepare('PRAGMA foreign_keys').get()).toEqual({ foreign_keys: 1 });
      // Whether a kind takes an image is the protocol's rule now (the latest migration dropped the kind CHECKs).
      db.exec(
        `INSERT INTO tasks (kind, host_id, host_name, image, state, token_hash, created_at) VALUES ('inventory', 1, 'pc-01', NULL, 'queued', 'h3', 'x')`,
      );
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
