import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { BrumeError, type Chunk } from '@brume/protocol';

/** Where the stored bytes of a chunk come from: a local image directory now, the server over HTTP later. */
export interface ChunkSource {
  read(file: string, chunk: Chunk, index: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

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
        throw new BrumeError('IMAGE_TRUNCATED', `${file} is truncated: chunk ${index} needs bytes ${chunk.offset}–${chunk.offset + chunk.bytes}, the file ends first`, {
          detail: { file, chunk: index },
        });
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
