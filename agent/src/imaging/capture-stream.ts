import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Chunk } from '@brume/protocol';
import type { ImageWriter } from '../ports.ts';
import type { CodecPool, CompressedChunk } from './codec-pool.ts';

export interface StoredStream {
  chunks: Chunk[];
  rawBytes: number;
  storedBytes: number;
  /** sha256 of the whole stored file (what `sha256sum d1p2.pc.zst` prints). */
  sha256: string;
}

export interface CaptureStreamOptions {
  chunkBytes: number;
  level: number;
  /** Chunks in flight at most (chunk-window.ts). */
  window: number;
  onRawBytes: (total: number) => void;
  /** The task's cancel: no chunk is handed to the writer once it aborts. */
  signal?: AbortSignal | undefined;
}

/**
 * partclone's stdout → fixed-size raw chunks → codec pool (hash raw, zstd frame, hash stored) → image writer, in order.
 * Each chunk becomes one independent zstd frame, so the file is also a plain zstd stream (`zstd -dc` restores by hand).
 * At most `window` chunks are in flight (pool.size + 1 when memory allows): memory stays bounded whatever the partition
 * size, and while the writer takes one chunk (a disk write, an HTTP PUT) the pool keeps compressing the next ones.
 */
export async function captureStream(
  source: Readable,
  writer: ImageWriter,
  file: string,
  pool: CodecPool,
  options: CaptureStreamOptions,
): Promise<StoredStream> {
  const result: StoredStream = { chunks: [], rawBytes: 0, storedBytes: 0, sha256: '' };
  const fileHash = createHash('sha256');
  const inFlight: { raw: number; done: Promise<CompressedChunk> }[] = [];

  const writeOldest = async (): Promise<void> => {
    const next = inFlight.shift();
    if (next === undefined) return;
    const compressed = await next.done;
    options.signal?.throwIfAborted();
    await writer.put(file, result.chunks.length, {
      offset: result.storedBytes,
      stored: compressed.stored,
      sha256: compressed.sha256,
    });
    fileHash.update(compressed.stored);
    result.chunks.push({
      rawOffset: result.rawBytes,
      rawBytes: next.raw,
      rawSha256: compressed.rawSha256,
      offset: result.storedBytes,
      bytes: compressed.stored.byteLength,
      sha256: compressed.sha256,
    });
    result.rawBytes += next.raw;
    result.storedBytes += compressed.stored.byteLength;
  };

  const dispatch = async (chunk: Uint8Array): Promise<void> => {
    inFlight.push({ raw: chunk.byteLength, done: pool.compress(chunk, options.level) });
    if (inFlight.length >= options.window) await writeOldest();
  };

  let buffer = new Uint8Array(new ArrayBuffer(options.chunkBytes));
  let filled = 0;
  let seen = 0;
  for await (const piece of source as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < piece.byteLength) {
      const take = Math.min(piece.byteLength - offset, buffer.byteLength - filled);
      buffer.set(piece.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === buffer.byteLength) {
        await dispatch(buffer);
        buffer = new Uint8Array(new ArrayBuffer(options.chunkBytes));
        filled = 0;
      }
    }
    seen += piece.byteLength;
    options.onRawBytes(seen);
  }
  if (filled > 0) await dispatch(buffer.slice(0, filled));
  while (inFlight.length > 0) await writeOldest();
  result.sha256 = fileHash.digest('hex');
  return result;
}
