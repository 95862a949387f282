// Bad input is refused with a specific error, exit code 2, and the target disk unchanged; a corrupt chunk stops the
// deploy before any byte of it reaches the disk; the format promise (restore by hand with zstd + partclone) holds.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@brume/protocol';
import { failureOf, runBrume } from '../support/brume-cli.ts';
import { fileTreeHashes, rawHash } from '../support/file-tree.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { withMount } from '../support/mount.ts';
import { buildGptSample, type SampleDisk } from '../support/sample-disks.ts';
import { treeHashes } from '../support/sample-tree.ts';
import { zeroHash } from '../support/zero-device.ts';

const MiB = 1024 * 1024;
const CHUNK = 4 * MiB;
const work = mkdtempSync(join(tmpdir(), 'brume-fail-'));
const imageDir = join(work, 'image');
const disks: LoopDisk[] = [];
let source: SampleDisk;
let target: LoopDisk;

/** A copy of the good image, damaged by `damage`, for one test. */
function damagedCopy(name: string, damage: (dir: string, manifest: Manifest) => void): string {
  const dir = join(work, name);
  cpSync(imageDir, dir, { recursive: true });
  damage(dir, JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest);
  return dir;
}

async function expectRefused(args: string[], code: string, pattern: RegExp): Promise<void> {
  const before = await rawHash(target.path);
  const run = await runBrume([...args, '--json']);
  expect(run.code, run.stderr).toBe(2);
  const failure = failureOf(run);
  expect(failure.code).toBe(code);
  expect(failure.message).toMatch(pattern);
  expect(await rawHash(target.path), 'the target disk must be unchanged').toBe(before);
}

beforeAll(async () => {
  const disk = await createLoopDisk(work, 'source', 512 * MiB);
  disks.push(disk);
  source = await buildGptSample(disk);
  const capture = await runBrume([
    'capture',
    '--disk',
    disk.path,
    '--to',
    imageDir,
    '--chunk-size',
    String(CHUNK),
    '--json',
  ]);
  expect(capture.code, capture.stderr).toBe(0);
  target = await createLoopDisk(work, 'target', 512 * MiB);
  disks.push(target);
  // The target holds something worth protecting: a table and a filesystem.
  execFileSync('sfdisk', ['--quiet', '--no-reread', target.path], { input: 'label: gpt\n size=100M, type=linux\n' });
  await target.refreshPartitions();
  execFileSync('mkfs.ext4', ['-q', '-F', target.partition(1)]);
});

afterAll(async () => {
  for (const disk of disks) await disk.detach();
  rmSync(work, { recursive: true, force: true });
});

