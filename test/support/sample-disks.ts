import { buildDisk, type PartitionFill, type SampleDisk } from './disk-builder.ts';
import type { LoopDisk } from './loop-disk.ts';
import { hashSeed } from './prng.ts';
import { sampleTree, type TreeEntry, type TreeMix } from './sample-tree.ts';

export type { BootArea, SampleDisk, SamplePartition } from './disk-builder.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Microsoft basic data (NTFS, FAT data partitions) as sfdisk spells it. */
const MS_BASIC_DATA = 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7';

/** Boot code lives in [0, 440) of the MBR; the disk signature and table follow and are not ours to fake. */
const BOOT_CODE = { offset: 0, length: 440 };
/** After the GPT entries (they end at 17 KiB with 512-byte sectors, 24 KiB with 4096) and before the first partition. */
const GPT_GAP = { offset: 32 * KiB, length: MiB - 32 * KiB };
/** After the 512-byte MBR (inside LBA 0 of a 4Kn disk) and before the first partition, like GRUB's core.img. */
const MBR_GAP = { offset: 512, length: MiB - 512 };

export interface GptSampleOptions {
  sizes?: { espMiB?: number; dataMiB?: number; ntfsMiB?: number; rawMiB?: number };
  seed?: number;
  /** Fill the ext4 and NTFS partitions to this fraction instead of the default few tens of MiB. */
  fillRatio?: number;
}

export interface MbrSampleOptions {
  sizes?: { ntfsMiB?: number; ext4MiB?: number };
  seed?: number;
  fillRatio?: number;
}

export interface BenchDiskOptions {
  /** Default 0.6. */
  fillRatio?: number;
  seed?: number;
}

/** A default mix of a few tens of MiB for a data partition. */
const dataMix = (seed: number, symlinks: boolean): TreeMix => ({
  seed,
  randomBytes: 12 * MiB,
  textBytes: 10 * MiB,
  smallFiles: 300,
  symlinks,
});

/**
 * GPT: p1 EFI System (vfat, 64 MiB, EFI/BOOT/BOOTX64.EFI and friends), p2 ext4 "data" (200 MiB), p3 NTFS (the rest),
 * p4 8 MiB without a filesystem holding a pseudo-random pattern. Fake boot code at [0, 440) and a pattern in
 * [32 KiB, 1 MiB). Works with 512 and 4096-byte sectors.
 */
export function buildGptSample(disk: LoopDisk, options: GptSampleOptions = {}): Promise<SampleDisk> {
  const seed = options.seed ?? 1;
  const esp = options.sizes?.espMiB ?? 64;
  const data = options.sizes?.dataMiB ?? 200;
  const raw = options.sizes?.rawMiB ?? 8;
  // 1 MiB before the first partition, 1 MiB kept free at the end for the backup GPT.
  const ntfs = options.sizes?.ntfsMiB ?? Math.floor(disk.sizeBytes / MiB) - 2 - esp - data - raw;
  if (ntfs < 8) throw new Error(`a ${disk.sizeBytes}-byte disk is too small for this GPT sample`);
  const script = [
    'label: gpt',
    `size=${esp}MiB, type=U, name="EFI System"`,
    `size=${data}MiB, type=L, name="data"`,
    `size=${ntfs}MiB, type=${MS_BASIC_DATA}, name="Basic data partition"`,
    `size=${raw}MiB, type=L, name="raw"`,
    '',
  ].join('\n');
  return buildDisk(disk, {
    script,
    seed,
    fills: new Map<number, PartitionFill>([
      [1, { fs: 'vfat', label: 'ESP', files: espTree(seed) }],
      [2, dataFill('ext4', 'data', seed + 2, true, options.fillRatio)],
      [3, dataFill('ntfs', 'Windows', seed + 3, true, options.fillRatio)],
      [4, { fs: 'raw', label: 'raw' }],
    ]),
    bootAreas: [BOOT_CODE, GPT_GAP],
  });
}

/**
 * MBR: p1 NTFS (bootable, 160 MiB), p2 ext4 (128 MiB), p3 extended over the rest holding p5, a logical ext4.
 * Fake boot code at [0, 440) and a pattern in [512, 1 MiB).
 */
export function buildMbrSample(disk: LoopDisk, options: MbrSampleOptions = {}): Promise<SampleDisk> {
  const seed = options.seed ?? 2;
  const ntfs = options.sizes?.ntfsMiB ?? 160;
  const ext4 = options.sizes?.ext4MiB ?? 128;
  if (Math.floor(disk.sizeBytes / MiB) - 1 - ntfs - ext4 < 16)
    throw new Error(`a ${disk.sizeBytes}-byte disk is too small for this MBR sample`);
  const script = [
    'label: dos',
    `size=${ntfs}MiB, type=7, bootable`,
    `size=${ext4}MiB, type=83`,
    'type=5',
    'type=83',
    '',
  ].join('\n');
  return buildDisk(disk, {
    script,
    seed,
    fills: new Map<number, PartitionFill>([
      [1, dataFill('ntfs', 'System', seed + 1, true, options.fillRatio)],
      [2, dataFill('ext4', 'root', seed + 2, true, options.fillRatio)],
      [5, dataFill('ext4', 'home', seed + 5, true, options.fillRatio)],
    ]),
    bootAreas: [BOOT_CODE, MBR_GAP],
  });
}

/** GPT with one ext4 partition over the whole disk (1 GiB for the benchmark), ~60 % used: half text, half random. */
export function buildBenchDisk(disk: LoopDisk, options: BenchDiskOptions = {}): Promise<SampleDisk> {
  const seed = options.seed ?? 3;
  return buildDisk(disk, {
    script: 'label: gpt\ntype=L, name="bench"\n',
    seed,
    fills: new Map<number, PartitionFill>([
      [
        1,
        {
          fs: 'ext4',
          label: 'bench',
          ratio: { seed, ratio: options.fillRatio ?? 0.6, textShare: 0.5, smallFiles: 500 },
        },
      ],
    ]),
    bootAreas: [BOOT_CODE],
  });
}

function dataFill(
  fs: 'ext4' | 'ntfs',
  label: string,
  seed: number,
  symlinks: boolean,
  ratio: number | undefined,
): PartitionFill {
  if (ratio !== undefined) return { fs, label, ratio: { seed, ratio } };
  return { fs, label, files: sampleTree(dataMix(seed, symlinks)) };
}

/** What an ESP holds: a fallback loader, a distribution's shim and GRUB, Windows' boot manager, and some clutter. */
function espTree(seed: number): TreeEntry[] {
  const file = (path: string, content: 'random' | 'text', size: number): TreeEntry => ({
    kind: 'file',
    path,
    content,
    size,
    seed: hashSeed(path, seed),
  });
  return [
    file('EFI/BOOT/BOOTX64.EFI', 'random', 200 * KiB),
    file('EFI/BOOT/fbx64.efi', 'random', 85 * KiB + 123),
    file('EFI/debian/shimx64.efi', 'random', 934 * KiB),
    file('EFI/debian/grubx64.efi', 'random', 2 * MiB + 4321),
    file('EFI/debian/grub.cfg', 'text', 150),
    file('EFI/Microsoft/Boot/bootmgfw.efi', 'random', 1536 * KiB + 77),
    file('EFI/Microsoft/Boot/BCD', 'random', 24 * KiB),
    file('loader/entries/debian.conf', 'text', 300),
    ...sampleTree({
      seed,
      randomBytes: 1 * MiB,
      textBytes: 512 * KiB,
      smallFiles: 40,
      symlinks: false,
      maxFileBytes: 512 * KiB,
    }),
  ];
}
