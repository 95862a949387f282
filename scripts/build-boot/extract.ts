import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DebPackage } from './apt.ts';
import { mapLimit, run } from './run.ts';
import { addMergedUsrLinks, copyEntry, walk } from './tree.ts';

export interface Extracted {
  pkg: DebPackage;
  /** The package's files exactly as `dpkg -x` wrote them. */
  dir: string;
}

/** `dpkg -x` of each package into `into/NAME`, two at a time (the machine has two cores). */
export async function extractAll(
  packages: readonly DebPackage[],
  debCache: string,
  into: string,
): Promise<Extracted[]> {
  mkdirSync(into, { recursive: true });
  return mapLimit(packages, 2, async (pkg) => {
    const dir = join(into, pkg.name);
    await run('dpkg-deb', ['-x', join(debCache, pkg.file), dir]);
    return { pkg, dir };
  });
}

/**
 * Merges extracted packages into one merged-/usr tree (files hard-linked: this tree is read, never archived).
 * A path two packages ship is kept from the first: Debian forbids such overlaps between co-installable packages.
 */
export async function mergeSysroot(packages: readonly Extracted[], dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await addMergedUsrLinks(dir);
  for (const { dir: source } of packages) {
    for (const entry of await walk(source)) await copyEntry(source, dir, entry, 'link');
  }
}
