import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { BrumeError } from '@brume/protocol';
import { partitionPath } from './devices.ts';
import type { Runner } from './exec.ts';

export interface PartitionExtent {
  number: number;
  startBytes: number;
  sizeBytes: number;
}

/**
 * Makes the kernel forget the partitions it knows on this disk (before a new table is written): stale entries of an
 * old table would otherwise keep their old extents. No udev and no partprobe in the ramdisk: partx talks to the kernel.
 */
export async function forgetPartitions(run: Runner, diskPath: string): Promise<void> {
  await run('partx', ['-d', diskPath], { okCodes: [1] });
}

/** The kernel's idea of a partition (sysfs counts in 512-byte units whatever the sector size), if it has one. */
function kernelExtent(device: string): { startBytes: number; sizeBytes: number } | undefined {
  const sys = `/sys/class/block/${basename(device)}`;
  if (!existsSync(device) || !existsSync(`${sys}/start`)) return undefined;
  const read = (name: string): number => Number(readFileSync(`${sys}/${name}`, 'utf8').trim()) * 512;
  return { startBytes: read('start'), sizeBytes: read('size') };
}

const matches = (device: string, extent: PartitionExtent): boolean => {
  const known = kernelExtent(device);
  return known !== undefined && known.startBytes === extent.startBytes && known.sizeBytes === extent.sizeBytes;
};

/**
 * Makes /dev nodes exist for these partitions, with exactly the extents of the table: a node left from an older table
 * would send partclone to the wrong bytes. Each missing or stale one is (re)added alone: partx -u skips logicals.
 */
export async function ensurePartitionNodes(
  run: Runner,
  diskPath: string,
  extents: readonly PartitionExtent[],
): Promise<void> {
  for (const extent of extents) {
    const device = partitionPath(diskPath, extent.number);
    if (matches(device, extent)) continue;
    if (kernelExtent(device) !== undefined)
      await run('partx', ['-d', '--nr', String(extent.number), diskPath], { okCodes: [1] });
    await run('partx', ['-a', '--nr', String(extent.number), diskPath], { okCodes: [1] });
  }
  const wrong = extents.filter((extent) => !matches(partitionPath(diskPath, extent.number), extent));
  if (wrong.length > 0) {
    const names = wrong.map((extent) => partitionPath(diskPath, extent.number)).join(', ');
    throw new BrumeError(
      'TOOL_FAILED',
      `the kernel does not show partitions ${names} where the table puts them (partx -a failed)`,
    );
  }
}
