import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BrumeError, type Manifest } from '@brume/protocol';
import type { ImageWriter } from '../ports.ts';
import { prepareCaptureDir, publishImage } from './image-dir.ts';

/**
 * An image directory as a capture's destination: files are written into DIR.partial piece by piece, each synced when
 * it ends, and one rename to DIR publishes the image with its manifest. A failed capture leaves DIR.partial behind.
 */
export function directoryImageWriter(imageDir: string): ImageWriter {
  let partial: string | undefined;
  const files = new Map<string, Promise<FileHandle>>();

  const where = (): string => {
    if (partial === undefined)
      throw new BrumeError('INTERNAL', `the image writer for ${imageDir} was used before begin()`);
    return partial;
  };
  const handleOf = (file: string): Promise<FileHandle> => {
    let handle = files.get(file);
    if (handle === undefined) {
      handle = open(join(where(), file), 'w');
      files.set(file, handle);
    }
    return handle;
  };

  return {
    location: imageDir,
    async begin() {
      partial = await prepareCaptureDir(imageDir);
    },
    async put(file, _index, piece) {
      const handle = await handleOf(file);
      await handle.write(piece.stored, 0, piece.stored.byteLength, piece.offset);
    },
    async endFile(file) {
      // A file without pieces still exists, empty, as the manifest says.
      const handle = await handleOf(file);
      files.delete(file);
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    async publish(manifest: Manifest) {
      await publishImage(where(), imageDir, manifest);
    },
    async close() {
      const open = [...files.values()];
      files.clear();
      await Promise.all(open.map(async (handle) => (await handle).close().catch(() => undefined)));
    },
  };
}
