import type { DatabaseSync } from 'node:sqlite';

/**
 * The schema, as an ordered list: migration N brings `PRAGMA user_version` from N-1 to N. A released migration is
 * never edited; a change is a new entry at the end.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE hosts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    disk_hint TEXT,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE host_macs (
    mac TEXT PRIMARY KEY,
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX host_macs_by_host ON host_macs(host_id, position);

  -- host_name is kept with the task so its history outlives the host.
  CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('capture', 'deploy')),
    host_id INTEGER NOT NULL,
    host_name TEXT NOT NULL,
    image TEXT NOT NULL,
    disk TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    progress TEXT,
    phase TEXT,
    error TEXT,
    result TEXT
  ) STRICT;
  CREATE INDEX tasks_by_state ON tasks(state, id);
  CREATE INDEX tasks_by_host ON tasks(host_name, id);
  CREATE INDEX tasks_active_by_image ON tasks(image) WHERE state IN ('queued', 'running');

  CREATE TABLE task_logs (
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (task_id, name)
  ) STRICT;

  -- Only published images: a row is inserted after the rename that publishes the directory.
  CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    source_host TEXT NOT NULL,
    partitions INTEGER NOT NULL,
    raw_bytes INTEGER NOT NULL,
    stored_bytes INTEGER NOT NULL,
    task_id INTEGER REFERENCES tasks(id) ON DELETE SET NULL,
    files TEXT NOT NULL,
    manifest TEXT NOT NULL
  ) STRICT;
  CREATE INDEX images_by_task ON images(task_id);

  -- Chunks of a capture's upload held in DATA/uploads/<task_id>/: recorded only once written and hash-checked.
  CREATE TABLE upload_chunks (
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    file TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (task_id, file, chunk)
  ) STRICT;
  `,
  `
  -- Every inventory a host sent (quick registration, re-inventory): its history, newest by id.
  CREATE TABLE host_inventories (
    id INTEGER PRIMARY KEY,
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    received_at TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('register', 'inventory')),
    inventory TEXT NOT NULL
  ) STRICT;
  CREATE INDEX host_inventories_by_host ON host_inventories(host_id, id);
  `,
  `
  -- Technicians' credentials for what changes a disk from a PC: accounts (scrypt) and short-lived PINs (sha256: a PIN
  -- is guessable offline whatever the hash; what protects it is its life span and the login rate limit).
  CREATE TABLE technicians (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE tech_pins (
    id INTEGER PRIMARY KEY,
    pin_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    uses_left INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE tech_sessions (
    token_hash TEXT PRIMARY KEY,
    technician TEXT NOT NULL,
    expires_at TEXT NOT NULL
  ) STRICT;
  `,
  `
  -- Tasks without an image (inventory): kind widened, image nullable, and an image exactly for the kinds that take one.
  -- SQLite cannot alter a CHECK: the table is rebuilt (migrate() runs with foreign keys off, as SQLite prescribes).
  CREATE TABLE tasks_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('capture', 'deploy', 'inventory')),
    host_id INTEGER NOT NULL,
    host_name TEXT NOT NULL,
    image TEXT CHECK ((image IS NULL) = (kind = 'inventory')),
    disk TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    progress TEXT,
    phase TEXT,
    error TEXT,
    result TEXT
  ) STRICT;
  INSERT INTO tasks_new SELECT id, kind, host_id, host_name, image, disk, state, token_hash, created_at, started_at, ended_at, progress, phase, error, result FROM tasks;
  DROP TABLE tasks;
  ALTER TABLE tasks_new RENAME TO tasks;
  CREATE INDEX tasks_by_state ON tasks(state, id);
  CREATE INDEX tasks_by_host ON tasks(host_name, id);
  CREATE INDEX tasks_active_by_image ON tasks(image) WHERE state IN ('queued', 'running');
  `,
  `
  -- Debug tasks: the ramdisk boots into a shell and the technician runs the task step by step.
  ALTER TABLE tasks ADD COLUMN debug INTEGER NOT NULL DEFAULT 0 CHECK (debug IN (0, 1));
  `,
  `
  -- Groups of hosts (a room, a row), and the image assigned to a host (no foreign key: an image deleted later leaves
  -- the name, shown as missing, rather than silently unassigning a room).
  CREATE TABLE host_groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES host_groups(id) ON DELETE CASCADE,
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, host_id)
  ) STRICT;
  CREATE INDEX group_members_by_host ON group_members(host_id);
  ALTER TABLE hosts ADD COLUMN image TEXT;
  `,
  `
  -- Disk-care kinds (wipe, surface test) and each kind's parameters (a wipe's mode), as JSON. The kind CHECK is
  -- rebuilt as in 4.
  CREATE TABLE tasks_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('capture', 'deploy', 'inventory', 'wipe', 'surface-test')),
    host_id INTEGER NOT NULL,
    host_name TEXT NOT NULL,
    image TEXT CHECK ((image IS NULL) = (kind NOT IN ('capture', 'deploy'))),
    disk TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    progress TEXT,
    phase TEXT,
    error TEXT,
    result TEXT,
    debug INTEGER NOT NULL DEFAULT 0 CHECK (debug IN (0, 1)),
    params TEXT NOT NULL DEFAULT '{}'
  ) STRICT;
  INSERT INTO tasks_new SELECT id, kind, host_id, host_name, image, disk, state, token_hash, created_at, started_at, ended_at, progress, phase, error, result, debug, '{}' FROM tasks;
  DROP TABLE tasks;
  ALTER TABLE tasks_new RENAME TO tasks;
  CREATE INDEX tasks_by_state ON tasks(state, id);
  CREATE INDEX tasks_by_host ON tasks(host_name, id);
  CREATE INDEX tasks_active_by_image ON tasks(image) WHERE state IN ('queued', 'running');
  `,
  `
  -- Multicast sessions: settings and per-file progress as JSON (written by the one runner sending them); the session's
  -- deploy tasks name it in their params.
  CREATE TABLE multicast_sessions (
    id INTEGER PRIMARY KEY,
    image TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('waiting', 'sending', 'done', 'failed', 'cancelled')),
    settings TEXT NOT NULL,
    files TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    error TEXT
  ) STRICT;
  CREATE INDEX tasks_by_multicast ON tasks(json_extract(params, '$.multicast')) WHERE json_extract(params, '$.multicast') IS NOT NULL;
  `,
  `
  -- Tasks made for a whole group at once share a batch number.
  ALTER TABLE tasks ADD COLUMN batch INTEGER;
  CREATE INDEX tasks_by_batch ON tasks(batch) WHERE batch IS NOT NULL;
  `,
  `
  -- Disk-care kinds virus-scan and recover. The kind CHECK is rebuilt as in 4 and 7.
  CREATE TABLE tasks_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('capture', 'deploy', 'inventory', 'wipe', 'surface-test', 'virus-scan', 'recover')),
    host_id INTEGER NOT NULL,
    host_name TEXT NOT NULL,
    image TEXT CHECK ((image IS NULL) = (kind NOT IN ('capture', 'deploy'))),
    disk TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    progress TEXT,
    phase TEXT,
    error TEXT,
    result TEXT,
    debug INTEGER NOT NULL DEFAULT 0 CHECK (debug IN (0, 1)),
    params TEXT NOT NULL DEFAULT '{}',
    batch INTEGER
  ) STRICT;
  INSERT INTO tasks_new SELECT id, kind, host_id, host_name, image, disk, state, token_hash, created_at, started_at, ended_at, progress, phase, error, result, debug, params, batch FROM tasks;
  DROP TABLE tasks;
  ALTER TABLE tasks_new RENAME TO tasks;
  CREATE INDEX tasks_by_state ON tasks(state, id);
  CREATE INDEX tasks_by_host ON tasks(host_name, id);
  CREATE INDEX tasks_active_by_image ON tasks(image) WHERE state IN ('queued', 'running');
  CREATE INDEX tasks_by_multicast ON tasks(json_extract(params, '$.multicast')) WHERE json_extract(params, '$.multicast') IS NOT NULL;
  CREATE INDEX tasks_by_batch ON tasks(batch) WHERE batch IS NOT NULL;
  `,
  `
  -- Schedules: a group's task at a local time (at) or on a cron pattern, in a timezone; the group is kept by
  -- name, like a task's host, so a deleted group makes a firing fail visibly. Each occurrence leaves one firing.
  CREATE TABLE schedules (
    id INTEGER PRIMARY KEY,
    task TEXT NOT NULL,
    at TEXT,
    cron TEXT,
    timezone TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'paused', 'ended')),
    next_at TEXT,
    created_at TEXT NOT NULL,
    CHECK ((at IS NULL) <> (cron IS NULL))
  ) STRICT;
  CREATE TABLE schedule_firings (
    id INTEGER PRIMARY KEY,
    schedule_id INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    occurrence TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('fired', 'missed', 'failed')),
    batch INTEGER,
    error TEXT,
    wake TEXT NOT NULL DEFAULT '[]',
    UNIQUE (schedule_id, occurrence)
  ) STRICT;
  `,
  `
  -- Task history: when each task's agent last posted, for the silent-agent timeout; the ended tasks by end
  -- time, for retention.
  ALTER TABLE tasks ADD COLUMN heard_at TEXT;
  CREATE INDEX tasks_by_end ON tasks(ended_at) WHERE ended_at IS NOT NULL;
  `,
  `
  -- Task kinds are declared in the protocol, not here: the kind CHECK and the image-by-kind CHECK go (the schemas check
  -- both, and a row of a kind this server does not know is refused when read). Rebuilt as in 4, 7 and 10.
  CREATE TABLE tasks_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    host_id INTEGER NOT NULL,
    host_name TEXT NOT NULL,
    image TEXT,
    disk TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    progress TEXT,
    phase TEXT,
    error TEXT,
    result TEXT,
    debug INTEGER NOT NULL DEFAULT 0 CHECK (debug IN (0, 1)),
    params TEXT NOT NULL DEFAULT '{}',
    batch INTEGER,
    heard_at TEXT
  ) STRICT;
  INSERT INTO tasks_new SELECT id, kind, host_id, host_name, image, disk, state, token_hash, created_at, started_at, ended_at, progress, phase, error, result, debug, params, batch, heard_at FROM tasks;
  DROP TABLE tasks;
  ALTER TABLE tasks_new RENAME TO tasks;
  CREATE INDEX tasks_by_state ON tasks(state, id);
  CREATE INDEX tasks_by_host ON tasks(host_name, id);
  CREATE INDEX tasks_active_by_image ON tasks(image) WHERE state IN ('queued', 'running');
  CREATE INDEX tasks_by_multicast ON tasks(json_extract(params, '$.multicast')) WHERE json_extract(params, '$.multicast') IS NOT NULL;
  CREATE INDEX tasks_by_batch ON tasks(batch) WHERE batch IS NOT NULL;
  CREATE INDEX tasks_by_end ON tasks(ended_at) WHERE ended_at IS NOT NULL;
  `,
  `
  -- Cancel reaches the agent: a running task's cancel is a request the agent confirms (or a grace ends it), so the
  -- agent can say what it had written.
  ALTER TABLE tasks ADD COLUMN cancel_requested_at TEXT;
  ALTER TABLE tasks ADD COLUMN stopped TEXT;
  CREATE INDEX tasks_cancel_requested ON tasks(cancel_requested_at) WHERE cancel_requested_at IS NOT NULL AND state = 'running';
  `,
];

/**
 * Brings the database to the latest schema version; each migration and its version bump commit together. Foreign keys
 * are off meanwhile (SQLite's procedure for rebuilding a table: a DROP TABLE would otherwise cascade to the children)
 * and checked before each commit, so a migration that breaks a reference is rolled back.
 */
export function migrate(db: DatabaseSync): number {
  const current = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  if (current > migrations.length) {
    throw new Error(
      `the database is at schema version ${current}; this server knows only ${migrations.length}: use a newer Brume`,
    );
  }
  if (current === migrations.length) return current;
  db.exec('PRAGMA foreign_keys = OFF');
  try {
    for (let version = current + 1; version <= migrations.length; version += 1) {
      db.exec('BEGIN IMMEDIATE');
      try {
        db.exec(migrations[version - 1] as string);
        const broken = db.prepare('PRAGMA foreign_key_check').all();
        if (broken.length > 0)
          throw new Error(
            `migration ${version} breaks ${broken.length} foreign key reference(s): ${JSON.stringify(broken.slice(0, 3))}`,
          );
        db.exec(`PRAGMA user_version = ${version}`);
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    }
  } finally {
    db.exec('PRAGMA foreign_keys = ON');
  }
  return migrations.length;
}
