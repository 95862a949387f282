import type { FilesystemAdapter } from './adapter.ts';

export const swap: FilesystemAdapter = {
  fsType: 'swap',
  detect: (probe) => probe['TYPE'] === 'swap',
  // Swap holds nothing worth keeping: it is re-created with its UUID (fstab and resume= refer to it) instead of copied.
  partcloneTool: null,
  usage: async () => ({ usedBytes: 0, minBytes: 1024 * 1024 }),
  async recreate(run, device, identity) {
    const args = ['-f'];
    if (identity.uuid !== undefined) args.push('-U', identity.uuid);
    if (identity.label !== undefined) args.push('-L', identity.label);
    await run('mkswap', [...args, device]);
  },
};
