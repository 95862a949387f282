import type { ReadOnlyMountPlan } from '../sys/read-only-mount.ts';

export type MountChoice = ({ supported: true } & ReadOnlyMountPlan) | { supported: false; reason: string };

const kernel = (type: string, ...options: string[]): MountChoice => ({
  supported: true,
  type,
  options: ['ro', ...options],
  kernel: true,
});

/**
 * How each filesystem blkid names (its TYPE) is mounted for a scan, so that the mount itself writes nothing: ext3/ext4
 * without replaying the journal, XFS without log recovery, btrfs without replaying its log tree. A clone carries its
 * source's XFS UUID, hence nouuid.
 */
const PLANS: Readonly<Record<string, MountChoice>> = {
  ext2: kernel('ext2'),
  ext3: kernel('ext3', 'noload'),
  ext4: kernel('ext4', 'noload'),
  // ntfs-3g opens a hibernated or "fast startup" volume read-only, and never touches it with -o ro.
  ntfs: { supported: true, type: 'ntfs-3g', options: ['ro'], kernel: false },
  vfat: kernel('vfat'),
  exfat: kernel('exfat'),
  xfs: kernel('xfs', 'norecovery', 'nouuid'),
  btrfs: kernel('btrfs', 'rescue=nologreplay'),
  iso9660: kernel('iso9660'),
  udf: kernel('udf'),
};

/** Content that holds no files to scan, said plainly. */
const NOT_FILES: Readonly<Record<string, string>> = {
  swap: 'swap space holds no files',
  crypto_LUKS: 'LUKS-encrypted: the files cannot be read without its key',
  BitLocker: 'BitLocker-encrypted: the files cannot be read without its key',
  LVM2_member: 'an LVM physical volume (its logical volumes are not scanned)',
  linux_raid_member: 'a member of a software RAID (the array is not assembled)',
};

/** The mount for a blkid TYPE, or why the partition is not scanned. `undefined`: blkid found no signature at all. */
export function mountChoice(fsType: string | undefined): MountChoice {
  if (fsType === undefined) return { supported: false, reason: 'no filesystem found (blkid)' };
  return (
    PLANS[fsType] ?? { supported: false, reason: NOT_FILES[fsType] ?? `${fsType} is not a filesystem the scan mounts` }
  );
}
