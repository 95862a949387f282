import type { ChunkSource, ImageReader } from '../ports.ts';
import { checkFileSizes, parseManifest, verifiedBootArea } from '../imaging/image-dir.ts';
import type { ApiClient } from './client.ts';

/**
 * An image on the server as a deploy's source. The manifest is validated like a directory's, every file's size is
 * checked with HEAD before anything is written, and each chunk is one Range request for exactly its stored bytes
 * (a body cut short is retried from the chunk's start). Chunks are verified by the codec pool, as from a directory.
 */
export function httpImageReader(client: ApiClient, name: string): ImageReader {
  const location = `${client.url}/images/${encodeURIComponent(name)}`;
  return {
    location,
    async manifest() {
      const json = await client.json('imageManifest', { params: { name } });
      const manifest = parseManifest(json, `the manifest of ${location}`);
      await checkFileSizes(manifest, location, (file) => client.size('imageFile', { params: { name, file } }));
      return manifest;
    },
    async bootArea(disk) {
      return verifiedBootArea(
        await client.bytes('imageFile', { params: { name, file: disk.bootArea.file } }, disk.bootArea.bytes),
        disk,
      );
    },
    chunks: () => httpChunkSource(client, name),
  };
}

export function httpChunkSource(client: ApiClient, image: string): ChunkSource {
  return {
    async read(file, chunk) {
      if (chunk.bytes === 0) return new Uint8Array();
      const range = `bytes=${chunk.offset}-${chunk.offset + chunk.bytes - 1}`;
      return client.bytes('imageFile', { params: { name: image, file } }, chunk.bytes, { headers: { range } });
    },
    close: async () => undefined,
  };
}
