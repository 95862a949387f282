// Capture a sample disk, deploy it to an equal, a larger and a smaller disk, and check what a technician would:
// every file's sha256, the boot area, fsck, and partition sizes exactly as planned.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayoutPlan } from '@brume/protocol';
import { runBrume } from '../support/brume-cli.ts';
import { fileTreeHashes, fsck, rawHash } from '../support/file-tree.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { buildGptSample, buildMbrSample, type SampleDisk } from '../support/sample-disks.ts';
import { treeHashes } from '../support/sample-tree.ts';

const MiB = 1024 * 1024;
const CHUNK = String(4 * MiB);

interface Sample {
  name: 'gpt' | 'mbr';
  build: (disk: LoopDisk) => Promise<SampleDisk>;
  /** Target sizes: the same, larger, and smaller but still holding the used data. */
  targets: Array<{ kind: 'equal' | 'larger' | 'smaller'; sizeBytes: number }>;
}

const samples: Sample[] = [
  {
    name: 'gpt',
    build: (disk) => buildGptSample(disk),
    targets: [
      { kind: 'equal', sizeBytes: 512 * MiB },
      { kind: 'larger', sizeBytes: 900 * MiB },
      { kind: 'smaller', sizeBytes: 400 * MiB },
    ],
  },
  {
    name: 'mbr',
    build: (disk) => buildMbrSample(disk),
    targets: [
      { kind: 'equal', sizeBytes: 512 * MiB },
      { kind: 'larger', sizeBytes: 800 * MiB },
      { kind: 'smaller', sizeBytes: 420 * MiB },
    ],
  },
];

function tablePartitions(device: string): Array<{ number: number; startBytes: number; sizeBytes: number }> {
  const json = JSON.parse(execFileSync('sfdisk', ['--json', device], { encoding: 'utf8' })) as {
    partitiontable: { sectorsize?: number; partitions: Array<{ node: string; start: number; size: number }> };
  };
  const sector = json.partitiontable.sectorsize ?? 512;
  return json.partitiontable.partitions.map((p) => ({
    number: Number(/(\d+)$/.exec(p.node)?.[1]),
    startBytes: p.start * sector,
    sizeBytes: p.size * sector,
  }));
}

describe.each(samples)('$name sample: capture once, deploy three ways', (sample) => {
  const work = mkdtempSync(join(tmpdir(), `brume-rt-${sample.name}-`));
  const imageDir = join(work, 'image');
  const disks: LoopDisk[] = [];
  let source: SampleDisk;

  beforeAll(async () => {
    const disk = await createLoopDisk(work, 'source', 512 * MiB);
    disks.push(disk);
    source = await sample.build(disk);
    const capture = await runBrume(['capture', '--disk', disk.path, '--to', imageDir, '--chunk-size', CHUNK, '--json']);
    expect(capture.code, capture.stderr).toBe(0);
    expect(capture.result?.['state']).toBe('done');
  });

  afterAll(async () => {
    for (const disk of disks) await disk.detach();
    rmSync(work, { recursive: true, force: true });
  });

  it('the image verifies', async () => {
    const verify = await runBrume(['image', 'verify', imageDir, '--json']);
    expect(verify.code, verify.stderr).toBe(0);
  });

  it.each(sample.targets)(
    'deploys to a $kind disk: files, boot area, fsck, sizes as planned',
    async ({ kind, sizeBytes }) => {
      const target = await createLoopDisk(work, `target-${kind}`, sizeBytes);
      disks.push(target);
      const planRun = await runBrume(['plan', '--from', imageDir, '--disk', target.path, '--json']);
      expect(planRun.code, planRun.stderr).toBe(0);
      const plan = JSON.parse(planRun.stdout) as LayoutPlan;
      expect(plan.identical).toBe(kind === 'equal');
      if (kind !== 'equal')
        expect(plan.partitions.some((p) => p.resize === (kind === 'larger' ? 'grow' : 'shrink'))).toBe(true);

      const deploy = await runBrume(['deploy', '--from', imageDir, '--disk', target.path, '--yes', '--json']);
      expect(deploy.code, `${deploy.stderr}\n${JSON.stringify(deploy.result)}`).toBe(0);

      // The table is the plan, to the byte.
      expect(tablePartitions(target.path)).toEqual(
        plan.partitions.map((p) => ({ number: p.number, startBytes: p.startBytes, sizeBytes: p.sizeBytes })),
      );
      for (const area of source.bootAreas)
        expect(await rawHash(target.path, area.offset, area.length), `boot area at ${area.offset}`).toBe(area.sha256);
      for (const partition of source.partitions) {
        const device = target.partition(partition.number);
        if (partition.fs === 'raw') {
          expect(await rawHash(device, 0, partition.sizeBytes)).toBe(partition.sha256);
          continue;
        }
        expect(Object.fromEntries(await fileTreeHashes(device, partition.fs)), `files of p${partition.number}`).toEqual(
          Object.fromEntries(treeHashes(partition.files)),
        );
        const check = await fsck(device, partition.fs);
        expect(check.clean, check.output).toBe(true);
      }
    },
  );
});
