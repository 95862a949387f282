// The demo (README quick start): a sample GPT disk (ESP + ext4 + NTFS + an unformatted partition) is captured into an
// image, deployed to a larger disk, and every file of the copy is checked against the source. Real tools, loop disks.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LayoutPlan } from '@brume/protocol';
import { fileTreeHashes, rawHash } from '../test/support/file-tree.ts';
import { createLoopDisk, type LoopDisk } from '../test/support/loop-disk.ts';
import { buildGptSample } from '../test/support/sample-disks.ts';
import { treeHashes } from '../test/support/sample-tree.ts';

const MiB = 1024 * 1024;
const brume = new URL('../bin/brume', import.meta.url).pathname;
const run = promisify(execFile);

async function brumeJson(args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(brume, [...args, '--json'], { maxBuffer: 64 * MiB });
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  return (lines.findLast((event) => event['type'] === 'result')?.['summary'] ?? lines.at(-1) ?? {}) as Record<string, unknown>;
}

const mb = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

async function main(): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), 'brume-demo-'));
  const disks: LoopDisk[] = [];
  try {
    console.log('1/4 building a 512 MiB sample disk: GPT, ESP (vfat) + ext4 + NTFS + unformatted, with files');
    const source = await createLoopDisk(work, 'master', 512 * MiB);
    disks.push(source);
    const sample = await buildGptSample(source);

    console.log(`2/4 brume capture --disk ${source.path} --to image/`);
    const imageDir = join(work, 'image');
    const captured = await brumeJson(['capture', '--disk', source.path, '--to', imageDir]);

    const target = await createLoopDisk(work, 'pc-01', 1024 * MiB);
    disks.push(target);
    console.log(`3/4 brume deploy --from image/ --disk ${target.path} (a larger, 1 GiB disk)`);
    const deployed = await brumeJson(['deploy', '--from', imageDir, '--disk', target.path, '--yes']);
    const plan = deployed['plan'] as LayoutPlan;

    console.log('4/4 checking every file of the copy against the master');
    let files = 0;
    let mismatches = 0;
    for (const partition of sample.partitions) {
      if (partition.fs === 'raw') {
        mismatches += (await rawHash(target.partition(partition.number), 0, partition.sizeBytes)) === partition.sha256 ? 0 : 1;
        continue;
      }
      const expected = treeHashes(partition.files);
      const actual = await fileTreeHashes(target.partition(partition.number), partition.fs);
      files += expected.size;
      for (const [path, hash] of expected) if (actual.get(path) !== hash) mismatches++;
      mismatches += actual.size === expected.size ? 0 : 1;
    }
    for (const area of sample.bootAreas) mismatches += (await rawHash(target.path, area.offset, area.length)) === area.sha256 ? 0 : 1;

    const raw = Number(captured['rawBytes']);
    console.log(`
summary
  captured  ${mb(raw)} of partclone streams → ${mb(Number(captured['storedBytes']))} stored in ${Number(captured['seconds']).toFixed(1)} s (${mb(raw / Number(captured['seconds']))}/s)
  deployed  in ${Number(deployed['seconds']).toFixed(1)} s (${mb(raw / Number(deployed['seconds']))}/s), table grown for the larger disk:
${plan.partitions.map((p) => `    p${p.number} ${p.fs.padEnd(5)} ${mb(p.sourceSizeBytes).padStart(10)} → ${mb(p.sizeBytes).padStart(10)}`).join('\n')}
  verified  ${files} files, the unformatted partition and the boot area: ${mismatches === 0 ? 'all identical to the master' : `${mismatches} MISMATCHES`}`);
    return mismatches === 0 ? 0 : 1;
  } finally {
    for (const disk of disks) await disk.detach();
    await rm(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
