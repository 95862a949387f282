import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { BrumeError } from '@brume/protocol';
import type { DiskNode } from '../sys/devices.ts';
import type { Runner } from '../sys/exec.ts';

/** Where a recovery's files go, as the task's `destination` says. */
export type RecoverTarget = { kind: 'server' } | { kind: 'usb'; named: string };

/** `server`, `usb:/dev/sdb1` or `usb:LABEL` (the schema has checked the shape). */
export function recoverTarget(destination: string): RecoverTarget {
  return destination === 'server' ? { kind: 'server' } : { kind: 'usb', named: destination.slice('usb:'.length) };
}

/** A USB destination, found: the partition (or whole-disk filesystem) and the disk it lives on. */
export interface UsbDevice {
  device: string;
  /** The whole disk holding it (itself for a filesystem on a whole disk). */
  disk: string;
  /** Its majorMinor and its disk's, for the comparison with the source. */
  majorMinor: string;
  diskMajorMinor: string;
  label: string | undefined;
  fsType: string | undefined;
}

/**
 * Finds a USB destination by its device path or its filesystem label (blkid: there is no udev, hence no
 * /dev/disk/by-label, in the ramdisk).
 */
export async function findUsbDevice(run: Runner, named: string): Promise<UsbDevice> {
  const path = named.startsWith('/dev/') ? named : await byLabel(run, named);
  if (!existsSync(path)) throw new BrumeError('DEVICE_NOT_FOUND', `recovery destination ${path}: no such device`);
  const real = realpathSync(path);
  if (!statSync(real).isBlockDevice())
    throw new BrumeError('NOT_A_DISK', `recovery destination ${path} is not a block device`);
  const name = basename(real);
  const sys = `/sys/class/block/${name}`;
  // The partition's sysfs entry sits in its disk's (realpath first: `sys/..` would be normalised to /sys/class/block).
  const parent = existsSync(`${sys}/partition`) ? basename(dirname(realpathSync(sys))) : name;
  const probe = await run('blkid', ['-p', '-o', 'export', real], { okCodes: [2] });
  const field = (key: string): string | undefined => new RegExp(`^${key}=(.*)$`, 'm').exec(probe.stdout)?.[1];
  return {
    device: real,
    disk: `/dev/${parent}`,
    majorMinor: readFileSync(`${sys}/dev`, 'utf8').trim(),
    diskMajorMinor: readFileSync(`/sys/class/block/${parent}/dev`, 'utf8').trim(),
    label: field('LABEL'),
    fsType: field('TYPE'),
  };
}

async function byLabel(run: Runner, label: string): Promise<string> {
  const found = await run('blkid', ['-L', label], { okCodes: [2] });
  const device = found.stdout.trim().split('\n')[0] ?? '';
  if (found.code !== 0 || device === '')
    throw new BrumeError(
      'DEVICE_NOT_FOUND',
      `no filesystem labelled ${label} on this PC (blkid -L ${label}): is the USB disk plugged in?`,
      { detail: { label } },
    );
  return device;
}

/** Refuses a destination on the disk being recovered: writing there could overwrite the very files sought. */
export function refuseOnSource(usb: UsbDevice, source: DiskNode): void {
  if (usb.diskMajorMinor === source.majorMinor) {
    throw new BrumeError(
      'RECOVER_DESTINATION_ON_SOURCE',
      `refusing to recover ${source.path} onto ${usb.device}: it is on the disk being recovered; choose a partition of another disk`,
      {
        detail: { source: source.path, destination: usb.device },
      },
    );
  }
}

/** Filesystems a recovery writes to, and how they are mounted read-write (the kernel's drivers; NTFS through ntfs-3g). */
const WRITABLE: Readonly<Record<string, string>> = {
  ext2: 'ext2',
  ext3: 'ext3',
  ext4: 'ext4',
  vfat: 'vfat',
  exfat: 'exfat',
  xfs: 'xfs',
  btrfs: 'btrfs',
  ntfs: 'ntfs-3g',
};

export function mountTypeFor(usb: UsbDevice): string {
  const type = usb.fsType === undefined ? undefined : WRITABLE[usb.fsType];
  if (type === undefined) {
    throw new BrumeError(
      'BAD_REQUEST',
      `recovery destination ${usb.device} holds ${usb.fsType ?? 'no filesystem'}: it needs one of ${Object.keys(WRITABLE).join(', ')}`,
      { detail: { device: usb.device, fs: usb.fsType ?? null } },
    );
  }
  return type;
}
