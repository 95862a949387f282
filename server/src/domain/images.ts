import {
  BrumeError,
  type ImageDetail,
  type ImageSummary,
  type ImageVerification,
  type Manifest,
} from '@brume/protocol';
import type { ImageFileRecord, ImageRecord, NewImage } from '../db/images.ts';
import type { DomainContext } from './context.ts';
import { lockKeys } from './context.ts';
import { checkFiles } from './image-check.ts';
import { expectedFiles, manifestChunks, resolveFiles } from './image-plan.ts';

export function toSummary(image: ImageRecord): ImageSummary {
  const { name, createdAt, sourceHost, partitions, rawBytes, storedBytes, taskId } = image;
  return { name, createdAt, sourceHost, partitions, rawBytes, storedBytes, taskId };
}

/** The database row of a published image, from its manifest and stored files. */
export function newImage(manifest: Manifest, files: ImageFileRecord[], taskId: number | null): NewImage {
  return {
    name: manifest.name,
    createdAt: manifest.created,
    sourceHost: manifest.source.host,
    partitions: manifest.partitions.length,
    rawBytes: manifest.partitions.reduce((sum, partition) => sum + partition.rawBytes, 0),
    storedBytes: files.reduce((sum, file) => sum + file.bytes, 0),
    taskId,
    files,
    manifest,
  };
}

export async function findImage(ctx: DomainContext, name: string): Promise<ImageRecord> {
  const image = await ctx.db.images.byName(name);
  if (image === undefined) throw new BrumeError('IMAGE_NOT_FOUND', `no image named ${name}`, { detail: { name } });
  return image;
}

export async function imageManifest(ctx: DomainContext, name: string): Promise<Manifest> {
  const manifest = await ctx.db.images.manifest(name);
  if (manifest === undefined) throw new BrumeError('IMAGE_NOT_FOUND', `no image named ${name}`, { detail: { name } });
  return manifest;
}

export async function listImages(ctx: DomainContext): Promise<{ images: ImageSummary[] }> {
  return { images: (await ctx.db.images.list()).map(toSummary) };
}

export async function showImage(ctx: DomainContext, name: string): Promise<ImageDetail> {
  const image = await findImage(ctx, name);
  return { ...toSummary(image), manifest: await imageManifest(ctx, name) };
}

/** Re-reads every chunk of every file of a published image and hashes it against the manifest. */
export async function verifyImage(ctx: DomainContext, name: string): Promise<ImageVerification> {
  const image = await findImage(ctx, name);
  const expected = expectedFiles(await imageManifest(ctx, name));
  const recorded = new Map(image.files.map((file) => [file.name, file]));
  const { files, missing } = resolveFiles(
    expected,
    manifestChunks(expected, (file) => recorded.get(file)),
  );
  const check = await checkFiles(ctx.store, { published: name }, files, true);
  const problems = [
    ...missing.map(({ file, chunk }) => ({ file, chunk, message: `chunk ${chunk} of ${file} is not recorded` })),
    ...check.problems,
  ];
  return { name, ok: problems.length === 0, chunks: check.chunks, bytes: check.bytes, problems };
}

/** Refused while a queued or running task uses the image. The directory goes first, so a crash leaves no orphan row. */
export async function deleteImage(ctx: DomainContext, name: string): Promise<void> {
  await ctx.locks.exclusive(lockKeys.image(name), async () => {
    await findImage(ctx, name);
    const users = [
      ...(await ctx.db.tasks.activeForImage(name, 'deploy')),
      ...(await ctx.db.tasks.activeForImage(name, 'capture')),
    ];
    if (users.length > 0) {
      throw new BrumeError(
        'TASK_STATE',
        `image ${name} is in use by task ${users.map((task) => task.id).join(', ')}; cancel it first`,
        {
          detail: { tasks: users.map((task) => task.id) },
        },
      );
    }
    await ctx.store.remove(name);
    await ctx.db.images.remove(name);
  });
}
