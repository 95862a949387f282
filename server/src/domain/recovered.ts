import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BrumeError,
  RECOVERED_PIECE_BYTES,
  type RecoveredCommit,
  type RecoveredList,
  type RecoveredPieceHeld,
  type RecoveredStored,
} from '@brume/protocol';
import type { TaskCredentials } from '../db/tasks.ts';
import type { DomainContext } from './context.ts';
import { opensRoute, requireAgentRoute } from './task-kinds.ts';
import { findTask } from './tasks.ts';

/** Where a recovery's files are kept, and how much room they may take. */
export interface RecoveredStore {
  /** DATA: the files go to DATA/recovered/task-N/. */
  dataDir: string;
  /** Bytes one task may keep in all (its pieces included). */
  taskCapBytes: number;
  /** Free bytes the data directory keeps after any piece: images and the database must still have room. */
  reserveBytes: number;
}

export const RECOVERED_DEFAULTS = { taskCapBytes: 512 * 1024 ** 3, reserveBytes: 2 * 1024 ** 3 } as const;

const PARTIAL = '.partial';
export const recoveredDir = (dataDir: string, taskId: number): string => join(dataDir, 'recovered', `task-${taskId}`);
const lockKey = (taskId: number): string => `recovered:${taskId}`;

const requireRecover = (task: TaskCredentials): void => requireAgentRoute(task, 'recovered-files');

export interface RecoveredPiece {
  name: string;
  offset: number;
  contentLength: number | undefined;
  body: AsyncIterable<Uint8Array>;
}

/**
 * Writes a piece of a recovered file at `offset` of its partial copy; what the server held from there on is dropped
 * first, so a piece sent again after a network fault lands where it belongs. Refused before a byte is written when it
 * would break the task's cap or leave the data directory less than its reserve.
 */
export async function putRecoveredPiece(
  ctx: DomainContext,
  store: RecoveredStore,
  task: TaskCredentials,
  piece: RecoveredPiece,
): Promise<RecoveredPieceHeld> {
  requireRecover(task);
  if (piece.contentLength === undefined)
    throw new BrumeError('BAD_REQUEST', 'a piece of a recovered file needs its Content-Length');
  if (piece.contentLength > RECOVERED_PIECE_BYTES)
    throw new BrumeError(
      'PAYLOAD_TOO_LARGE',
      `a piece may be at most ${RECOVERED_PIECE_BYTES} bytes; this one is ${piece.contentLength}`,
    );
  const length = piece.contentLength;
  return ctx.locks.exclusive(lockKey(task.id), async () => {
    const dir = recoveredDir(store.dataDir, task.id);
    await mkdir(join(dir, PARTIAL), { recursive: true });
    const path = join(dir, PARTIAL, piece.name);
    const held = await stat(path).then(
      (stats) => stats.size,
      () => 0,
    );
    if (piece.offset > held)
      throw new BrumeError('BAD_REQUEST', `${piece.name}: offset ${piece.offset} is beyond the ${held} bytes held`, {
        detail: { name: piece.name, held },
      });
    await checkRoom(store, dir, length - Math.max(0, held - piece.offset));
    const handle = await open(path, held === 0 ? 'w' : 'r+');
    let written = 0;
    try {
      await handle.truncate(piece.offset);
      for await (const bytes of piece.body) {
        written += bytes.byteLength;
        if (written > length)
          throw new BrumeError('BAD_REQUEST', `${piece.name}: the body is longer than its Content-Length (${length})`);
        await handle.write(bytes, 0, bytes.byteLength, piece.offset + written - bytes.byteLength);
      }
    } finally {
      await handle.close();
    }
    if (written !== length)
      throw new BrumeError('BAD_REQUEST', `${piece.name}: ${written} bytes came of the ${length} announced`);
    return { name: piece.name, bytes: piece.offset + written };
  });
}

