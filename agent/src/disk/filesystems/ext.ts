import type { FilesystemAdapter } from './adapter.ts';
import { numberField, withHeadroom } from './adapter.ts';
import type { Runner } from '../../sys/exec.ts';

/** e2fsck exits 1 when it fixed something: acceptable before a resize. */
const check = (run: Runner, device: string) => run('e2fsck', ['-f', '-y', device], { okCodes: [1] });

function extAdapter(fsType: 'ext2' | 'ext3' | 'ext4'): FilesystemAdapter {
  return {
    fsType,
    detect: (probe) => probe['TYPE'] === fsType,
    partcloneTool: `partclone.${fsType}`,
    async usage(run, device, sizeBytes) {
      const { stdout } = await run('dumpe2fs', ['-h', device]);
      const blockSize = numberField(stdout, 'Block size');
      const usedBytes = (numberField(stdout, 'Block count') - numberField(stdout, 'Free blocks')) * blockSize;
      const estimate = await run('resize2fs', ['-P', device]);
      const minimum = numberField(estimate.stdout, 'Estimated minimum size of the filesystem') * blockSize;
      return { usedBytes, minBytes: withHeadroom(minimum, sizeBytes) };
    },
    async grow(run, device) {
      await check(run, device);
      await run('resize2fs', [device]);
    },
    async shrink(run, device, bytes) {
      await check(run, device);
      await run('resize2fs', [device, `${Math.floor(bytes / 1024)}K`]);
    },
  };
}

export const ext2 = extAdapter('ext2');
export const ext3 = extAdapter('ext3');
export const ext4 = extAdapter('ext4');
