import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DiskCandidate, DiskTransport } from '../disk/target-choice.ts';

/** The disks of this PC as the kernel lists them, and what a disk path leads to: the edge the target rule reads. */
export interface DiskSource {
  list(): DiskCandidate[];
  /** The kernel name a path leads to (/dev/disk/by-id/… → sda), undefined when it does not exist. */
  resolve(path: string): string | undefined;
}

/**
 * How the disk hangs off the machine, from its device path under /sys/devices: a USB bridge anywhere above it makes it
 * USB (an NVMe or SATA drive in a USB case included); virtio-scsi disks are SCSI.
 */
export function transportOf(name: string, devicePath: string): DiskTransport {
  if (name.startsWith('loop')) return 'loop';
  if (/\/usb\d+\//.test(devicePath)) return 'usb';
  if (devicePath.includes('/nvme/') || name.startsWith('nvme')) return 'nvme';
  if (devicePath.includes('/mmc_host/') || name.startsWith('mmcblk')) return 'mmc';
  if (/\/ata\d+\//.test(devicePath)) return 'sata';
  if (/\/host\d+\/target\d+:/.test(devicePath)) return 'scsi';
  if (/\/virtio\d+\//.test(devicePath)) return 'virtio';
  if (devicePath.includes('/devices/virtual/')) return 'virtual';
  return 'unknown';
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function readDisk(sysBlock: string, name: string): DiskCandidate {
  const dir = join(sysBlock, name);
  const model = readTrimmed(join(dir, 'device', 'model'));
  return {
    name,
    path: `/dev/${name}`,
    // /sys/block/X/size counts 512-byte units whatever the disk's sector size.
    sizeBytes: Number(readTrimmed(join(dir, 'size')) ?? 0) * 512,
    removable: readTrimmed(join(dir, 'removable')) === '1',
    transport: transportOf(name, realpathSync(dir)),
    model: model === undefined || model === '' ? undefined : model,
  };
}

/** /sys/block and /dev as they are; tests pass their own directories. */
export function sysDisks(sysBlock = '/sys/block'): DiskSource {
  return {
    list: () => (existsSync(sysBlock) ? readdirSync(sysBlock).map((name) => readDisk(sysBlock, name)) : []),
    resolve: (path) => (existsSync(path) ? basename(realpathSync(path)) : undefined),
  };
}
