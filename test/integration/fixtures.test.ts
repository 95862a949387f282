import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDisk } from '../support/disk-builder.ts';
import { fileTreeHashes, fsck, rawHash } from '../support/file-tree.ts';
import { FILESYSTEMS } from '../support/filesystems.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { readPartitionTable, type PartitionTable } from '../support/partition-table.ts';
import { buildGptSample, buildMbrSample, type SampleDisk } from '../support/sample-disks.ts';
import { sampleTree, treeHashes } from '../support/sample-tree.ts';

const MiB = 1024 * 1024;

interface Case {
  name: string;
  sectorSize: 512 | 4096;
  build: (disk: LoopDisk) => Promise<SampleDisk>;
  label: 'gpt' | 'dos';
  /** number → sfdisk type, in table order */
  types: [number, string][];
}

/** ESP, Linux data, Microsoft basic data, Linux data (the unformatted one). */
const GPT_SAMPLE_TYPES: Case['types'] = [
  [1, 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'],
  [2, '0FC63DAF-8483-4772-8E79-3D69D8477DE4'],
  [3, 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7'],
  [4, '0FC63DAF-8483-4772-8E79-3D69D8477DE4'],
];

const cases: Case[] = [
  {
    name: 'GPT ESP+ext4+NTFS+raw, 512-byte sectors',
    sectorSize: 512,
    build: (disk) => buildGptSample(disk),
    label: 'gpt',
    types: GPT_SAMPLE_TYPES,
  },
  {
    name: 'GPT ESP+ext4+NTFS+raw, 4096-byte sectors',
    sectorSize: 4096,
    build: (disk) => buildGptSample(disk, { seed: 7 }),
    label: 'gpt',
    types: GPT_SAMPLE_TYPES,
  },
  {
    name: 'MBR NTFS+ext4+extended(logical ext4), 512-byte sectors',
    sectorSize: 512,
    build: (disk) => buildMbrSample(disk),
    label: 'dos',
    types: [
      [1, '7'],
      [2, '83'],
      [3, '5'],
      [5, '83'],
    ],
  },
];

describe('test/support sample disks', () => {
  let dir = '';
  const disks: LoopDisk[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brume-fixtures-'));
  });

  afterAll(async () => {
    for (const disk of disks) await disk.detach();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  describe.each(cases)('$name', (c) => {
    let disk: LoopDisk;
    let sample: SampleDisk;
    let table: PartitionTable | null;

    beforeAll(async () => {
      disk = await createLoopDisk(dir, `${c.label}-${c.sectorSize}.img`, 512 * MiB, { sectorSize: c.sectorSize });
      disks.push(disk);
      sample = await c.build(disk);
      table = await readPartitionTable(disk.path);
    });

    it('has the expected partition table', () => {
      expect(table?.label).toBe(c.label);
      expect(table?.sectorSize).toBe(c.sectorSize);
      expect(table?.partitions.map((part) => [part.number, part.type.toUpperCase()])).toEqual(c.types);
      for (const part of table?.partitions ?? [])
        expect((part.start * c.sectorSize) % MiB, `p${part.number} start`).toBe(0);
      if (c.label === 'dos') expect(table?.partitions.find((part) => part.number === 1)?.bootable).toBe(true);
    });

    it('has every filesystem holding exactly the sample files, and clean', async () => {
      for (const part of sample.partitions) {
        if (part.fs === 'raw') continue;
        const found = await fileTreeHashes(disk.partition(part.number), part.fs);
        expect(found.size, `p${part.number} ${part.fs}`).toBeGreaterThan(0);
        expect(found, `p${part.number} ${part.fs}`).toEqual(treeHashes(part.files));
        const check = await fsck(disk.partition(part.number), part.fs);
        expect(check.clean, check.output).toBe(true);
      }
    });

    it('has the raw partition pattern and the boot areas in place', async () => {
      for (const part of sample.partitions.filter((p) => p.fs === 'raw')) {
        expect(await rawHash(disk.partition(part.number))).toBe(part.sha256);
        expect(await rawHash(disk.path, part.startBytes, part.sizeBytes)).toBe(part.sha256);
      }
      expect(sample.bootAreas.length).toBeGreaterThan(0);
      for (const area of sample.bootAreas)
        expect(await rawHash(disk.path, area.offset, area.length), `boot area @${area.offset}`).toBe(area.sha256);
    });

    it('detaches idempotently, leaving no partition nodes', async () => {
      await disk.detach();
      await disk.detach();
      expect(existsSync(disk.partition(1))).toBe(false);
    });
  });

  // One row per filesystem, so a new adapter is tested by adding a row: each can be made, filled, read back and
  // checked on this machine.
  it.each(Object.values(FILESYSTEMS))('round-trips sample files through $fs', async (row) => {
    const disk = await createLoopDisk(dir, `row-${row.fs}.img`, Math.max(row.minBytes, 64 * MiB) + 2 * MiB);
    disks.push(disk);
    try {
      const files = sampleTree({
        seed: 11,
        randomBytes: 3 * MiB,
        textBytes: 2 * MiB,
        smallFiles: 50,
        symlinks: row.symlinks,
      });
      await buildDisk(disk, {
        script: 'label: gpt\ntype=L\n',
        seed: 11,
        fills: new Map([[1, { fs: row.fs, label: 'row', files }]]),
        bootAreas: [],
      });
      expect(await fileTreeHashes(disk.partition(1), row.fs)).toEqual(treeHashes(files));
      const check = await fsck(disk.partition(1), row.fs);
      expect(check.clean, check.output).toBe(true);
    } finally {
      await disk.detach();
    }
  });
});
