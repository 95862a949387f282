import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_PREFIX, type TaskCreated } from '@brume/protocol';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../server/src/app.ts';
import { tokenDigest } from '../../server/src/auth.ts';
import { CONFIG_DEFAULTS, type Config } from '../../server/src/config.ts';
import { sqliteDatabase, type Database } from '../../server/src/db/database.ts';
import { KeyedLock } from '../../server/src/domain/keyed-lock.ts';
import { UploadsInFlight } from '../../server/src/domain/uploads-in-flight.ts';
import { LoginGuard } from '../../server/src/domain/login-guard.ts';
import { reconcile } from '../../server/src/domain/reconcile.ts';
import type { Ticker } from '../../server/src/housekeeping.ts';
import type { Sender } from '../../server/src/multicast/session-runner.ts';
import type { Clock } from '../../server/src/schedules/clock.ts';
import type { PacketSender } from '../../server/src/schedules/wake-on-lan.ts';
import type { ImageStore } from '../../server/src/store/image-store.ts';
import { localImageStore } from '../../server/src/store/local-store.ts';
import type { FakeChunk, FakeImage } from '../fixtures/fake-image.ts';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';

export interface Harness {
  app: FastifyInstance;
  dataDir: string;
  db: Database;
  store: ImageStore;
  /** A request to /api/v1 + path; `token` sets the bearer (the admin token unless given, none with null). */
  call(
    method: InjectOptions['method'],
    path: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Stops this app and opens a new one on the same DATA, reconciling first: a server restart. */
  restart(): Promise<Harness>;
  close(): Promise<void>;
}

const silentLog = { info: () => undefined, warn: () => undefined };

/**
 * An app on a fresh temp DATA (removed at close), or on `dataDir` (kept). The boot directory is DATA/boot, absent until
 * a test makes it.
 */
export async function openHarness(
  dataDir?: string,
  removeAtClose = dataDir === undefined,
  configOverrides: Partial<Config> = {},
  now: () => string = () => new Date().toISOString(),
  extra: { multicastSender?: Sender; scheduleClock?: Clock; wakeSender?: PacketSender; ticker?: Ticker } = {},
): Promise<Harness> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'brume-server-test-')));
  const config: Config = Object.freeze({
    dataDir: dir,
    listen: { host: '127.0.0.1', port: 0 },
    publicUrl: null,
    bootDir: join(dir, 'boot'),
    ...CONFIG_DEFAULTS,
    ...configOverrides,
  });
  const db = sqliteDatabase(join(dir, 'brume.db'));
  const store = localImageStore(dir);
  await reconcile(
    {
      db,
      store,
      locks: new KeyedLock(),
      uploads: new UploadsInFlight(),
      loginGuard: new LoginGuard(),
      pinSecret: randomBytes(32),
      now,
    },
    silentLog,
  );
  const app = buildApp({ config, db, store, adminTokenHash: tokenDigest(ADMIN_TOKEN), logger: false, now, ...extra });
  await app.ready();
  const stop = async (): Promise<void> => {
    await app.close();
    await db.close();
  };
  const harness: Harness = {
    app,
    dataDir: dir,
    db,
    store,
    call: (method, path, options = {}) => {
      const token = options.token === undefined ? ADMIN_TOKEN : options.token;
      const headers: Record<string, string> = {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...options.headers,
      };
      return app.inject({
        method,
        url: `${API_PREFIX}${path}`,
        headers,
        ...(options.body === undefined ? {} : { payload: options.body as InjectOptions['payload'] }),
      });
    },
    restart: async () => {
      await stop();
      return openHarness(dir, removeAtClose, configOverrides, now, extra);
    },
    close: async () => {
      await stop();
      if (removeAtClose) await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** A host and a task for it; returns the task's id and token. */
export async function newTask(
  h: Harness,
  kind: 'capture' | 'deploy',
  image: string,
  host?: string,
): Promise<{ id: number; token: string; created: TaskCreated }> {
  const hostName = host ?? `pc-${randomBytes(4).toString('hex')}`;
  if ((await h.call('GET', `/hosts/${hostName}`)).statusCode === 404) {
    const mac = `52:54:00:${randomBytes(3)
      .toString('hex')
      .replace(/(..)(..)(..)/, '$1:$2:$3')}`;
    const made = await h.call('POST', '/hosts', { body: { name: hostName, macs: [mac] } });
    if (made.statusCode !== 201) throw new Error(`host: ${made.body}`);
  }
  const response = await h.call('POST', '/tasks', { body: { kind, host: hostName, image } });
  if (response.statusCode !== 201) throw new Error(`task: ${response.body}`);
  const created = response.json<TaskCreated>();
  return { id: created.task.id, token: created.token, created };
}

export function putChunk(
  h: Harness,
  taskId: number,
  token: string,
  chunk: FakeChunk,
  overrides: { sha256?: string; offset?: number; data?: Buffer } = {},
): Promise<LightMyRequestResponse> {
  return h.app.inject({
    method: 'PUT',
    url: `${API_PREFIX}/uploads/${taskId}/${chunk.file}?chunk=${chunk.index}`,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/octet-stream',
      'x-brume-sha256': overrides.sha256 ?? chunk.sha256,
      'x-brume-offset': String(overrides.offset ?? chunk.offset),
    },
    payload: overrides.data ?? chunk.data,
  });
}

/** A capture task's whole upload, commit and completion, as an agent does it. */
export async function captureImage(h: Harness, image: FakeImage): Promise<{ id: number; token: string }> {
  const task = await newTask(h, 'capture', image.manifest.name);
  for (const chunk of image.chunks) {
    const response = await putChunk(h, task.id, task.token, chunk);
    if (response.statusCode !== 201) throw new Error(`chunk: ${response.body}`);
  }
  const commit = await h.call('POST', `/uploads/${task.id}/commit`, {
    token: task.token,
    body: { manifest: image.manifest },
  });
  if (commit.statusCode !== 200) throw new Error(`commit: ${commit.body}`);
  const { partitions } = image.manifest;
  const result = {
    image: image.manifest.name,
    disk: '/dev/sda',
    partitions: partitions.length,
    seconds: 1,
    rawBytes: partitions.reduce((sum, p) => sum + p.rawBytes, 0),
    storedBytes: partitions.reduce((sum, p) => sum + p.storedBytes, 0),
  };
  const complete = await h.call('POST', `/tasks/${task.id}/complete`, {
    token: task.token,
    body: { result, logs: [{ name: 'agent.log', content: 'captured\n' }] },
  });
  if (complete.statusCode !== 200) throw new Error(`complete: ${complete.body}`);
  return task;
}
