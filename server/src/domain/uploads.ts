import { BrumeError, type HeldChunk, type ImageSummary, type Manifest, type UploadListing } from '@brume/protocol';
import type { HeldChunkRecord } from '../db/uploads.ts';
import type { TaskCredentials } from '../db/tasks.ts';
import { lockKeys, type DomainContext } from './context.ts';
import { checkFiles } from './image-check.ts';
import { expectedFiles, resolveFiles } from './image-plan.ts';
import { newImage, toSummary } from './images.ts';
import { requireAgentRoute } from './task-kinds.ts';
import { untilAborted } from './uploads-in-flight.ts';

/** The largest chunk body accepted; a capture's chunks are 32 MiB of raw stream, compressed. */
export const CHUNK_BODY_LIMIT = 64 * 1024 * 1024;

export interface ChunkUpload {
  file: string;
  index: number;
  offset: number;
  sha256: string;
  contentLength: number | undefined;
  body: AsyncIterable<Uint8Array>;
  /** Drops the client's connection: called when the upload is aborted (superseded, cancelled, committed, discarded). */
  hangUp?: () => void;
}

/**
 * The largest staged file: 4 TiB of compressed partition stream. Offsets are also kept near what is staged (an agent
 * has two chunks in flight), so a bad offset cannot make a huge sparse file.
 */
export const MAX_STAGED_FILE_BYTES = 2 ** 42;
const MAX_OFFSET_AHEAD = 16 * CHUNK_BODY_LIMIT;

const heldChunk = (chunk: HeldChunkRecord): HeldChunk => ({
  index: chunk.index,
  offset: chunk.offset,
  bytes: chunk.bytes,
  sha256: chunk.sha256,
});

const requireCapture = (task: TaskCredentials): void => requireAgentRoute(task, 'uploads');

export async function listUpload(ctx: DomainContext, task: TaskCredentials): Promise<UploadListing> {
  requireCapture(task);
  const files: Record<string, HeldChunk[]> = {};
  const held = await ctx.db.uploads.list(task.id);
  // The capture's start (nothing held yet): refused while DATA is below its free-space reserve.
  if (held.length === 0) await ctx.store.checkFreeSpace();
  for (const chunk of held) (files[chunk.file] ??= []).push(heldChunk(chunk));
  return { files };
}

/**
 * Stores one chunk: written at its offset in the staged file while hashed, recorded only when the hash matches.
 * The same chunk sent again is acknowledged without a write; a different one for a held index is a conflict.
 */
export async function putChunk(
  ctx: DomainContext,
  task: TaskCredentials,
  upload: ChunkUpload,
): Promise<{ created: boolean; chunk: HeldChunk }> {
  requireCapture(task);
  if (upload.contentLength !== undefined && upload.contentLength > CHUNK_BODY_LIMIT) {
    throw new BrumeError(
      'PAYLOAD_TOO_LARGE',
      `a chunk may be at most ${CHUNK_BODY_LIMIT} bytes; this one is ${upload.contentLength}`,
    );
  }
  const { file, index } = upload;
  // Without a Content-Length (chunked encoding) a chunk may take up to the largest body: its range in flight says so,
  // so a concurrent chunk starting inside it is refused (the agent always sends a Content-Length).
  const bytes = upload.contentLength ?? CHUNK_BODY_LIMIT;
  if (upload.offset + bytes > MAX_STAGED_FILE_BYTES) {
    throw new BrumeError(
      'BAD_REQUEST',
      `chunk ${index} of ${file}: offset ${upload.offset} is past the largest image file (${MAX_STAGED_FILE_BYTES} bytes)`,
      { detail: { file, chunk: index } },
    );
  }
  // Registered before the locks: a newer upload of this chunk, a cancel or a commit aborts it even while it waits.
  const flight = ctx.uploads.begin(task.id, { file, index, offset: upload.offset, bytes });
  const onAbort = (): void => upload.hangUp?.();
  flight.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await ctx.locks.shared(lockKeys.upload(task.id), () =>
      ctx.locks.exclusive(lockKeys.chunk(task.id, file, index), async () => {
        flight.signal.throwIfAborted();
        return storeChunk(ctx, task, { ...upload, body: untilAborted(upload.body, flight.signal) });
      }),
    );
  } finally {
    flight.signal.removeEventListener('abort', onAbort);
    flight.end();
  }
}

