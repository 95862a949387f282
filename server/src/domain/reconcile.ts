import { IMAGE_NAME_PATTERN, Manifest, Sha256 } from '@brume/protocol';
import { z } from 'zod';
import { isActive } from '../auth.ts';
import { checkFiles } from './image-check.ts';
import { expectedFiles, manifestChunks, resolveFiles } from './image-plan.ts';
import type { DomainContext } from './context.ts';
import { newImage } from './images.ts';

export interface ReconcileLog {
  info(detail: object, message: string): void;
  warn(detail: object, message: string): void;
}

const PublishRecord = z.object({
  taskId: z.number().int().positive().nullable(),
  files: z.array(z.object({ name: z.string(), bytes: z.number().int().nonnegative(), sha256: Sha256 })),
});

/**
 * Brings the database and the image store into agreement at startup, after whatever stopped the last run:
 * - a published directory the database does not list (killed between the rename and the insert) is registered;
 * - a row whose directory is gone (killed during a delete) is removed;
 * - staged uploads of tasks that ended, or held-chunk rows without a staged directory, are dropped.
 */
export async function reconcile(ctx: DomainContext, log: ReconcileLog): Promise<void> {
  await ctx.store.sweep();
  for (const name of await ctx.store.publishedNames()) {
    if (!IMAGE_NAME_PATTERN.test(name)) {
      log.warn({ name }, 'ignoring a directory in images/ that is not an image name');
      continue;
    }
    if ((await ctx.db.images.byName(name)) !== undefined) continue;
    await registerOrphan(ctx, name, log).catch((error: unknown) => {
      log.warn(
        { image: name, err: error },
        'could not register an image directory the database does not list: left alone, not listed',
      );
    });
  }
  for (const image of await ctx.db.images.list()) {
    if (!(await ctx.store.hasPublished(image.name))) {
      log.warn({ image: image.name }, 'image directory vanished: forgetting the image');
      await ctx.db.images.remove(image.name);
    }
  }
  const staged = new Set(await ctx.store.stagedTaskIds());
  for (const taskId of new Set([...staged, ...(await ctx.db.uploads.taskIds())])) {
    const task = await ctx.db.tasks.credentialsById(taskId);
    if (task === undefined || !isActive(task.state) || !staged.has(taskId)) {
      await ctx.store.discardStaged(taskId);
      await ctx.db.uploads.forgetTask(taskId);
    }
  }
}

async function registerOrphan(ctx: DomainContext, name: string, log: ReconcileLog): Promise<void> {
  const stored = await ctx.store.readPublished(name);
  const manifest = Manifest.safeParse(stored?.manifest);
  if (!manifest.success || manifest.data.name !== name) {
    log.warn({ image: name }, 'images/ holds a directory without a valid manifest.json: left alone, not listed');
    return;
  }
  const record = PublishRecord.safeParse(stored?.record);
  const files = record.success ? record.data.files : await hashFiles(ctx, manifest.data, name);
  if (files === undefined) {
    log.warn({ image: name }, 'images/ holds an image whose files do not match its manifest: left alone, not listed');
    return;
  }
  const taskId = record.success ? record.data.taskId : null;
  const task = taskId === null ? undefined : await ctx.db.tasks.credentialsById(taskId);
  await ctx.db.images.insert(newImage(manifest.data, files, task === undefined ? null : taskId));
  log.info({ image: name, taskId }, 'registered a published image the database did not list');
}

/** For an image directory placed by hand (no publish record): every file read and checked against the manifest. */
async function hashFiles(
  ctx: DomainContext,
  manifest: Manifest,
  name: string,
): Promise<{ name: string; bytes: number; sha256: string }[] | undefined> {
  const expected = expectedFiles(manifest);
  const unhashed = new Map<string, { bytes: number; sha256: string }>();
  for (const file of expected.filter((candidate) => candidate.sha256 === null)) {
    const bytes = (await ctx.store.fileSize({ published: name }, file.file)) ?? 0;
    const digest = await ctx.store.digest({ published: name }, file.file, [{ offset: 0, bytes }]);
    unhashed.set(file.file, { bytes, sha256: digest.sha256 });
  }
  const { files, missing } = resolveFiles(
    expected,
    manifestChunks(expected, (file) => unhashed.get(file)),
  );
  const check = await checkFiles(ctx.store, { published: name }, files, true);
  if (missing.length > 0 || check.problems.length > 0) return undefined;
  return files.map((file) => ({ name: file.file, bytes: file.bytes, sha256: file.sha256 }));
}
