import { z } from 'zod';
import type { ChunkSource, ImageReader } from '../ports.ts';
import { checkFileSizes, parseManifest, verifiedBootArea } from '../imaging/image-dir.ts';
import type { ApiClient } from './client.ts';

/**
 * An image on the server as a deploy's source. The manifest is validated like a directory's, every file's size is
 * checked with HEAD before anything is written, and each chunk is one Range request for exactly its stored bytes
 * (a body cut short is retried from the chunk's start). Chunks are verified by the codec pool, as from a directory.
 */
export function httpImageReader(client: ApiClient, name: string): ImageReader {
  const image = `/images/${encodeURIComponent(name)}`;
  const filePath = (file: string): string => `${image}/files/${encodeURIComponent(file)}`;
  const location = `${client.url}${image}`;
  return {
    location,
    async manifest() {
      const json = await client.json({ method: 'GET', path: `${image}/manifest` }, z.unknown());
      const manifest = parseManifest(json, `the manifest of ${location}`);
      await checkFileSizes(manifest, location, (file) => client.size(filePath(file)));
      return manifest;
    },
    async bootArea(disk) {
      return verifiedBootArea(await client.bytes({ method: 'GET', path: filePath(disk.bootArea.file) }, disk.bootArea.bytes), disk);
    },
    chunks: () => httpChunkSource(client, filePath),
  };
}

export function httpChunkSource(client: ApiClient, filePath: (file: string) => string): ChunkSource {
  return {
    async read(file, chunk) {
      if (chunk.bytes === 0) return new Uint8Array();
      const range = `bytes=${chunk.offset}-${chunk.offset + chunk.bytes - 1}`;
      return client.bytes({ method: 'GET', path: filePath(file), headers: { range } }, chunk.bytes);
    },
    close: async () => undefined,
  };
}
