import type { FilesystemAdapter } from './adapter.ts';
import { numberField } from './adapter.ts';
import { withMount } from '../../sys/mount.ts';

export const btrfs: FilesystemAdapter = {
  fsType: 'btrfs',
  detect: (probe) => probe['TYPE'] === 'btrfs',
  partcloneTool: 'partclone.btrfs',
  async usage(run, device, sizeBytes) {
    const { stdout } = await run('btrfs', ['inspect-internal', 'dump-super', device]);
    // Shrinking btrfs needs it mounted and its chunks relocated; not offered yet, so the minimum is its size.
    return { usedBytes: numberField(stdout, 'bytes_used'), minBytes: sizeBytes };
  },
  async grow(run, device) {
    await withMount(run, device, 'btrfs', 'rw', (dir) => run('btrfs', ['filesystem', 'resize', 'max', dir]));
  },
};
