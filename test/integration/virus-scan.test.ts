// Virus scan on real loop devices: ClamAV with a test database finds the EICAR test file on an NTFS and an
// ext4 partition, and nothing else; the disk's every byte is the same afterwards; a disk in use is refused.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrumeError, type Event } from '@brume/protocol';
import { scanDisk, type VirusScanResult } from '../../agent/src/care/virus-scan.ts';
import { runTool, type Runner } from '../../agent/src/sys/exec.ts';
import { buildDisk } from '../support/disk-builder.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { withMount } from '../support/mount.ts';
import { rawHash } from '../support/raw-bytes.ts';
import { sampleTree } from '../support/sample-tree.ts';
import { tool } from '../support/tools.ts';

const MiB = 1024 * 1024;
const MS_BASIC_DATA = 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7';
/** The published 68-byte EICAR test string, put together at run time so that no file in the repository holds it. */
const EICAR = Buffer.from(
  ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR', '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''),
  'latin1',
);
const SIGNATURE = 'Brume-Test-EICAR';

const work = mkdtempSync(join(tmpdir(), 'brume-virus-'));
const signatures = join(work, 'signatures');
const logs = join(work, 'logs');
const disks: LoopDisk[] = [];

/** Where the EICAR copies go: a subdirectory, among clean files. */
const INFECTED = { ntfs: '/Users/Public/Downloads/eicar.com', ext4: '/home/pupil/tmp/not a virus.txt' } as const;

async function plant(device: string, fs: 'ntfs' | 'ext4', path: string): Promise<void> {
  await withMount(device, fs, 'rw', async (dir) => {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), EICAR);
  });
}

/** GPT: p1 ext4, p2 NTFS, p3 vfat (an ESP), each with a small tree of clean files; p4 without a filesystem. */
async function sampleDisk(name: string, infected: boolean): Promise<LoopDisk> {
  const disk = await createLoopDisk(work, name, 160 * MiB);
  disks.push(disk);
  const files = (seed: number, symlinks: boolean) =>
    sampleTree({ seed, randomBytes: 2 * MiB, textBytes: 2 * MiB, smallFiles: 40, symlinks });
  await buildDisk(disk, {
    script: [
      'label: gpt',
      'size=48MiB, type=L, name="data"',
      `size=48MiB, type=${MS_BASIC_DATA}, name="Windows"`,
      'size=40MiB, type=U, name="EFI System"',
      'size=8MiB, type=L',
    ].join('\n'),
    fills: new Map([
      [1, { fs: 'ext4', label: 'data', files: files(1, true) }],
      [2, { fs: 'ntfs', label: 'windows', files: files(2, true) }],
      [3, { fs: 'vfat', label: 'esp', files: files(3, false) }],
      [4, { fs: 'raw', label: 'raw' }],
    ] as const),
    bootAreas: [],
    seed: 7,
  });
  if (infected) {
    await plant(disk.partition(1), 'ext4', INFECTED.ext4);
    await plant(disk.partition(2), 'ntfs', INFECTED.ntfs);
  }
  return disk;
}

async function scan(disk: LoopDisk, signaturesDir = signatures): Promise<{ result: VirusScanResult; events: Event[] }> {
  const events: Event[] = [];
  const result = await scanDisk(
    { disk: disk.path, signaturesDir, logDir: logs },
    { run: runTool, reporter: { event: (event) => events.push(event) } },
  );
  return { result, events };
}

