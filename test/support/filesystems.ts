/**
 * The one table of filesystems the tests make, fill, read back and check: adding a filesystem adapter to
 * the round-trip tests means adding one row here.
 */
export type SampleFs = 'vfat' | 'ext2' | 'ext3' | 'ext4' | 'ntfs' | 'xfs' | 'btrfs';

/** Where the partition being formatted sits, for the boot-sector fields some mkfs cannot find on a loop device. */
export interface FormatTarget {
  device: string;
  label: string;
  sizeBytes: number;
  sectorSize: number;
  /** In sectors of `sectorSize`. */
  startSector: number;
}

export type Argv = readonly [command: string, ...args: string[]];

/** Files go in and out through a kernel mount, or through mtools (the test machines have no vfat module). */
export type FsAccess = { kind: 'mount'; type: string; options: readonly string[] } | { kind: 'mtools' };

export interface FsRow {
  fs: SampleFs;
  mkfs(target: FormatTarget): Argv;
  access: FsAccess;
  /** A read-only check; exit code 0 means clean. */
  fsck(device: string): Argv;
  symlinks: boolean;
  /** The smallest partition mkfs accepts (with a little room for sample files). */
  minBytes: number;
}

const MiB = 1024 * 1024;
/** Fully initialised inode tables and journal: no ext4lazyinit writing behind our back after the first mount. */
const EXT_EAGER = ['-E', 'lazy_itable_init=0,lazy_journal_init=0'];

const ext = (fs: 'ext2' | 'ext3' | 'ext4'): FsRow => ({
  fs,
  // 4 KiB blocks as on real disks (below 512 MiB mke2fs would pick its "small" profile with 1 KiB blocks).
  mkfs: ({ device, label }) => [`mkfs.${fs}`, '-q', '-F', '-b', '4096', '-L', label, ...EXT_EAGER, device],
  access: { kind: 'mount', type: fs, options: [] },
  fsck: (device) => ['e2fsck', '-f', '-n', device],
  symlinks: true,
  minBytes: 8 * MiB,
});

export const FILESYSTEMS: Readonly<Record<SampleFs, FsRow>> = {
  vfat: {
    fs: 'vfat',
    mkfs: ({ device, label, sizeBytes, sectorSize, startSector }) => [
      'mkfs.vfat',
      // FAT32 (what an ESP usually is) as soon as there are sectors enough for its 65525 clusters.
      ...(sizeBytes / sectorSize >= 2 * 65536 ? ['-F', '32'] : []),
      '-n',
      label.toUpperCase().slice(0, 11),
      '-h',
      String(startSector),
      device,
    ],
    access: { kind: 'mtools' },
    fsck: (device) => ['fsck.vfat', '-n', device],
    symlinks: false,
    minBytes: 2 * MiB,
  },
  ext2: ext('ext2'),
  ext3: ext('ext3'),
  ext4: ext('ext4'),
  ntfs: {
    fs: 'ntfs',
    // mkntfs cannot read the geometry of a loop partition and would write 0s, leaving the volume unbootable.
    mkfs: ({ device, label, startSector }) => [
      'mkfs.ntfs',
      '-Q',
      '-F',
      '-L',
      label,
      '-p',
      String(startSector),
      '-H',
      '255',
      '-S',
      '63',
      device,
    ],
    access: { kind: 'mount', type: 'ntfs-3g', options: [] },
    fsck: (device) => ['ntfsfix', '-n', device],
    symlinks: true,
    minBytes: 8 * MiB,
  },
  xfs: {
    fs: 'xfs',
    mkfs: ({ device, label }) => ['mkfs.xfs', '-q', '-f', '-L', label.slice(0, 12), device],
    // A clone carries its source's UUID; nouuid lets either be mounted while the other is known to the kernel.
    access: { kind: 'mount', type: 'xfs', options: ['nouuid'] },
    fsck: (device) => ['xfs_repair', '-n', device],
    symlinks: true,
    minBytes: 300 * MiB,
  },
  btrfs: {
    fs: 'btrfs',
    mkfs: ({ device, label }) => ['mkfs.btrfs', '-q', '-f', '-L', label, device],
    access: { kind: 'mount', type: 'btrfs', options: [] },
    fsck: (device) => ['btrfs', 'check', '--readonly', device],
    symlinks: true,
    minBytes: 128 * MiB,
  },
};
