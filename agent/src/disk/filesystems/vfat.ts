import type { FilesystemAdapter } from './adapter.ts';

export const vfat: FilesystemAdapter = {
  fsType: 'vfat',
  detect: (probe) => probe['TYPE'] === 'vfat',
  partcloneTool: 'partclone.fat',
  async usage(run, device, sizeBytes) {
    // fsck.fat -n -v prints the cluster size and "N files, used/total clusters"; read-only.
    const { stdout } = await run('fsck.fat', ['-n', '-v', device], { okCodes: [1] });
    const clusters = /(\d+)\/(\d+) clusters/.exec(stdout);
    const clusterSize = /(\d+) bytes per cluster/.exec(stdout);
    const usedBytes =
      clusters?.[1] !== undefined && clusterSize?.[1] !== undefined
        ? Number(clusters[1]) * Number(clusterSize[1])
        : sizeBytes;
    // No FAT resizer is shipped (fatresize is libparted's): an ESP keeps its size.
    return { usedBytes, minBytes: sizeBytes };
  },
};