async function storeChunk(
  ctx: DomainContext,
  task: TaskCredentials,
  upload: ChunkUpload,
): Promise<{ created: boolean; chunk: HeldChunk }> {
  const { file, index } = upload;
  if ((await ctx.db.images.byTask(task.id)) !== undefined)
    throw new BrumeError('TASK_STATE', `task ${task.id} has committed its image already`);
  const held = await ctx.db.uploads.held(task.id, file, index);
  if (held !== undefined) {
    if (held.sha256 !== upload.sha256 || held.offset !== upload.offset) {
      throw new BrumeError('CHUNK_CONFLICT', `chunk ${index} of ${file} is held with another offset or sha256`, {
        detail: { file, held: heldChunk(held) },
      });
    }
    await drain(upload.body); // the same bytes again: read and dropped
    return { created: false, chunk: heldChunk(held) };
  }
  const room = await roomAt(ctx, task.id, upload);
  const staged = (await ctx.store.fileSize({ staged: task.id }, file)) ?? 0;
  if (upload.offset > staged + MAX_OFFSET_AHEAD) {
    throw new BrumeError(
      'BAD_REQUEST',
      `chunk ${index} of ${file}: offset ${upload.offset} is more than ${MAX_OFFSET_AHEAD} bytes past what is staged (${staged})`,
      { detail: { file, chunk: index } },
    );
  }
  const written = await ctx.store
    .stageChunk(task.id, file, upload.offset, upload.body, {
      maxBytes: Math.min(CHUNK_BODY_LIMIT, room),
      exceeded: () =>
        room < CHUNK_BODY_LIMIT
          ? overlap(file, index)
          : new BrumeError('PAYLOAD_TOO_LARGE', `a chunk may be at most ${CHUNK_BODY_LIMIT} bytes`),
    })
    .catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
        throw new BrumeError(
          'STORAGE_FULL',
          `the server's DATA disk is full: chunk ${index} of ${file} was not stored`,
          { cause: error },
        );
      }
      throw error;
    });
  if (written.sha256 !== upload.sha256) {
    throw new BrumeError(
      'CHUNK_CORRUPT',
      `chunk ${index} of ${file} arrived with sha256 ${written.sha256}, not ${upload.sha256}: send it again`,
      {
        detail: { file, chunk: index, expected: upload.sha256, actual: written.sha256, bytes: written.bytes },
      },
    );
  }
  const chunk = { file, index, offset: upload.offset, bytes: written.bytes, sha256: written.sha256 };
  await ctx.db.uploads.record(task.id, chunk);
  return { created: true, chunk: heldChunk(chunk) };
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const data of body) void data;
}

const overlap = (file: string, index: number): BrumeError =>
  new BrumeError('CHUNK_CONFLICT', `chunk ${index} of ${file} would overwrite a chunk the server holds`, {
    detail: { file, chunk: index },
  });

/** How many bytes a new chunk may take from its offset before it reaches a held chunk of the same file. */
async function roomAt(ctx: DomainContext, taskId: number, upload: ChunkUpload): Promise<number> {
  let room = Number.POSITIVE_INFINITY;
  for (const held of await ctx.db.uploads.listFile(taskId, upload.file)) {
    if (held.offset <= upload.offset && upload.offset < held.offset + held.bytes)
      throw overlap(upload.file, upload.index);
    if (held.offset >= upload.offset) room = Math.min(room, held.offset - upload.offset);
  }
  if (upload.contentLength !== undefined && upload.contentLength > room) throw overlap(upload.file, upload.index);
  return room;
}

/**
 * Publishes a capture: every chunk the manifest lists must be held, is read back and hashed again, each partition
 * file must match its sha256; then one rename makes the image visible. Repeated after a lost answer, it returns the
 * image this task published.
 */
export async function commitUpload(
  ctx: DomainContext,
  task: TaskCredentials,
  manifest: Manifest,
): Promise<ImageSummary> {
  requireCapture(task);
  if (manifest.name !== task.image) {
    throw new BrumeError(
      'BAD_REQUEST',
      `the manifest names image ${JSON.stringify(manifest.name)}; task ${task.id} captures ${task.image}`,
    );
  }
  // The agent commits once every chunk is answered: any upload still in flight is a stale copy from a dead connection.
  ctx.uploads.abortTask(task.id, new BrumeError('TASK_STATE', `capture task ${task.id} is committing its image`));
  return ctx.locks.exclusive(lockKeys.upload(task.id), async () => {
    // Read again under the lock: a cancel requested after this request was authenticated still stops the publish.
    const fresh = await ctx.db.tasks.credentialsById(task.id);
    if (fresh !== undefined && fresh.cancelRequestedAt !== null) {
      throw new BrumeError(
        'TASK_CANCELLED',
        `capture task ${task.id} was cancelled by a technician: its image is not published`,
      );
    }
    const existing = await ctx.db.images.byName(manifest.name);
    if (existing !== undefined) {
      if (existing.taskId === task.id) return toSummary(existing);
      throw new BrumeError('IMAGE_EXISTS', `image ${manifest.name} exists already`, {
        detail: { name: manifest.name },
      });
    }
    const held = new Map((await ctx.db.uploads.list(task.id)).map((chunk) => [`${chunk.file}#${chunk.index}`, chunk]));
    const { files, missing } = resolveFiles(expectedFiles(manifest), (file, index) => held.get(`${file}#${index}`));
    if (missing.length > 0) {
      throw new BrumeError(
        'UPLOAD_INCOMPLETE',
        `${missing.length} chunk(s) of the manifest are not held: upload them, then commit again`,
        { detail: { missing } },
      );
    }
    const check = await checkFiles(ctx.store, { staged: task.id }, files, false);
    const damaged = check.problems.filter((problem) => problem.chunk !== null);
    if (damaged.length > 0) {
      // Forgotten, so the agent's next listing shows them missing and it sends them again.
      for (const problem of damaged) await ctx.db.uploads.forget(task.id, problem.file, problem.chunk as number);
      throw new BrumeError(
        'CHUNK_CORRUPT',
        `${damaged.length} held chunk(s) no longer match their sha256: upload them again`,
        { detail: { problems: damaged } },
      );
    }
    if (check.problems.length > 0) {
      throw new BrumeError('MANIFEST_INVALID', `the manifest's file sha256 does not match the uploaded bytes`, {
        detail: { problems: check.problems },
      });
    }
    const record = {
      taskId: task.id,
      files: files.map((file) => ({ name: file.file, bytes: file.bytes, sha256: file.sha256 })),
    };
    await ctx.store.publish(task.id, manifest.name, manifest, record);
    const image = await ctx.db.images.insert(newImage(manifest, record.files, task.id));
    await ctx.db.uploads.forgetTask(task.id);
    return toSummary(image);
  });
}
