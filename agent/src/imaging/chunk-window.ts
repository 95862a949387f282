import { freemem } from 'node:os';

/**
 * How many chunks one stream may have in flight (being read, hashed, (de)compressed, or waiting for the writer).
 * The pool is kept busy with poolSize + 1; more never makes it faster. Each chunk in flight costs up to two copies of
 * its size (stored and raw), and the PXE ramdisk lives in RAM next to the agent: on a 512 MiB PC the agent has about
 * 250 MiB, and three 32 MiB chunks in flight got it killed by the kernel's OOM killer in the middle of a deploy. So
 * the window also keeps to a quarter of the memory available when the stream starts; it is never below one chunk.
 */
export function chunkWindow(chunkBytes: number, poolSize: number, availableBytes: number): number {
  const affordable = Math.floor(availableBytes / 4 / (2 * chunkBytes));
  return Math.max(1, Math.min(poolSize + 1, affordable));
}

/** Memory the agent may still use: the cgroup's limit where there is one, else the kernel's MemAvailable. */
export function availableMemory(): number {
  return typeof process.availableMemory === 'function' ? process.availableMemory() : freemem();
}
