import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrumeError } from '@brume/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localImageStore } from './local-store.ts';
import type { ImageStore } from './image-store.ts';

const MiB = 1024 * 1024;
const FILE = 'd1p1.pc.zst';

async function* pieces(data: Buffer, failAfter?: number): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < data.length; start += 256 * 1024) {
    if (failAfter !== undefined && start >= failAfter) throw new Error('the client hung up');
    yield data.subarray(start, start + 256 * 1024);
  }
}

describe('a staged chunk that does not complete', () => {
  let dir: string;
  let store: ImageStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brume-store-'));
    store = localImageStore(dir);
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const stage = (offset: number, data: Buffer, options: { maxBytes?: number; failAfter?: number } = {}) =>
    store.stageChunk(7, FILE, offset, pieces(data, options.failAfter), {
      maxBytes: options.maxBytes ?? 64 * MiB,
      exceeded: () => new BrumeError('PAYLOAD_TOO_LARGE', 'too large'),
    });

  it('leaves nothing staged past the file as it was when it is refused for its size', async () => {
    await stage(0, randomBytes(MiB));
    await expect(stage(MiB, randomBytes(5 * MiB), { maxBytes: 4 * MiB })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(await store.fileSize({ staged: 7 }, FILE)).toBe(MiB);
  });

  it('leaves nothing staged when its body breaks off', async () => {
    await expect(stage(0, randomBytes(4 * MiB), { failAfter: 3 * MiB })).rejects.toThrow('hung up');
    expect(await store.fileSize({ staged: 7 }, FILE)).toBe(0);
  });
});
