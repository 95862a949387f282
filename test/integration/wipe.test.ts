// Wipe on real loop devices: a disk with a GPT, filesystems and files is wiped in each mode and then read
// by the test itself; a second disk beside it must keep every byte; a disk in use is refused and untouched.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrumeError, type Event } from '@brume/protocol';
import { wipeDisk, type WipeOptions, type WipeResult } from '../../agent/src/care/wipe.ts';
import { endRanges, MiB } from '../../agent/src/care/wipe-plan.ts';
import { addDisk, fixtureTree } from '../fixtures/inventory-tree.ts';
import { runTool } from '../../agent/src/sys/exec.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { withMount } from '../support/mount.ts';
import { rawHash } from '../support/raw-bytes.ts';
import { buildGptSample, buildMbrSample, type SampleDisk } from '../support/sample-disks.ts';
import { tool } from '../support/tools.ts';
import { zeroHash } from '../support/zero-device.ts';

const SIZE = 512 * MiB;
const work = mkdtempSync(join(tmpdir(), 'brume-wipe-'));
const disks: LoopDisk[] = [];
let target: LoopDisk;
let bystander: LoopDisk;
let bystanderHash: string;

async function wipe(
  options: Partial<WipeOptions> & Pick<WipeOptions, 'mode'>,
): Promise<{ result: WipeResult; events: Event[] }> {
  const events: Event[] = [];
  const result = await wipeDisk(
    { disk: target.path, explicit: false, ...options },
    { run: runTool, reporter: { event: (event) => events.push(event) } },
  );
  return { result, events };
}

