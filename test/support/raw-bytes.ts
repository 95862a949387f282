import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { tool } from './tools.ts';

/**
 * sha256 of `length` bytes at `offset` of a device or file (to its end when `length` is omitted). Block devices get
 * their page cache dropped first: a disk and its partitions are separate block devices with separate caches, so bytes
 * written through one could otherwise be read stale through the other.
 */
export async function rawHash(device: string, offset = 0, length?: number): Promise<string> {
  if (device.startsWith('/dev/')) await tool('blockdev', ['--flushbufs', device]);
  const hash = createHash('sha256');
  const end = length === undefined ? undefined : offset + length - 1;
  if (length === 0) return hash.digest('hex');
  for await (const chunk of createReadStream(device, { start: offset, end, highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Writes `bytes` at `offset` of a device or file and syncs it. */
export async function writeBytes(device: string, offset: number, bytes: Uint8Array): Promise<void> {
  const handle = await open(device, 'r+');
  try {
    let done = 0;
    while (done < bytes.length)
      done += (await handle.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads `length` bytes at `offset` (short only at the end of the device). */
export async function readBytes(device: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(device, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
