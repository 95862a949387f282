import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { FILESYSTEMS, type SampleFs } from './filesystems.ts';
import { tool } from './tools.ts';

/** Makes a filesystem on a partition node, telling mkfs where the partition starts (boot-sector hidden sectors). */
export async function formatPartition(device: string, fs: SampleFs, label: string): Promise<void> {
  const sectorSize = Number((await tool('blockdev', ['--getss', device])).stdout.trim());
  const sizeBytes = Number((await tool('blockdev', ['--getsize64', device])).stdout.trim());
  // sysfs counts a partition's start in 512-byte units whatever the logical sector size.
  const start512 = Number((await readFile(`/sys/class/block/${basename(device)}/start`, 'utf8')).trim());
  const [command, ...args] = FILESYSTEMS[fs].mkfs({
    device,
    label,
    sizeBytes,
    sectorSize,
    startSector: (start512 * 512) / sectorSize,
  });
  await tool(command, args);
}
