import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { BrumeError } from '@brume/protocol';
import type { ChunkSource } from '../ports.ts';

export type { ChunkSource } from '../ports.ts';

/** Reads chunks from an image directory, keeping one open handle per file. */
export function directoryChunkSource(imageDir: string): ChunkSource {
  const handles = new Map<string, ReturnType<typeof open>>();
  return {
    async read(file, chunk, index) {
      let handle = handles.get(file);
      if (handle === undefined) {
        handle = open(join(imageDir, file), 'r');
        handles.set(file, handle);
      }
      const bytes = new Uint8Array(new ArrayBuffer(chunk.bytes));
      const { bytesRead } = await (await handle).read(bytes, 0, chunk.bytes, chunk.offset);
      if (bytesRead !== chunk.bytes) {
        throw new BrumeError(
          'IMAGE_TRUNCATED',
          `${file} is truncated: chunk ${index} needs bytes ${chunk.offset}–${chunk.offset + chunk.bytes}, the file ends first`,
          {
            detail: { file, chunk: index },
          },
        );
      }
      return bytes;
    },
    async close() {
      const all = [...handles.values()];
      handles.clear();
      await Promise.all(all.map(async (handle) => (await handle).close()));
    },
  };
}
