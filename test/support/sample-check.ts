import type { SampleDisk } from './disk-builder.ts';
import { fileTreeHashes, rawHash } from './file-tree.ts';
import type { LoopDisk } from './loop-disk.ts';
import { treeHashes } from './sample-tree.ts';

export interface SampleComparison {
  /** Files compared (raw partitions and boot areas are counted apart). */
  files: number;
  /** One line per difference: a file missing, extra or changed, a raw partition or a boot area that differs. */
  mismatches: string[];
}

/** What a technician checks on a copy: every file's sha256, every unformatted partition and boot area byte for byte. */
export async function compareWithSample(disk: LoopDisk, sample: SampleDisk): Promise<SampleComparison> {
  const mismatches: string[] = [];
  let files = 0;
  for (const partition of sample.partitions) {
    const device = disk.partition(partition.number);
    if (partition.fs === 'raw') {
      if ((await rawHash(device, 0, partition.sizeBytes)) !== partition.sha256)
        mismatches.push(`p${partition.number}: raw bytes differ`);
      continue;
    }
    const expected = treeHashes(partition.files);
    const actual = await fileTreeHashes(device, partition.fs);
    files += expected.size;
    for (const [path, hash] of expected) {
      const found = actual.get(path);
      if (found !== hash)
        mismatches.push(`p${partition.number}: ${path} ${found === undefined ? 'is missing' : 'differs'}`);
    }
    for (const path of actual.keys())
      if (!expected.has(path)) mismatches.push(`p${partition.number}: ${path} is extra`);
  }
  for (const area of sample.bootAreas) {
    if ((await rawHash(disk.path, area.offset, area.length)) !== area.sha256)
      mismatches.push(`boot area at ${area.offset} differs`);
  }
  return { files, mismatches };
}
