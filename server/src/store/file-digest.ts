import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { ByteRange, FileDigest } from './image-store.ts';

export const READ_CHUNK_BYTES = 1024 * 1024;

/** Hashes each range of a file and their concatenation in one pass, 1 MiB at a time. A missing file reads as empty. */
export async function digestRanges(path: string, ranges: readonly ByteRange[]): Promise<FileDigest> {
  const whole = createHash('sha256');
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  try {
    const chunks = [];
    for (const range of ranges) {
      const hash = createHash('sha256');
      const bytes =
        handle === null
          ? 0
          : await readRange(handle, range, (data) => {
              hash.update(data);
              whole.update(data);
            });
      chunks.push({ bytes, sha256: hash.digest('hex') });
    }
    return { chunks, sha256: whole.digest('hex') };
  } finally {
    await handle?.close();
  }
}

async function readRange(handle: FileHandle, range: ByteRange, onData: (data: Uint8Array) => void): Promise<number> {
  const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, Math.max(range.bytes, 1)));
  let done = 0;
  while (done < range.bytes) {
    const { bytesRead } = await handle.read(
      buffer,
      0,
      Math.min(buffer.length, range.bytes - done),
      range.offset + done,
    );
    if (bytesRead === 0) break;
    onData(buffer.subarray(0, bytesRead));
    done += bytesRead;
  }
  return done;
}
