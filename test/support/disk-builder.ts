import { createHash } from 'node:crypto';
import { formatPartition } from './format.ts';
import type { SampleFs } from './filesystems.ts';
import type { LoopDisk } from './loop-disk.ts';
import { readPartitionTable, writePartitionTable } from './partition-table.ts';
import { populatePartition, populateToRatio, type RatioFill } from './populate.ts';
import { createPrng } from './prng.ts';
import { writeBytes } from './raw-bytes.ts';
import type { TreeEntry } from './sample-tree.ts';

/** Bytes outside every partition that the builder filled (fake boot code, a pattern in the post-table gap). */
export interface BootArea {
  offset: number;
  length: number;
  sha256: string;
}

export interface SamplePartition {
  number: number;
  /** `raw`: no filesystem, the whole partition is a pseudo-random pattern whose hash is `sha256`. */
  fs: SampleFs | 'raw';
  label: string;
  startBytes: number;
  sizeBytes: number;
  /** What was written into the filesystem (`treeHashes(files)` is what `fileTreeHashes` should return). */
  files: TreeEntry[];
  sha256?: string;
}

/** What a builder made: enough for a test to check a copy without knowing how the sample was built. */
export interface SampleDisk {
  table: 'gpt' | 'dos';
  partitions: SamplePartition[];
  bootAreas: BootArea[];
}

export type PartitionFill =
  | { fs: SampleFs; label: string; files: TreeEntry[] }
  | { fs: SampleFs; label: string; ratio: RatioFill }
  | { fs: 'raw'; label: string };

export interface DiskRecipe {
  /** An sfdisk script. */
  script: string;
  /** Partition number → what goes in it; partitions not listed (an extended one) are left alone. */
  fills: ReadonlyMap<number, PartitionFill>;
  /** Written last, through the whole-disk device. */
  bootAreas: readonly { offset: number; length: number }[];
  seed: number;
}

/** Partitions the disk, makes and fills each filesystem, writes raw patterns and boot areas. */
export async function buildDisk(disk: LoopDisk, recipe: DiskRecipe): Promise<SampleDisk> {
  await writePartitionTable(disk.path, recipe.script);
  await disk.refreshPartitions();
  const table = await readPartitionTable(disk.path);
  if (table === null) throw new Error(`sfdisk wrote no readable table on ${disk.path}`);
  const prng = createPrng(recipe.seed);
  const partitions: SamplePartition[] = [];
  for (const [number, fill] of recipe.fills) {
    const entry = table.partitions.find((part) => part.number === number);
    if (entry === undefined) throw new Error(`the table on ${disk.path} has no partition ${number}`);
    const where = {
      number,
      label: fill.label,
      startBytes: entry.start * table.sectorSize,
      sizeBytes: entry.size * table.sectorSize,
    };
    const device = disk.partition(number);
    if (fill.fs === 'raw') {
      const sha256 = await writePattern(device, 0, where.sizeBytes, prng.fork(`raw${number}`).bytes(where.sizeBytes));
      partitions.push({ ...where, fs: 'raw', files: [], sha256 });
      continue;
    }
    await formatPartition(device, fill.fs, fill.label);
    const files = 'files' in fill ? fill.files : await populateToRatio(device, fill.fs, fill.ratio);
    if ('files' in fill) await populatePartition(device, fill.fs, files);
    partitions.push({ ...where, fs: fill.fs, files });
  }
  const bootAreas: BootArea[] = [];
  for (const { offset, length } of recipe.bootAreas) {
    const sha256 = await writePattern(disk.path, offset, length, prng.fork(`boot@${offset}`).bytes(length));
    bootAreas.push({ offset, length, sha256 });
  }
  return { table: table.label, partitions, bootAreas };
}

async function writePattern(device: string, offset: number, length: number, bytes: Buffer): Promise<string> {
  if (bytes.length !== length) throw new Error('pattern of the wrong length');
  await writeBytes(device, offset, bytes);
  return createHash('sha256').update(bytes).digest('hex');
}
