import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { constants, mkdir, open, readdir, readFile, rename, rm, stat, statfs, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BrumeError, MANIFEST_FILE } from '@brume/protocol';
import { digestRanges, READ_CHUNK_BYTES } from './file-digest.ts';
import type { ChunkLimit, FileLocation, ImageStore, PublishRecord, StagedChunk } from './image-store.ts';
import { fileSegment, imageSegment, joinSafe, taskSegment } from './safe-paths.ts';

/** The publish record's file name: server bookkeeping beside manifest.json, never listed or served. */
export const PUBLISH_RECORD_FILE = '.brume-server.json';

/**
 * Images as directories under DATA: uploads/<task>/ while a capture uploads, images/<name>/ once published (one
 * rename, after every file and the directory are on disk), trash/ on the way out. images/ never holds a partial image.
 */
export interface LocalStoreOptions {
  /** Free bytes DATA must keep for a capture to start (`--free-space-reserve`). */
  reserveBytes?: number;
}

/** The reserve when none is given: room for a small image, and for the database to keep working. */
export const DEFAULT_FREE_SPACE_RESERVE = 1024 ** 3;

export function localImageStore(dataDir: string, options: LocalStoreOptions = {}): ImageStore {
  const reserve = options.reserveBytes ?? DEFAULT_FREE_SPACE_RESERVE;
  const dirs = { images: join(dataDir, 'images'), uploads: join(dataDir, 'uploads'), trash: join(dataDir, 'trash') };
  const stagedDir = (taskId: number): string => join(dirs.uploads, taskSegment(taskId));
  const publishedDir = (name: string): string => join(dirs.images, imageSegment(name));
  const locate = (location: FileLocation, file: string): string =>
    joinSafe('staged' in location ? stagedDir(location.staged) : publishedDir(location.published), file);

  return {
    stageChunk: async (taskId, file, offset, body, limit) => {
      await mkdir(stagedDir(taskId), { recursive: true, mode: 0o700 });
      return writeAt(joinSafe(stagedDir(taskId), file), offset, body, limit);
    },
    digest: async (location, file, chunks) => digestRanges(locate(location, file), chunks),
    fileSize: async (location, file) =>
      stat(locate(location, file)).then(
        (info) => info.size,
        () => null,
      ),
    publish: async (taskId, name, manifest, record) => {
      const target = publishedDir(name);
      if (await exists(target)) throw new BrumeError('IMAGE_EXISTS', `image ${name} exists already`);
      const staged = stagedDir(taskId);
      await mkdir(staged, { recursive: true, mode: 0o700 });
      await settleFiles(staged, record);
      await writeSynced(join(staged, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      await writeSynced(join(staged, PUBLISH_RECORD_FILE), `${JSON.stringify(record)}\n`);
      await syncDir(staged);
      await rename(staged, target);
      await syncDir(dirs.images);
    },
    discardStaged: async (taskId) => rm(stagedDir(taskId), { recursive: true, force: true }),
    checkFreeSpace: async () => {
      const info = await statfs(dataDir);
      const free = info.bavail * info.bsize;
      if (free < reserve) {
        throw new BrumeError(
          'STORAGE_FULL',
          `the server's DATA disk has ${free} bytes free, less than the ${reserve} a capture needs to start: delete images or free space`,
          { detail: { free, reserve } },
        );
      }
    },
    stagedTaskIds: async () => (await listDir(dirs.uploads)).filter((entry) => /^[1-9][0-9]*$/.test(entry)).map(Number),
    publishedNames: async () => listDir(dirs.images),
    hasPublished: async (name) => exists(publishedDir(name)),
    readPublished: async (name) => {
      const dir = publishedDir(name);
      const manifest = await readJson(join(dir, MANIFEST_FILE));
      return manifest === undefined
        ? null
        : { manifest, record: (await readJson(join(dir, PUBLISH_RECORD_FILE))) ?? null };
    },
    openRead: (name, file, range) =>
      createReadStream(joinSafe(publishedDir(name), file), {
        highWaterMark: READ_CHUNK_BYTES,
        ...(range === null ? {} : range),
      }),
    remove: async (name) => {
      const source = publishedDir(name);
      const doomed = join(dirs.trash, `${name}.${randomBytes(6).toString('hex')}`);
      await mkdir(dirs.trash, { recursive: true, mode: 0o700 });
      await rename(source, doomed).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      await syncDir(dirs.images);
      await rm(doomed, { recursive: true, force: true });
    },
    sweep: async () => {
      await Promise.all(
        [dirs.images, dirs.uploads, dirs.trash].map((dir) => mkdir(dir, { recursive: true, mode: 0o700 })),
      );
      for (const entry of await listDir(dirs.trash))
        await rm(join(dirs.trash, entry), { recursive: true, force: true });
    },
  };
}

/** Writes go out in pieces of at least this size: a body arrives in 64 KiB reads, one write each would be 500 per chunk. */
const WRITE_BATCH_BYTES = 1024 * 1024;

async function writeAt(
  path: string,
  offset: number,
  body: AsyncIterable<Uint8Array>,
  limit: ChunkLimit,
): Promise<StagedChunk> {
  const hash = createHash('sha256');
  const handle = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  let bytes = 0;
  let written = 0;
  let pending: Uint8Array[] = [];
  const flush = async (): Promise<void> => {
    const batch = Buffer.concat(pending);
    pending = [];
    await handle.write(batch, 0, batch.length, offset + written);
    written += batch.length;
  };
  try {
    for await (const data of body) {
      if (bytes + data.length > limit.maxBytes) throw limit.exceeded();
      hash.update(data);
      pending.push(data);
      bytes += data.length;
      if (bytes - written >= WRITE_BATCH_BYTES) await flush();
    }
    if (bytes > written) await flush();
  } catch (error) {
    await dropTail(handle, offset, written);
    throw error;
  } finally {
    await handle.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * A refused or broken chunk leaves nothing staged when it was the file's tail: the file is cut back to where it began.
 * Bytes written inside the file (before another chunk) stay unrecorded until the right chunk overwrites them.
 */
async function dropTail(handle: FileHandle, offset: number, written: number): Promise<void> {
  if (written === 0) return;
  const { size } = await handle.stat();
  if (size === offset + written) await handle.truncate(offset);
}

/** Every recorded file cut to its size and on disk; whatever else the upload left is not part of the image. */
async function settleFiles(staged: string, record: PublishRecord): Promise<void> {
  const keep = new Set(record.files.map((file) => fileSegment(file.name)));
  for (const entry of await listDir(staged)) {
    if (!keep.has(entry)) await rm(join(staged, entry), { recursive: true, force: true });
  }
  for (const file of record.files) {
    const handle = await open(joinSafe(staged, file.name), constants.O_RDWR | constants.O_CREAT, 0o600);
    try {
      await handle.truncate(file.bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

async function writeSynced(path: string, text: string): Promise<void> {
  const handle = await open(path, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function listDir(path: string): Promise<string[]> {
  return readdir(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
