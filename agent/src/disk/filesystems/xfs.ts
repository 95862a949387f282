import type { FilesystemAdapter } from './adapter.ts';
import { numberField } from './adapter.ts';
import { withMount } from '../../sys/mount.ts';

export const xfs: FilesystemAdapter = {
  fsType: 'xfs',
  detect: (probe) => probe['TYPE'] === 'xfs',
  partcloneTool: 'partclone.xfs',
  async usage(run, device, sizeBytes) {
    const { stdout } = await run('xfs_db', ['-r', '-c', 'sb 0', '-c', 'p dblocks fdblocks blocksize', device]);
    const blockSize = numberField(stdout, 'blocksize');
    const usedBytes = (numberField(stdout, 'dblocks') - numberField(stdout, 'fdblocks')) * blockSize;
    // XFS cannot shrink.
    return { usedBytes, minBytes: sizeBytes };
  },
  async grow(run, device) {
    await withMount(run, device, 'xfs', 'rw', (dir) => run('xfs_growfs', ['-d', dir]));
  },
};