async function refused(options: Partial<WipeOptions> & Pick<WipeOptions, 'mode'>): Promise<BrumeError> {
  const error = await wipe(options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof BrumeError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

/** blkid's low-level probe of `length` bytes at `offset` of the disk: what signatures it finds there (none: exit 2). */
async function signaturesAt(offset: number, length: number): Promise<string> {
  const probe = await tool(
    'blkid',
    ['-p', '-o', 'export', '--offset', String(offset), '--size', String(length), target.path],
    { okCodes: [2] },
  );
  return probe.stdout.trim();
}

const passes = (result: WipeResult): string[] =>
  result.passes.map((pass) => `${pass.kind}/${pass.method}${pass.skipped === undefined ? '' : ' (skipped)'}`);
const progressTargets = (events: Event[]): string[] => [
  ...new Set(events.flatMap((event) => (event.type === 'progress' ? [`${event.phase}:${event.target}`] : []))),
];

beforeAll(async () => {
  target = await createLoopDisk(work, 'target', SIZE);
  disks.push(target);
  bystander = await createLoopDisk(work, 'bystander', 384 * MiB);
  disks.push(bystander);
  await buildMbrSample(bystander);
  bystanderHash = await rawHash(bystander.path);
});

afterAll(async () => {
  for (const disk of disks) await disk.detach();
  rmSync(work, { recursive: true, force: true });
});

describe('fast', () => {
  let sample: SampleDisk;
  beforeAll(async () => {
    sample = await buildGptSample(target);
  });

  it('without discard: zeroes both ends of the disk and of each partition; no signature or table is left', async () => {
    const { result } = await wipe({ mode: 'fast', discard: false });
    expect(passes(result)).toEqual(['signatures/wipefs', 'ends/write']);
    const ends = endRanges(SIZE, sample.partitions);
    expect(result.readBack).toEqual({
      samples: ends.reduce((sum, range) => sum + Math.ceil(range.bytes / MiB), 0),
      bytes: ends.reduce((sum, range) => sum + range.bytes, 0),
      allZero: true,
    });
    for (const range of ends)
      expect(await rawHash(target.path, range.offset, range.bytes), `bytes ${range.offset}+${range.bytes}`).toBe(
        zeroHash(range.bytes),
      );
    expect(await signaturesAt(0, SIZE)).toBe('');
    for (const part of sample.partitions)
      expect(await signaturesAt(part.startBytes, part.sizeBytes), `partition ${part.number}`).toBe('');
    expect((await tool('sfdisk', ['--json', target.path], { okCodes: [1] })).code).toBe(1);
    // The kernel forgot the partitions of the table that is gone.
    expect(existsSync(target.partition(1))).toBe(false);
    // Fast means fast: the middle of the NTFS partition still holds its files' bytes.
    const ntfs = sample.partitions.find((part) => part.fs === 'ntfs');
    expect(await rawHash(target.path, (ntfs?.startBytes ?? 0) + 8 * MiB, 64 * MiB)).not.toBe(zeroHash(64 * MiB));
  });

  it('with discard on a device that has it: the loop device punches holes, and everything reads as zeroes', async () => {
    const { result } = await wipe({ mode: 'fast' });
    expect(passes(result)).toEqual(['signatures/wipefs', 'ends/write', 'discard/discard']);
    expect(result.readBack.allZero).toBe(true);
    expect(await rawHash(target.path)).toBe(zeroHash(SIZE));
  });
});

describe('fast on an MBR disk with logical partitions and 4096-byte sectors', () => {
  it('zeroes the ends of the primaries, the extended container and the logical; nothing is found any more', async () => {
    const disk = await createLoopDisk(work, 'mbr4k', 384 * MiB, { sectorSize: 4096 });
    disks.push(disk);
    const sample = await buildMbrSample(disk);
    const events: Event[] = [];
    const result = await wipeDisk(
      { disk: disk.path, mode: 'fast', explicit: false, discard: false },
      { run: runTool, reporter: { event: (event) => events.push(event) } },
    );
    expect(result.readBack.allZero).toBe(true);
    for (const part of sample.partitions) {
      for (const offset of [part.startBytes, part.startBytes + part.sizeBytes - MiB])
        expect(await rawHash(disk.path, offset, MiB), `partition ${part.number} at ${offset}`).toBe(zeroHash(MiB));
      const probe = await tool(
        'blkid',
        ['-p', '-o', 'export', '--offset', String(part.startBytes), '--size', String(part.sizeBytes), disk.path],
        { okCodes: [2] },
      );
      expect(probe.stdout.trim(), `partition ${part.number}`).toBe('');
    }
    expect((await tool('sfdisk', ['--json', disk.path], { okCodes: [1] })).code).toBe(1);
    await disk.detach();
  });
});

describe('normal and full: every byte reads back as zero', () => {
  it.each([
    ['normal, offloaded to the device (BLKZEROOUT)', { mode: 'normal' }, ['zero/zeroout'], ['wipe:zero']],
    ['normal, zeroes written by the host', { mode: 'normal', zeroMethod: 'write' }, ['zero/write'], ['wipe:zero']],
    [
      'full: a random pass, then zeroes',
      { mode: 'full' },
      ['random/write', 'zero/zeroout'],
      ['wipe:random', 'wipe:zero'],
    ],
  ] as const)('%s', async (_name, options, expectedPasses, expectedProgress) => {
    await buildGptSample(target);
    expect(await rawHash(target.path)).not.toBe(zeroHash(SIZE));
    const { result, events } = await wipe(options);
    expect(passes(result)).toEqual(expectedPasses);
    expect(result).toMatchObject({
      mode: options.mode,
      disk: target.path,
      bytes: SIZE,
      readBack: { samples: 66, bytes: 66 * MiB, allZero: true },
    });
    for (const pass of result.passes) expect(pass).toMatchObject({ bytes: SIZE, bytesPerSecond: expect.any(Number) });
    expect(progressTargets(events)).toEqual([...expectedProgress, 'verify:read-back']);
    expect(await rawHash(target.path)).toBe(zeroHash(SIZE));
    expect(await signaturesAt(0, SIZE)).toBe('');
  });
});

describe('cancelling', () => {
  it('stops a pass at the next chunk', async () => {
    const controller = new AbortController();
    const reporter = {
      event: (event: Event) => (event.type === 'progress' && event.phase === 'wipe' ? controller.abort() : undefined),
    };
    const error = await wipeDisk(
      { disk: target.path, mode: 'normal', explicit: false, zeroMethod: 'write' },
      { run: runTool, reporter, signal: controller.signal },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'TASK_CANCELLED',
      message: expect.stringMatching(/cancelled after \d+ of \d+ bytes/),
    });
  });
});

describe('refusals leave the disk as it was', () => {
  it('secure erase on a loop device: no NVMe or ATA command set, a clear error', async () => {
    await buildGptSample(target);
    const before = await rawHash(target.path);
    const error = await refused({ mode: 'secure' });
    expect(error.detail).toMatchObject({ reason: 'secure-unsupported' });
    expect(error.message).toMatch(/a loop disk has neither NVMe sanitize\/format nor ATA security erase/);
    expect(await rawHash(target.path)).toBe(before);
  });

  it('a disk with a mounted partition is refused in every mode', async () => {
    await target.refreshPartitions();
    const before = await rawHash(target.path);
    await withMount(target.partition(2), 'ext4', 'ro', async () => {
      for (const mode of ['fast', 'normal', 'full'] as const) {
        const error = await refused({ mode });
        expect(error.code).toBe('DEVICE_BUSY');
        expect(error.message).toMatch(/is mounted on/);
      }
    });
    expect(await rawHash(target.path)).toBe(before);
  });

  it('a partition instead of a disk', async () => {
    const error = await wipeDisk(
      { disk: target.partition(1), mode: 'normal', explicit: true },
      { run: runTool, reporter: { event: () => undefined } },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'NOT_A_DISK' });
  });

  it('removable media only when a person named it (a fixture sysfs stands in: loop devices are never removable)', async () => {
    const sys = fixtureTree();
    try {
      addDisk(sys, { devicePath: `virtual/block/${basename(target.path)}`, sectors: SIZE / 512, removable: true });
      const deps = { run: runTool, reporter: { event: () => undefined }, sysRoot: sys.sys };
      const before = await rawHash(target.path);
      const error = await wipeDisk({ disk: target.path, mode: 'normal', explicit: false }, deps).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({
        code: 'DISK_REMOVABLE',
        detail: { reason: 'removable' },
        message: expect.stringMatching(/removable media: it is wiped only when a person names it/),
      });
      expect(await rawHash(target.path)).toBe(before);
      const result = await wipeDisk({ disk: target.path, mode: 'normal', explicit: true }, deps);
      expect(result.readBack.allZero).toBe(true);
      expect(await rawHash(target.path)).toBe(zeroHash(SIZE));
    } finally {
      sys.remove();
    }
  });
});

describe('the disk beside the target', () => {
  it('keeps every byte through all of the above', async () => {
    expect(await rawHash(bystander.path)).toBe(bystanderHash);
  });
});
