import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { BrumeError, type Chunk, type ManifestPartition } from '@brume/protocol';
import type { ChunkSource } from './chunk-source.ts';
import { CodecPool } from './codec-pool.ts';
import { restoreStream } from './restore-stream.ts';

const pool = new CodecPool(2);
afterAll(() => pool.close());

/** An in-memory image of one partition: `count` chunks of distinct random bytes, compressed by the real pool. */
async function memoryImage(count: number, chunkBytes = 64 * 1024) {
  const raws = Array.from({ length: count }, () => new Uint8Array(randomBytes(chunkBytes)));
  const stored: Uint8Array[] = [];
  const chunks: Chunk[] = [];
  let offset = 0;
  for (const [index, raw] of raws.entries()) {
    const compressed = await pool.compress(raw.slice(), 3);
    stored.push(compressed.stored);
    chunks.push({
      rawOffset: index * chunkBytes,
      rawBytes: chunkBytes,
      rawSha256: compressed.rawSha256,
      offset,
      bytes: compressed.stored.byteLength,
      sha256: compressed.sha256,
    });
    offset += compressed.stored.byteLength;
  }
  const partition = { number: 2, file: 'd1p2.pc.zst', chunks } as unknown as ManifestPartition;
  const source: ChunkSource = {
    read: async (_file, _chunk, index) => (stored[index] ?? new Uint8Array()).slice(),
    close: async () => undefined,
  };
  return { raws, stored, partition, source };
}

function collector(): { sink: Writable; bytes: () => Buffer } {
  const parts: Buffer[] = [];
  return {
    sink: new Writable({ write: (chunk: Buffer, _encoding, done) => (parts.push(chunk), done()) }),
    bytes: () => Buffer.concat(parts),
  };
}

describe('restoreStream', () => {
  it('writes every chunk in order when all hashes match', async () => {
    const image = await memoryImage(7);
    const { sink, bytes } = collector();
    await restoreStream(image.partition, image.source, sink, pool, pool.size + 1, () => undefined);
    expect(bytes().equals(Buffer.concat(image.raws))).toBe(true);
  });

  it.each([0, 3, 6])('stops at a corrupt chunk %i, names it, and writes nothing of it', async (bad) => {
    const image = await memoryImage(7);
    const damaged = image.stored[bad];
    if (damaged === undefined) throw new Error('fixture');
    const middle = Math.floor(damaged.byteLength / 2);
    damaged.set([(damaged[middle] ?? 0) ^ 0x40], middle);
    const { sink, bytes } = collector();
    const failure = await restoreStream(
      image.partition,
      image.source,
      sink,
      pool,
      pool.size + 1,
      () => undefined,
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BrumeError);
    expect((failure as BrumeError).code).toBe('CHUNK_CORRUPT');
    expect((failure as BrumeError).message).toContain(`d1p2.pc.zst chunk ${bad}`);
    // Exactly the chunks before the bad one reached the sink.
    expect(bytes().equals(Buffer.concat(image.raws.slice(0, bad)))).toBe(true);
  });
});
