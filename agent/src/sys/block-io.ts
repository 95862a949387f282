import { open } from 'node:fs/promises';

/** Reads `length` bytes at `offset` of a device or file. */
export async function readAt(path: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const bytes = new Uint8Array(length);
    const { bytesRead } = await handle.read(bytes, 0, length, offset);
    return bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Writes bytes at `offset` of a device or file and waits until they are on it. */
export async function writeAt(path: string, offset: number, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(bytes, 0, bytes.byteLength, offset);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