/** The task's cap and the data directory's reserve, for `more` bytes still to come. */
async function checkRoom(store: RecoveredStore, dir: string, more: number): Promise<void> {
  const kept = await usedBytes(dir);
  if (kept + more > store.taskCapBytes) {
    throw new BrumeError(
      'PAYLOAD_TOO_LARGE',
      `a recovery may keep at most ${store.taskCapBytes} bytes on the server; this one holds ${kept}: recover to a USB disk instead`,
      { detail: { kept, cap: store.taskCapBytes } },
    );
  }
  const fs = await statfs(store.dataDir);
  const free = fs.bavail * fs.bsize;
  if (free - more < store.reserveBytes) {
    throw new BrumeError(
      'STORAGE_FULL',
      `the server's data directory has ${free} bytes free and keeps ${store.reserveBytes} in reserve: no room for ${more} more recovered bytes`,
      { detail: { free, reserve: store.reserveBytes } },
    );
  }
}

async function usedBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Checks a partial file's size and sha256 against the agent's, then keeps it under its name. Repeating it is harmless. */
export async function commitRecovered(
  ctx: DomainContext,
  store: RecoveredStore,
  task: TaskCredentials,
  name: string,
  commit: RecoveredCommit,
): Promise<RecoveredStored> {
  requireRecover(task);
  return ctx.locks.exclusive(lockKey(task.id), async () => {
    const dir = recoveredDir(store.dataDir, task.id);
    const kept = join(dir, name);
    const partial = join(dir, PARTIAL, name);
    const source = await stat(partial).then(
      () => partial,
      () => kept,
    );
    const bytes = await stat(source).then(
      (stats) => stats.size,
      () => undefined,
    );
    if (bytes === undefined)
      throw new BrumeError('NOT_FOUND', `task ${task.id} holds no recovered file ${name}`, { detail: { name } });
    const sha256 = await sha256Of(source);
    if (bytes !== commit.bytes || sha256 !== commit.sha256) {
      throw new BrumeError(
        'CHUNK_CORRUPT',
        `${name}: the server holds ${bytes} bytes with sha256 ${sha256}, the agent sent ${commit.bytes} with ${commit.sha256}`,
        { detail: { name, bytes, sha256 } },
      );
    }
    if (source === partial) await rename(partial, kept);
    return { name, bytes, sha256 };
  });
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

/** What the server keeps of a recovery (committed files only). */
export async function listRecovered(ctx: DomainContext, store: RecoveredStore, taskId: number): Promise<RecoveredList> {
  const task = await findTask(ctx, taskId);
  if (!opensRoute(task.kind, 'recovered-files'))
    throw new BrumeError('BAD_REQUEST', `task ${taskId} is a ${task.kind} task, not a recovery`);
  const dir = recoveredDir(store.dataDir, taskId);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files = [];
  for (const entry of entries.filter((each) => each.isFile()).sort((a, b) => a.name.localeCompare(b.name))) {
    files.push({ name: entry.name, bytes: (await stat(join(dir, entry.name))).size });
  }
  return {
    task: taskId,
    dir: `recovered/task-${taskId}`,
    files,
    bytes: files.reduce((sum, file) => sum + file.bytes, 0),
  };
}

/** The path of one kept file, for streaming it (the name is checked by the route's schema: one plain segment). */
export async function recoveredFilePath(
  ctx: DomainContext,
  store: RecoveredStore,
  taskId: number,
  name: string,
): Promise<{ path: string; bytes: number }> {
  await findTask(ctx, taskId);
  const path = join(recoveredDir(store.dataDir, taskId), name);
  const bytes = await stat(path).then(
    (stats) => (stats.isFile() ? stats.size : undefined),
    () => undefined,
  );
  if (bytes === undefined)
    throw new BrumeError(
      'NOT_FOUND',
      `task ${taskId} has no recovered file ${name} (brume task recovered ${taskId} lists them)`,
      { detail: { task: taskId, name } },
    );
  return { path, bytes };
}
