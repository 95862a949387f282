import { describe, expect, it } from 'vitest';
import { chunkWindow } from './chunk-window.ts';

const MiB = 1024 * 1024;

describe('chunkWindow', () => {
  it('keeps the pool busy (pool size + 1) when memory is plentiful', () => {
    expect(chunkWindow(32 * MiB, 2, 16 * 1024 * MiB)).toBe(3);
    expect(chunkWindow(32 * MiB, 8, 16 * 1024 * MiB)).toBe(9);
  });

  it('shrinks to what a quarter of the available memory holds, two copies per chunk', () => {
    // 1 GiB available: 256 MiB budget / 64 MiB per chunk = 4, below pool size + 1 = 9.
    expect(chunkWindow(32 * MiB, 8, 1024 * MiB)).toBe(4);
  });

  it('never stops the stream: one chunk at a time on a PC with 512 MiB of RAM and a ramdisk in it', () => {
    expect(chunkWindow(32 * MiB, 2, 250 * MiB)).toBe(1);
    expect(chunkWindow(32 * MiB, 2, 0)).toBe(1);
  });
});
