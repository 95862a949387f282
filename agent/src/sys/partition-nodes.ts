import { existsSync } from 'node:fs';
import { BrumeError } from '@brume/protocol';
import { partitionPath } from './devices.ts';
import type { Runner } from './exec.ts';

/**
 * Makes the kernel forget the partitions it knows on this disk (before a new table is written): stale entries of an
 * old table would otherwise keep their old sizes. No udev and no partprobe in the ramdisk: partx talks to the kernel.
 */
export async function forgetPartitions(run: Runner, diskPath: string): Promise<void> {
  await run('partx', ['-d', diskPath], { okCodes: [1] });
}

/** Makes /dev nodes exist for these partition numbers of a freshly written table (partx -u skips logicals: add each). */
export async function ensurePartitionNodes(run: Runner, diskPath: string, numbers: readonly number[]): Promise<void> {
  await run('partx', ['-u', diskPath], { okCodes: [1] });
  for (const number of numbers) {
    if (existsSync(partitionPath(diskPath, number))) continue;
    await run('partx', ['-a', '--nr', String(number), diskPath], { okCodes: [1] });
  }
  const missing = numbers.filter((number) => !existsSync(partitionPath(diskPath, number)));
  if (missing.length > 0) {
    throw new BrumeError('TOOL_FAILED', `the kernel did not create partition nodes ${missing.map((n) => partitionPath(diskPath, n)).join(', ')}`);
  }
}
