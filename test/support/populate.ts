import { mkdtemp, readdir, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILESYSTEMS, type SampleFs } from './filesystems.ts';
import { withMount } from './mount.ts';
import { sampleTree, writeTree, type TreeEntry } from './sample-tree.ts';
import { tool } from './tools.ts';

/** Writes the entries into the filesystem on `device`: through a read-write mount, or for vfat staged then mcopy'd. */
export async function populatePartition(device: string, fs: SampleFs, entries: readonly TreeEntry[]): Promise<void> {
  const row = FILESYSTEMS[fs];
  if (!row.symlinks && entries.some((entry) => entry.kind === 'symlink')) throw new Error(`${fs} cannot hold symlinks`);
  if (row.access.kind === 'mount') {
    await withMount(device, fs, 'rw', (dir) => writeTree(dir, entries));
    return;
  }
  const staging = await mkdtemp(join(tmpdir(), 'brume-stage-'));
  try {
    await writeTree(staging, entries);
    const top = (await readdir(staging)).map((name) => join(staging, name));
    if (top.length > 0) await tool('mcopy', ['-s', '-p', '-m', '-i', device, ...top, '::/']);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export interface RatioFill {
  seed: number;
  /** Fraction of the filesystem's size to have in use afterwards (0.6 → 60 %). */
  ratio: number;
  /** Share of the added bytes that is compressible text; the rest is random. Default 0.5. */
  textShare?: number;
  smallFiles?: number;
  maxFileBytes?: number;
}

/** Fills a mountable filesystem until `ratio` of it is in use; returns what it wrote. */
export async function populateToRatio(device: string, fs: SampleFs, fill: RatioFill): Promise<TreeEntry[]> {
  return withMount(device, fs, 'rw', async (dir) => {
    const stats = await statfs(dir);
    const total = stats.blocks * stats.bsize;
    const used = (stats.blocks - stats.bfree) * stats.bsize;
    const smallFiles = fill.smallFiles ?? 300;
    // Small files cost a block each at least, plus directories: keep that out of the big files' budget.
    const budget = Math.max(0, Math.floor(total * fill.ratio - used - smallFiles * 12 * 1024));
    const textBytes = Math.floor(budget * (fill.textShare ?? 0.5));
    const entries = sampleTree({
      seed: fill.seed,
      randomBytes: budget - textBytes,
      textBytes,
      smallFiles,
      symlinks: FILESYSTEMS[fs].symlinks,
      maxFileBytes: fill.maxFileBytes,
    });
    await writeTree(dir, entries);
    return entries;
  });
}
