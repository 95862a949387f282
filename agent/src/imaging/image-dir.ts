import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BrumeError, IMAGE_FORMAT, MANIFEST_FILE, Manifest, type ManifestDisk } from '@brume/protocol';

/** A capture writes into DIR.partial and renames it to DIR only when complete: a half image is never visible. */
export async function prepareCaptureDir(imageDir: string): Promise<string> {
  if (existsSync(imageDir))
    throw new BrumeError('IMAGE_EXISTS', `${imageDir} already exists; choose another directory or delete it`);
  const partial = `${imageDir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  return partial;
}

export async function writeFileSynced(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function publishImage(partial: string, imageDir: string, manifest: Manifest): Promise<void> {
  await writeFileSynced(join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(partial, imageDir);
}

/** Reads and validates a manifest; each way it can be wrong has its own message (exit code 2). */
export async function readManifest(imageDir: string): Promise<Manifest> {
  const path = join(imageDir, MANIFEST_FILE);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') {
      const what = existsSync(imageDir) ? `${imageDir} holds no ${MANIFEST_FILE}` : `${imageDir} does not exist`;
      throw new BrumeError('IMAGE_NOT_FOUND', `not a Brume image: ${what}`);
    }
    throw error;
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BrumeError('MANIFEST_INVALID', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseManifest(json, path);
}

/** A manifest from parsed JSON, from a directory or the server: the format version first, then the schema. */
export function parseManifest(json: unknown, where: string): Manifest {
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== IMAGE_FORMAT) {
    throw new BrumeError(
      'FORMAT_UNSUPPORTED',
      `${where} has format ${JSON.stringify(format)}; this Brume reads ${IMAGE_FORMAT}`,
    );
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new BrumeError(
      'MANIFEST_INVALID',
      `${where} is malformed: ${first?.path.join('.') ?? ''}: ${first?.message ?? parsed.error.message}`,
      {
        detail: parsed.error.issues,
      },
    );
  }
  return parsed.data;
}

/** The files a manifest names and the size each must have: boot areas and partition streams. */
export function expectedFileSizes(manifest: Manifest): Array<{ file: string; bytes: number }> {
  return [
    ...manifest.disks.map((disk) => ({ file: disk.bootArea.file, bytes: disk.bootArea.bytes })),
    ...manifest.partitions.flatMap((partition) =>
      partition.file === null ? [] : [{ file: partition.file, bytes: partition.storedBytes }],
    ),
  ];
}

/**
 * Checks every stored file has exactly the size the manifest gives it, before anything is written anywhere.
 * `sizeOf` answers -1 for a missing file; `where` names the image in messages.
 */
export async function checkFileSizes(
  manifest: Manifest,
  where: string,
  sizeOf: (file: string) => Promise<number>,
): Promise<void> {
  for (const { file, bytes } of expectedFileSizes(manifest)) {
    const actual = await sizeOf(file);
    if (actual === -1)
      throw new BrumeError('IMAGE_TRUNCATED', `${file} is missing from ${where}`, { detail: { file } });
    if (actual !== bytes) {
      throw new BrumeError(
        'IMAGE_TRUNCATED',
        `${file} is ${actual} bytes; the manifest says ${bytes}: the image is ${actual < bytes ? 'truncated' : 'damaged'}`,
        {
          detail: { file, expected: bytes, actual },
        },
      );
    }
  }
}

/** The size of a file of an image directory, -1 when it is missing. */
export const fileSizeIn =
  (imageDir: string) =>
  (file: string): Promise<number> =>
    stat(join(imageDir, file)).then(
      (info) => info.size,
      () => -1,
    );

/** The boot area of a disk, only if it matches its sha256: it is written to a disk before any partition. */
export async function readVerifiedBootArea(imageDir: string, disk: ManifestDisk): Promise<Uint8Array> {
  return verifiedBootArea(await readFile(join(imageDir, disk.bootArea.file)), disk);
}

export function verifiedBootArea(bootArea: Uint8Array, disk: ManifestDisk): Uint8Array {
  if (createHash('sha256').update(bootArea).digest('hex') !== disk.bootArea.sha256) {
    throw new BrumeError('CHUNK_CORRUPT', `${disk.bootArea.file} does not match its sha256: the boot area is damaged`, {
      detail: { file: disk.bootArea.file },
    });
  }
  return bootArea;
}
