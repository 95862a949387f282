import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BrumeError, SignatureFileName } from '@brume/protocol';
import { digestRanges, READ_CHUNK_BYTES } from './file-digest.ts';
import { fileSegment } from './safe-paths.ts';

/** One database file as it lies in a signatures directory. */
export interface StoredSignature {
  name: string;
  path: string;
  bytes: number;
  sha256: string;
  modifiedAt: string;
}

/** A directory of ClamAV database files: DATA/signatures/ (uploads) or the `--signatures DIR` mirror (read-only). */
export interface SignatureDir {
  readonly dir: string;
  readonly writable: boolean;
  /** The database files, by name; anything else in the directory (temp files, subdirectories, READMEs) is ignored. */
  list(): Promise<StoredSignature[]>;
  /** Streams `body` to a temp file, then renames it over `name`: a reader never sees half a file. */
  save(
    name: string,
    body: AsyncIterable<Uint8Array>,
    limit: { maxBytes: number; sha256?: string | undefined },
  ): Promise<StoredSignature>;
  /** false: there was no such file. */
  remove(name: string): Promise<boolean>;
}

/** A listed file's bytes, whole or one inclusive range. */
export function openSignature(file: StoredSignature, range: { start: number; end: number } | null): ReadStream {
  return createReadStream(file.path, { highWaterMark: READ_CHUNK_BYTES, ...(range === null ? {} : range) });
}

/** A file name is checked twice: the protocol's rule (a database extension), then safe-paths' (one plain segment). */
function checkedName(name: string): string {
  const parsed = SignatureFileName.safeParse(name);
  if (!parsed.success)
    throw new BrumeError(
      'BAD_REQUEST',
      `not a signature file name: ${JSON.stringify(name)} (${parsed.error.issues[0]?.message ?? 'invalid'})`,
      { detail: { name } },
    );
  return fileSegment(parsed.data);
}

/**
 * `digests` caches each file's sha256 by path, size, mtime and inode: a mirrored main.cvd is 160 MiB, hashed once per
 * version rather than once per listing. The cache belongs to one server (passed in, not module state, so two servers in
 * one process never share it).
 */
export function signatureDir(dir: string, writable: boolean, digests: Map<string, string>): SignatureDir {
  const digestOf = async (path: string, bytes: number, key: string): Promise<string> => {
    const known = digests.get(key);
    if (known !== undefined) return known;
    const { sha256 } = await digestRanges(path, [{ offset: 0, bytes }]);
    digests.set(key, sha256);
    return sha256;
  };

  return {
    dir,
    writable,
    async list() {
      const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });
      const files: StoredSignature[] = [];
      for (const name of names.filter((entry) => SignatureFileName.safeParse(entry).success).sort()) {
        const path = join(dir, name);
        const info = await stat(path).catch(() => undefined);
        if (info?.isFile() !== true) continue;
        const sha256 = await digestOf(path, info.size, `${path}\0${info.size}\0${info.mtimeMs}\0${info.ino}`);
        files.push({ name, path, bytes: info.size, sha256, modifiedAt: info.mtime.toISOString() });
      }
      return files;
    },
    async save(name, body, limit) {
      if (!writable) throw new BrumeError('INTERNAL', `${dir} is a read-only signatures mirror`);
      const path = join(dir, checkedName(name));
      await mkdir(dir, { recursive: true });
      // A dot first: never listed, never served, whatever happens to the upload.
      const temp = join(dir, `.upload-${randomBytes(6).toString('hex')}`);
      try {
        const { bytes, sha256 } = await writeFile(temp, body, limit.maxBytes);
        if (limit.sha256 !== undefined && limit.sha256 !== sha256) {
          throw new BrumeError(
            'CHUNK_CORRUPT',
            `${name} arrived with sha256 ${sha256}, not the ${limit.sha256} it was sent with`,
            { detail: { name, expected: limit.sha256, actual: sha256 } },
          );
        }
        await rename(temp, path);
        const info = await stat(path);
        digests.set(`${path}\0${info.size}\0${info.mtimeMs}\0${info.ino}`, sha256);
        return { name, path, bytes, sha256, modifiedAt: info.mtime.toISOString() };
      } finally {
        await rm(temp, { force: true });
      }
    },
    async remove(name) {
      if (!writable) throw new BrumeError('INTERNAL', `${dir} is a read-only signatures mirror`);
      const path = join(dir, checkedName(name));
      return rm(path).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return false;
          throw error;
        },
      );
    },
  };
}

async function writeFile(
  path: string,
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  const handle = await open(path, 'wx', 0o644);
  let bytes = 0;
  try {
    for await (const data of body) {
      bytes += data.length;
      if (bytes > maxBytes)
        throw new BrumeError('PAYLOAD_TOO_LARGE', `a signature file is at most ${maxBytes} bytes`, {
          detail: { maxBytes },
        });
      hash.update(data);
      await handle.write(data);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}