describe('bad input: exit 2, a specific message, nothing written', () => {
  it('missing device', () =>
    expectRefused(
      ['deploy', '--from', imageDir, '--disk', '/dev/nonexistent', '--yes'],
      'DEVICE_NOT_FOUND',
      /no such device/,
    ));
  it('a partition instead of a disk', () =>
    expectRefused(
      ['deploy', '--from', imageDir, '--disk', target.partition(1), '--yes'],
      'NOT_A_DISK',
      /is a partition; give the whole disk/,
    ));
  it('missing manifest', () =>
    expectRefused(
      ['deploy', '--from', join(work, 'nowhere'), '--disk', target.path, '--yes'],
      'IMAGE_NOT_FOUND',
      /does not exist/,
    ));
  it('malformed manifest', () => {
    const dir = damagedCopy('malformed', (d) =>
      writeFileSync(join(d, 'manifest.json'), '{"format": "brume-image/1", "name": '),
    );
    return expectRefused(
      ['deploy', '--from', dir, '--disk', target.path, '--yes'],
      'MANIFEST_INVALID',
      /not valid JSON/,
    );
  });
  it('a manifest missing a field', () => {
    const dir = damagedCopy('missing-field', (d, m) =>
      writeFileSync(join(d, 'manifest.json'), JSON.stringify({ ...m, disks: undefined })),
    );
    return expectRefused(['deploy', '--from', dir, '--disk', target.path, '--yes'], 'MANIFEST_INVALID', /disks/);
  });
  it('unknown format version', () => {
    const dir = damagedCopy('format', (d, m) =>
      writeFileSync(join(d, 'manifest.json'), JSON.stringify({ ...m, format: 'brume-image/9' })),
    );
    return expectRefused(
      ['deploy', '--from', dir, '--disk', target.path, '--yes'],
      'FORMAT_UNSUPPORTED',
      /brume-image\/9/,
    );
  });
  it('truncated chunk file', () => {
    const dir = damagedCopy('truncated', (d, m) => {
      const p2 = m.partitions.find((p) => p.number === 2);
      truncateSync(join(d, p2?.file ?? ''), (p2?.storedBytes ?? 0) - 100);
    });
    return expectRefused(
      ['deploy', '--from', dir, '--disk', target.path, '--yes'],
      'IMAGE_TRUNCATED',
      /d1p2\.pc\.zst .*truncated/,
    );
  });
  it('image larger than the disk and not shrinkable enough', async () => {
    const small = await createLoopDisk(work, 'small', 160 * MiB);
    disks.push(small);
    const before = await rawHash(small.path);
    const run = await runBrume(['deploy', '--from', imageDir, '--disk', small.path, '--yes', '--json']);
    expect(run.code).toBe(2);
    expect(failureOf(run).code).toBe('DISK_TOO_SMALL');
    expect(failureOf(run).message).toMatch(/shortfall \d+ bytes/);
    expect(await rawHash(small.path)).toBe(before);
  });
  it('a disk holding partitions, without --yes and nobody to ask', () =>
    expectRefused(['deploy', '--from', imageDir, '--disk', target.path], 'CONFIRMATION_REQUIRED', /--yes/));
  it('a disk with a mounted partition', async () => {
    const before = await rawHash(target.path, 0, MiB);
    await withMount(target.partition(1), 'ext4', 'ro', async () => {
      const run = await runBrume(['deploy', '--from', imageDir, '--disk', target.path, '--yes', '--json']);
      expect(run.code).toBe(2);
      expect(failureOf(run).code).toBe('DEVICE_BUSY');
      expect(failureOf(run).message).toMatch(/is mounted on/);
    });
    expect(await rawHash(target.path, 0, MiB)).toBe(before);
  });
  it('an unknown flag', async () => {
    const run = await runBrume(['deploy', '--from', imageDir, '--disk', target.path, '--yes', '--frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/frobnicate/);
  });
});

describe('a corrupt chunk', () => {
  it('stops the deploy naming file and chunk; the partition holds no byte of it', async () => {
    // p4 is raw (partclone.dd streams the partition's bytes as they are), so chunk 1 is exactly bytes [4 MiB, 8 MiB).
    const dir = damagedCopy('corrupt', (d, m) => {
      const p4 = m.partitions.find((p) => p.number === 4);
      const chunk = p4?.chunks[1];
      if (p4?.file == null || chunk === undefined) throw new Error('fixture: p4 needs two chunks');
      const path = join(d, p4.file);
      const bytes = readFileSync(path);
      bytes.set([(bytes[chunk.offset + 7] ?? 0) ^ 0xff], chunk.offset + 7);
      writeFileSync(path, bytes);
    });
    const verify = await runBrume(['image', 'verify', dir, '--json']);
    expect(verify.code).toBe(1);
    expect(failureOf(verify).message).toMatch(/d1p4\.pc\.zst chunk 1/);

    const fresh = await createLoopDisk(work, 'fresh', 512 * MiB);
    disks.push(fresh);
    const run = await runBrume(['deploy', '--from', dir, '--disk', fresh.path, '--yes', '--json']);
    expect(run.code).toBe(1);
    expect(failureOf(run).code).toBe('CHUNK_CORRUPT');
    expect(failureOf(run).message).toMatch(/d1p4\.pc\.zst chunk 1 is corrupt/);
    const p4 = source.partitions.find((p) => p.number === 4);
    expect(await rawHash(fresh.partition(4), CHUNK, CHUNK), 'bytes of the corrupt chunk').toBe(zeroHash(CHUNK));
    expect(await rawHash(fresh.partition(4), 0, CHUNK)).not.toBe(zeroHash(CHUNK));
    expect(p4?.sizeBytes).toBe(2 * CHUNK);
  });
});

describe('the format promise', () => {
  it('zstd -dc d1p2.pc.zst | partclone.ext4 -r restores a partition with no Brume code', async () => {
    const hand = await createLoopDisk(work, 'hand', 512 * MiB);
    disks.push(hand);
    execFileSync('sfdisk', ['--quiet', '--no-reread', hand.path], { input: readFileSync(join(imageDir, 'd1.sfdisk')) });
    await hand.refreshPartitions();
    execFileSync(
      'bash',
      [
        '-c',
        'set -o pipefail; zstd -dc "$1" | partclone.ext4 -r -s - -o "$2" -q',
        '_',
        join(imageDir, 'd1p2.pc.zst'),
        hand.partition(2),
      ],
      { stdio: 'ignore' },
    );
    const p2 = source.partitions.find((p) => p.number === 2);
    expect(Object.fromEntries(await fileTreeHashes(hand.partition(2), 'ext4'))).toEqual(
      Object.fromEntries(treeHashes(p2?.files ?? [])),
    );
  });
});
