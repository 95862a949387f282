import { existsSync } from 'node:fs';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EXTENDED_TYPES, readPartitionTable } from './partition-table.ts';
import { tool } from './tools.ts';

export interface LoopDisk {
  /** `/dev/loopN` */
  path: string;
  /** The sparse backing file. */
  file: string;
  sizeBytes: number;
  sectorSize: 512 | 4096;
  /** `/dev/loopNpK` (whether or not the node exists yet). */
  partition(number: number): string;
  /**
   * Makes the kernel's partitions match the table on the disk (there is no udev, and the loop device has no partscan):
   * `partx -d`, `partx -a`, then `partx -a --nr K` for any partition still without a node; checks starts and sizes.
   */
  refreshPartitions(): Promise<void>;
  /** Forgets the partitions (`partx -d`) and detaches the loop device. Safe to call twice. */
  detach(): Promise<void>;
}

export interface LoopDiskOptions {
  sectorSize?: 512 | 4096;
}

/** Creates `dir/name` as a sparse file of `sizeBytes` and attaches it to a free loop device. */
export async function createLoopDisk(
  dir: string,
  name: string,
  sizeBytes: number,
  options: LoopDiskOptions = {},
): Promise<LoopDisk> {
  const sectorSize = options.sectorSize ?? 512;
  const file = join(dir, name);
  await writeFile(file, '', { flag: 'wx' });
  await truncate(file, sizeBytes);
  return attach(file, sectorSize);
}

/** Attaches an existing disk image file (a VM's disk, after the VM has stopped) to a free loop device, with its nodes. */
export async function attachLoopDisk(file: string, options: LoopDiskOptions = {}): Promise<LoopDisk> {
  const disk = await attach(file, options.sectorSize ?? 512);
  await disk.refreshPartitions();
  return disk;
}

async function attach(file: string, sectorSize: 512 | 4096): Promise<LoopDisk> {
  const sizeBytes = (await stat(file)).size;
  const { stdout } = await tool('losetup', ['--find', '--show', '--sector-size', String(sectorSize), file]);
  const path = stdout.trim();
  const partition = (number: number): string => `${path}p${number}`;
  let attached = true;
  const disk: LoopDisk = {
    path,
    file,
    sizeBytes,
    sectorSize,
    partition,
    refreshPartitions: () => refreshPartitions(path, partition),
    detach: async () => {
      if (!attached) return;
      await tool('partx', ['-d', path], { okCodes: [1] });
      await tool('losetup', ['-d', path]);
      attached = false;
    },
  };
  return disk;
}

async function refreshPartitions(path: string, partition: (number: number) => string): Promise<void> {
  // `partx -u` alone mishandles a table that changed (it dropped p1-p2 and kept a stale p4 overlapping the new p5 when a
  // GPT became an MBR), so forget everything, then add everything; both fail harmlessly when there is nothing to do.
  await tool('partx', ['-d', path], { okCodes: [1] });
  await tool('partx', ['-a', path], { okCodes: [1] });
  const table = await readPartitionTable(path);
  const wanted = (table?.partitions ?? []).filter((part) => !EXTENDED_TYPES.includes(part.type.toLowerCase()));
  for (const part of wanted) {
    if (!existsSync(partition(part.number))) await tool('partx', ['-a', '--nr', String(part.number), path]);
  }
  for (const part of wanted) {
    const node = partition(part.number);
    if (!existsSync(node)) throw new Error(`partx did not create ${node}`);
    // sysfs counts in 512-byte units whatever the sector size.
    const scale = (table?.sectorSize ?? 512) / 512;
    const kernel = await Promise.all(
      ['start', 'size'].map(async (field) =>
        Number(await readFile(`/sys/class/block/${basename(node)}/${field}`, 'utf8')),
      ),
    );
    if (kernel[0] !== part.start * scale || kernel[1] !== part.size * scale) {
      throw new Error(
        `the kernel's ${node} (start ${kernel[0]}, size ${kernel[1]}) does not match the table: is it in use?`,
      );
    }
  }
}
