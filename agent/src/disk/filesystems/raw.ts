import type { FilesystemAdapter } from './adapter.ts';

/** The fallback: any content, or none, copied byte for byte (partclone.dd streams the raw bytes, no header). */
export const raw: FilesystemAdapter = {
  fsType: 'raw',
  detect: () => true,
  partcloneTool: 'partclone.dd',
  usage: async (_run, _device, sizeBytes) => ({ usedBytes: sizeBytes, minBytes: sizeBytes }),
};
