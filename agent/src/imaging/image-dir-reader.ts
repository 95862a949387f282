import type { ImageReader } from '../ports.ts';
import { directoryChunkSource } from './chunk-source.ts';
import { checkFileSizes, fileSizeIn, readManifest, readVerifiedBootArea } from './image-dir.ts';

/** An image directory as a deploy's (or a verify's) source: a USB drive, an NFS mount, a capture's output. */
export function directoryImageReader(imageDir: string): ImageReader {
  return {
    location: imageDir,
    async manifest() {
      const manifest = await readManifest(imageDir);
      await checkFileSizes(manifest, imageDir, fileSizeIn(imageDir));
      return manifest;
    },
    bootArea: (disk) => readVerifiedBootArea(imageDir, disk),
    chunks: () => directoryChunkSource(imageDir),
  };
}