async function refusal(disk: LoopDisk, signaturesDir = signatures): Promise<BrumeError> {
  const error = await scan(disk, signaturesDir).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof BrumeError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

const kernelHasVfat = (): boolean => /\tvfat$/m.test(readFileSync('/proc/filesystems', 'utf8'));

let infectedDisk: LoopDisk;
let cleanDisk: LoopDisk;

beforeAll(async () => {
  // A test database: one MD5 signature (md5:size:name) for the EICAR bytes.
  mkdirSync(signatures);
  writeFileSync(
    join(signatures, 'brume-test.hdb'),
    `${createHash('md5').update(EICAR).digest('hex')}:${EICAR.length}:${SIGNATURE}\n`,
  );
  infectedDisk = await sampleDisk('infected', true);
  cleanDisk = await sampleDisk('clean', false);
});

afterAll(async () => {
  for (const disk of disks) await disk.detach();
  rmSync(work, { recursive: true, force: true });
});

describe('a disk with the EICAR file on its NTFS and ext4 partitions', () => {
  let result: VirusScanResult;
  let events: Event[];
  let before: string;

  beforeAll(async () => {
    before = await rawHash(infectedDisk.path);
    ({ result, events } = await scan(infectedDisk));
  });

  it('lists exactly the two infected files, with the signature name', () => {
    expect(result.infected).toBe(2);
    const found = result.partitions.flatMap((partition) =>
      partition.infected.map((finding) => ({ number: partition.number, ...finding })),
    );
    expect(found).toEqual([
      { number: 1, path: INFECTED.ext4, signature: `${SIGNATURE}.UNOFFICIAL` },
      { number: 2, path: INFECTED.ntfs, signature: `${SIGNATURE}.UNOFFICIAL` },
    ]);
  });

  it('scans every file of ext4 and NTFS; skips vfat without the kernel module and the partition without a filesystem', () => {
    const byNumber = new Map(result.partitions.map((partition) => [partition.number, partition]));
    expect([...byNumber.keys()]).toEqual([1, 2, 3, 4]);
    // 40 small files, a random and a text blob, the one with spaces, and EICAR (clamscan does not count the empty file).
    expect(byNumber.get(1)).toMatchObject({ fs: 'ext4', scanned: true, files: 44 });
    expect(byNumber.get(2)).toMatchObject({ fs: 'ntfs', scanned: true, files: 44 });
    expect(byNumber.get(1)?.error).toBeUndefined();
    expect(byNumber.get(2)?.error).toBeUndefined();
    if (kernelHasVfat()) expect(byNumber.get(3)).toMatchObject({ fs: 'vfat', scanned: true, infected: [] });
    else
      expect(byNumber.get(3)).toMatchObject({ fs: 'vfat', scanned: false, skipped: 'this kernel has no vfat support' });
    expect(byNumber.get(4)).toMatchObject({ fs: null, scanned: false, skipped: 'no filesystem found (blkid)' });
    expect(result.signatures).toEqual({ dir: signatures, files: ['brume-test.hdb'], known: 1 });
  });

  it('writes nothing: the disk hashes the same, every partition is writable again, nothing stays mounted', async () => {
    expect(await rawHash(infectedDisk.path)).toBe(before);
    for (const number of [1, 2, 3, 4])
      expect((await tool('blockdev', ['--getro', infectedDisk.partition(number)])).stdout.trim(), `p${number}`).toBe(
        '0',
      );
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(/brume-scan-/);
  });

  it('reports a scan phase per partition it mounts, progress per partition, and keeps clamscan logs', () => {
    const scanned = events.flatMap((event) => (event.type === 'phase' && event.phase === 'scan' ? [event.target] : []));
    expect(scanned).toEqual(['p1', 'p2', 'p3']);
    const progress = events.flatMap((event) => (event.type === 'progress' ? [event.target] : []));
    expect(progress).toEqual(['p1', 'p2', 'p3', 'p4']);
    const last = events.filter((event) => event.type === 'progress').at(-1);
    expect(last?.type === 'progress' && last.bytesDone === last.bytesTotal).toBe(true);
    for (const number of [1, 2]) {
      const log = join(logs, `clamscan-${infectedDisk.path.slice('/dev/'.length)}p${number}.log`);
      expect(result.partitions[number - 1]?.log).toBe(log);
      expect(readFileSync(log, 'utf8')).toContain(`${SIGNATURE}.UNOFFICIAL FOUND`);
    }
  });
});

describe('a clean disk', () => {
  it('reports 0 infected files, and still scanned them all', async () => {
    const before = await rawHash(cleanDisk.path);
    const { result } = await scan(cleanDisk);
    expect(result.infected).toBe(0);
    expect(
      result.partitions
        .filter((partition) => partition.scanned)
        .map((partition) => [partition.number, partition.files]),
    ).toEqual(
      kernelHasVfat()
        ? [
            [1, 43],
            [2, 43],
            [3, 43],
          ]
        : [
            [1, 43],
            [2, 43],
          ],
    );
    expect(await rawHash(cleanDisk.path)).toBe(before);
  });
});

describe('a partition that cannot be mounted', () => {
  it('is recorded with its error, and the other partitions are still scanned', async () => {
    const broken = infectedDisk.partition(1);
    // A damaged filesystem, as the runner sees it: mount fails for p1 only.
    const run: Runner = (command, args, options) =>
      command === 'mount' && args.includes(broken)
        ? Promise.reject(
            new BrumeError('TOOL_FAILED', `mount ${broken} failed (exit 32): wrong fs type, bad superblock`),
          )
        : runTool(command, args, options);
    const result = await scanDisk(
      { disk: infectedDisk.path, signaturesDir: signatures, logDir: logs },
      { run, reporter: { event: () => undefined } },
    );
    expect(result.partitions[0]).toMatchObject({
      number: 1,
      fs: 'ext4',
      scanned: false,
      files: 0,
      infected: [],
      error: { code: 'TOOL_FAILED', message: expect.stringMatching(/bad superblock/) },
    });
    expect(result.partitions[1]).toMatchObject({
      number: 2,
      fs: 'ntfs',
      scanned: true,
      infected: [{ path: INFECTED.ntfs, signature: `${SIGNATURE}.UNOFFICIAL` }],
    });
    expect(result.infected).toBe(1);
    expect((await tool('blockdev', ['--getro', broken])).stdout.trim()).toBe('0');
  });
});

describe('refusals, before anything is mounted', () => {
  it.each([
    ['a missing directory', () => join(work, 'nowhere'), /no virus signature directory at .*nowhere/],
    ['an empty directory', () => mkdtempSync(join(work, 'empty-')), /holds no ClamAV signatures/],
    [
      'a directory of amendments only',
      () => withFiles({ 'local.ign2': 'Eicar-Test-Signature\n' }),
      /holds no ClamAV signatures/,
    ],
  ])('%s: BAD_REQUEST', async (_name, dir, message) => {
    const error = await refusal(cleanDisk, dir());
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(message);
  });

  it('a database clamscan cannot load: BAD_REQUEST, and the partitions are unmounted and writable again', async () => {
    const error = await refusal(cleanDisk, withFiles({ 'broken.hdb': 'this is not a signature\n' }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/clamscan could not load the signatures/);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(/brume-scan-/);
    expect((await tool('blockdev', ['--getro', cleanDisk.partition(1)])).stdout.trim()).toBe('0');
  });

  it('a disk mounted elsewhere: DEVICE_BUSY', async () => {
    const error = await withMount(cleanDisk.partition(1), 'ext4', 'ro', () => refusal(cleanDisk));
    expect(error.code).toBe('DEVICE_BUSY');
    expect(error.message).toMatch(/is mounted on/);
  });
});

function withFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(work, 'db-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  expect(existsSync(dir)).toBe(true);
  return dir;
}
