import type { Writable } from 'node:stream';
import { BrumeError, type ManifestPartition } from '@brume/protocol';
import type { ChunkSource } from './chunk-source.ts';
import type { CodecPool, DecodedChunk } from './codec-pool.ts';
import { untilAborted } from '../task-abort.ts';

const failureText = {
  'stored-hash': 'stored bytes do not match their sha256',
  decompress: 'zstd cannot decode it',
  'raw-hash': 'decoded bytes do not match their sha256',
} as const;

/**
 * Reads each chunk of a partition's stream, has it verified and decompressed by the pool, and writes the raw bytes to
 * `sink` (partclone's stdin) strictly in order. A chunk's bytes are written only after both of its hashes matched:
 * on a mismatch nothing of that chunk has left this function, and the error names the file and the chunk.
 */
export async function restoreStream(
  partition: ManifestPartition,
  source: ChunkSource,
  sink: Writable,
  pool: CodecPool,
  /** Chunks read and decoded ahead of the one being written (chunk-window.ts). */
  window: number,
  onRawBytes: (total: number) => void,
  /** The task's cancel: no chunk is handed to `sink` once it aborts, and no wait (a read, a full pipe) outlasts it. */
  signal?: AbortSignal,
): Promise<void> {
  const file = partition.file;
  if (file === null) return;
  const decoding: Promise<DecodedChunk>[] = [];
  const schedule = (index: number): void => {
    const chunk = partition.chunks[index];
    if (chunk === undefined) return;
    decoding.push(
      source
        .read(file, chunk, index)
        .then((stored) =>
          pool.decode({ stored, sha256: chunk.sha256, rawSha256: chunk.rawSha256, rawBytes: chunk.rawBytes }),
        ),
    );
  };
  for (let index = 0; index < window && index < partition.chunks.length; index++) schedule(index);

  let written = 0;
  try {
    for (let index = 0; index < partition.chunks.length; index++) {
      const pending = decoding.shift();
      if (pending === undefined) break;
      const decoded = await untilAborted(pending, signal);
      if (!decoded.ok) {
        throw new BrumeError(
          'CHUNK_CORRUPT',
          `${file} chunk ${index} is corrupt (${failureText[decoded.failure]}); nothing of it was written`,
          {
            detail: {
              file,
              chunk: index,
              failure: decoded.failure,
              expected:
                decoded.failure === 'raw-hash' ? partition.chunks[index]?.rawSha256 : partition.chunks[index]?.sha256,
              actual: decoded.actual,
            },
          },
        );
      }
      schedule(index + window);
      signal?.throwIfAborted();
      await untilAborted(writeChunk(sink, decoded.raw), signal);
      written += decoded.raw.byteLength;
      onRawBytes(written);
    }
  } catch (error) {
    // The chunks read ahead are abandoned: their outcome no longer matters.
    for (const later of decoding) later.catch(() => undefined);
    throw error;
  }
}

/** Resolves once the chunk is handed to the pipe, so at most one decoded chunk waits in memory per stream. */
function writeChunk(sink: Writable, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    sink.write(bytes, (error) => (error ? reject(error) : resolve()));
  });
}
