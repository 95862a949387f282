import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { decompress } from 'zstd-napi';
import type { ImageWriter } from '../ports.ts';
import { captureStream } from './capture-stream.ts';
import { ChunkBuffers } from './chunk-buffers.ts';
import { CodecPool } from './codec-pool.ts';

const pool = new CodecPool(2);
afterAll(() => pool.close());

/** An image writer keeping every stored piece in memory, as the upload writer may keep one in flight. */
function memoryWriter(): { writer: ImageWriter; stored: () => Buffer } {
  const pieces: Uint8Array[] = [];
  const writer: ImageWriter = {
    location: 'memory',
    begin: async () => undefined,
    put: async (_file, _index, piece) => void pieces.push(piece.stored),
    endFile: async () => undefined,
    publish: async () => undefined,
    close: async () => undefined,
  };
  return { writer, stored: () => Buffer.concat(pieces) };
}

describe('captureStream', () => {
  it.each([false, true])(
    'fills the same few raw buffers again (shared with the workers: %s), and the stored file still decodes to the stream',
    async (shared) => {
      const chunkBytes = 64 * 1024;
      const window = pool.size + 1;
      // 20 chunks and a tail, in pieces that do not line up with the chunks.
      const raw = randomBytes(20 * chunkBytes + 12_345);
      const pieces = Array.from({ length: Math.ceil(raw.byteLength / 10_000) }, (_, index) =>
        raw.subarray(index * 10_000, (index + 1) * 10_000),
      );
      const buffers = new ChunkBuffers(chunkBytes, window + 1, shared);
      const { writer, stored } = memoryWriter();
      const result = await captureStream(Readable.from(pieces), writer, 'd1p1.pc.zst', pool, {
        chunkBytes,
        level: 3,
        window,
        onRawBytes: () => undefined,
        buffers,
      });
      expect(result.rawBytes).toBe(raw.byteLength);
      expect(result.chunks).toHaveLength(21);
      expect(decompress(stored()).equals(raw)).toBe(true);
      // window chunks in flight and one being filled: never a fresh buffer per chunk.
      expect(buffers.allocated).toBeLessThanOrEqual(window + 1);
    },
  );

  it('takes a source that reads into its buffers, in pieces of any size', async () => {
    const chunkBytes = 64 * 1024;
    const raw = randomBytes(5 * chunkBytes + 777);
    let position = 0;
    const source = {
      readInto: async (into: Uint8Array, offset: number, length: number): Promise<number> => {
        const bytes = Math.min(length, 9_999, raw.byteLength - position);
        into.set(raw.subarray(position, position + bytes), offset);
        position += bytes;
        return bytes;
      },
    };
    const { writer, stored } = memoryWriter();
    const result = await captureStream(source, writer, 'd1p1.pc.zst', pool, {
      chunkBytes,
      level: 3,
      window: pool.size + 1,
      onRawBytes: () => undefined,
    });
    expect(result.chunks.map((chunk) => chunk.rawBytes)).toEqual([
      chunkBytes,
      chunkBytes,
      chunkBytes,
      chunkBytes,
      chunkBytes,
      777,
    ]);
    expect(decompress(stored()).equals(raw)).toBe(true);
  });
});
