import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { BrumeError } from '@brume/protocol';

/** What the kernel says about a whole disk: its sysfs name and its partitions' kernel names. */
export interface DiskNode {
  path: string;
  name: string;
  majorMinor: string;
}

/** Resolves DEV to a whole disk, refusing what is missing, not a block device, or a partition. */
export function resolveDisk(devicePath: string): DiskNode {
  if (!existsSync(devicePath)) throw new BrumeError('DEVICE_NOT_FOUND', `${devicePath}: no such device`);
  const real = realpathSync(devicePath);
  if (!statSync(real).isBlockDevice()) throw new BrumeError('NOT_A_DISK', `${devicePath} is not a block device`);
  const name = basename(real);
  const sys = `/sys/class/block/${name}`;
  if (existsSync(`${sys}/partition`)) {
    const parent = basename(realpathSync(`${sys}/..`));
    throw new BrumeError('NOT_A_DISK', `${devicePath} is a partition; give the whole disk (/dev/${parent})`, {
      detail: { disk: `/dev/${parent}` },
    });
  }
  return { path: real, name, majorMinor: readFileSync(`${sys}/dev`, 'utf8').trim() };
}

/** Kernel names of the partitions the kernel currently knows on this disk (loop0p1, sda2 …). */
export function kernelPartitions(disk: DiskNode): string[] {
  return readdirSync(`/sys/class/block/${disk.name}`).filter(
    (entry) => entry.startsWith(disk.name) && existsSync(`/sys/class/block/${entry}/partition`),
  );
}

/** /dev name of partition N: a digit-ending disk name takes a `p` (nvme0n1p1, loop0p1, mmcblk0p1). */
export function partitionPath(diskPath: string, number: number): string {
  return /\d$/.test(diskPath) ? `${diskPath}p${number}` : `${diskPath}${number}`;
}

function majorMinorOf(name: string): string | undefined {
  const file = `/sys/class/block/${name}/dev`;
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/**
 * Why this disk must not be written, or undefined when it may be: mounted (itself or a partition), active swap,
 * held by another device (dm, md), or the disk the running system lives on.
 */
export function busyReason(disk: DiskNode): string | undefined {
  const names = [disk.name, ...kernelPartitions(disk)];
  const ids = new Map(names.map((name) => [majorMinorOf(name), name] as const));
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const fields = line.split(' ');
    const holder = ids.get(fields[2]);
    if (holder !== undefined) {
      const mountPoint = fields[4] ?? '?';
      return mountPoint === '/'
        ? `/dev/${holder} holds the running system (/)`
        : `/dev/${holder} is mounted on ${mountPoint}`;
    }
  }
  for (const line of readFileSync('/proc/swaps', 'utf8').split('\n').slice(1)) {
    const swap = line.split(/\s+/)[0];
    if (swap !== undefined && swap !== '' && names.includes(basename(swap))) return `${swap} is an active swap`;
  }
  for (const name of names) {
    const holders = `/sys/class/block/${name}/holders`;
    if (existsSync(holders) && readdirSync(holders).length > 0)
      return `/dev/${name} is in use by ${readdirSync(holders).join(', ')}`;
  }
  return undefined;
}
