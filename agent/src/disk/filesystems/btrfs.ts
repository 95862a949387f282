import type { FilesystemAdapter } from './adapter.ts';

/**
 * btrfs is copied used-blocks-only and keeps its size: `btrfs filesystem resize max` on a partclone-restored volume
 * fails with EINVAL on this kernel (6.18, btrfs-progs 6.2), so growing is not offered until that is understood.
 */
export const btrfs: FilesystemAdapter = {
  fsType: 'btrfs',
  detect: (probe) => probe['TYPE'] === 'btrfs',
  partcloneTool: 'partclone.btrfs',
  async usage(run, device, sizeBytes) {
    const { stdout } = await run('btrfs', ['inspect-internal', 'dump-super', device]);
    const used = /^bytes_used\s+(\d+)$/m.exec(stdout)?.[1];
    if (used === undefined) throw new Error(`btrfs dump-super printed no bytes_used:\n${stdout.slice(0, 2000)}`);
    return { usedBytes: Number(used), minBytes: sizeBytes };
  },
};
