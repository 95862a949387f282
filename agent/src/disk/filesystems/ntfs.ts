import type { FilesystemAdapter } from './adapter.ts';
import { withHeadroom } from './adapter.ts';
import { fixNtfsBootSector } from './ntfs-boot-sector.ts';
import { readAt, writeAt } from '../../sys/block-io.ts';

const MB = 1000 * 1000;

export const ntfs: FilesystemAdapter = {
  fsType: 'ntfs',
  detect: (probe) => probe['TYPE'] === 'ntfs',
  partcloneTool: 'partclone.ntfs',
  async usage(run, device, sizeBytes) {
    const { stdout } = await run('ntfsresize', ['--info', '--force', '--no-progress-bar', device]);
    // "Space in use       : 3 MB (0.6%)" and "You might resize at 2043904 bytes or 3 MB (freeing 312 MB)."
    const inUse = /Space in use\s*:\s*(\d+)\s*MB/.exec(stdout);
    const minimum = /resize at (\d+) bytes/.exec(stdout);
    const usedBytes = inUse?.[1] === undefined ? sizeBytes : Number(inUse[1]) * MB;
    const minBytes = minimum?.[1] === undefined ? sizeBytes : withHeadroom(Number(minimum[1]), sizeBytes);
    return { usedBytes, minBytes };
  },
  async afterRestore(device, placement) {
    const fix = fixNtfsBootSector(await readAt(device, 0, 4096), placement.startBytes, placement.sizeBytes);
    if (fix === undefined) return;
    await writeAt(device, 0, fix.bootSector);
    await writeAt(device, fix.backupOffset, fix.bootSector);
  },
  async grow(run, device) {
    // ntfsresize asks for a confirmation even with --force; there is no flag to skip it.
    await run('ntfsresize', ['--force', '--no-progress-bar', device], { input: 'y\n' });
  },
  async shrink(run, device, bytes) {
    await run('ntfsresize', ['--force', '--no-progress-bar', '--size', String(bytes), device], { input: 'y\n' });
  },
};
