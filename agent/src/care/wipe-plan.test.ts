import { describe, expect, it } from 'vitest';
import type { QueueLimits } from '../sys/disk-facts.ts';
import {
  endRanges,
  mergeRanges,
  MiB,
  planPasses,
  sampleRanges,
  splitRanges,
  wipeRefusal,
  zeroMethod,
} from './wipe-plan.ts';

const GiB = 1024 * MiB;
const queue = (overrides: Partial<QueueLimits> = {}): QueueLimits => ({
  logicalBlockSize: 512,
  discardMaxBytes: 0,
  writeZeroesMaxBytes: 0,
  discardZeroesData: false,
  ...overrides,
});
/** What the kernel reports for a loop file on ext4, an NVMe SSD, a SATA HDD and a virtio disk without discard. */
const LOOP = queue({ discardMaxBytes: 4294966784, writeZeroesMaxBytes: 4294966784 });
const NVME = queue({ discardMaxBytes: 2199023255040, writeZeroesMaxBytes: 131072 * 512 });
const HDD = queue();
const OLD_KERNEL_SSD = queue({ discardMaxBytes: 2147450880, discardZeroesData: true });

describe('the zero method', () => {
  it.each([
    ['loop file (fallocate offload)', LOOP, 'zeroout'],
    ['NVMe with Write Zeroes', NVME, 'zeroout'],
    ['SATA HDD, nothing offloaded', HDD, 'write'],
    ['discard that guarantees zeroes (pre-4.12 kernel)', OLD_KERNEL_SSD, 'discard'],
    ['discard without the guarantee', queue({ discardMaxBytes: 1 << 30 }), 'write'],
  ])('%s → %s', (_name, limits, method) => expect(zeroMethod(limits)).toBe(method));
});

describe('passes of each mode', () => {
  it.each([
    ['fast, device discards', { mode: 'fast', queue: LOOP }, ['signatures/wipefs', 'ends/write', 'discard/discard']],
    ['fast, no discard on the device', { mode: 'fast', queue: HDD }, ['signatures/wipefs', 'ends/write']],
    ['fast, discard turned off', { mode: 'fast', queue: LOOP, discard: false }, ['signatures/wipefs', 'ends/write']],
    ['normal on a loop file', { mode: 'normal', queue: LOOP }, ['zero/zeroout']],
    ['normal on an HDD', { mode: 'normal', queue: HDD }, ['zero/write']],
    ['normal, forced to write', { mode: 'normal', queue: LOOP, zeroMethod: 'write' }, ['zero/write']],
    ['full: random, then zeroes', { mode: 'full', queue: HDD }, ['random/write', 'zero/write']],
    [
      'secure: the drive, then zeroes only if needed',
      { mode: 'secure', queue: NVME, secure: 'nvme-sanitize-crypto' },
      ['secure-erase/nvme-sanitize-crypto', 'zero/zeroout'],
    ],
  ] as const)('%s', (_name, input, expected) => {
    expect(planPasses(input).map((pass) => `${pass.kind}/${pass.method}`)).toEqual(expected);
  });
  it('marks only the zero pass after a secure erase as conditional', () => {
    expect(planPasses({ mode: 'secure', queue: NVME, secure: 'ata-erase' }).at(-1)).toMatchObject({
      kind: 'zero',
      ifNotZero: true,
    });
    expect(planPasses({ mode: 'full', queue: NVME }).at(-1)).toMatchObject({ kind: 'zero', ifNotZero: false });
  });
  it('needs the secure method for a secure plan', () => {
    expect(() => planPasses({ mode: 'secure', queue: NVME })).toThrow(/needs the secure-erase method/);
  });
});

describe('fast mode ranges', () => {
  it('covers both ends of the disk and of every partition, merged', () => {
    const ranges = endRanges(1 * GiB, [
      { startBytes: 1 * MiB, sizeBytes: 100 * MiB },
      { startBytes: 101 * MiB, sizeBytes: 1 * GiB - 102 * MiB },
    ]);
    expect(ranges).toEqual([
      { offset: 0, bytes: 2 * MiB }, // disk head + p1 head
      { offset: 100 * MiB, bytes: 2 * MiB }, // p1 tail + p2 head
      { offset: 1 * GiB - 2 * MiB, bytes: 2 * MiB }, // p2 tail + disk tail
    ]);
  });
  it('zeroes a partition smaller than a MiB whole, once', () => {
    expect(endRanges(64 * MiB, [{ startBytes: 10 * MiB, sizeBytes: 4096 }])).toEqual([
      { offset: 0, bytes: MiB },
      { offset: 10 * MiB, bytes: 4096 },
      { offset: 63 * MiB, bytes: MiB },
    ]);
  });
  it('clamps a stale partition that runs past the end of the disk, and ignores one beyond it', () => {
    expect(
      endRanges(16 * MiB, [
        { startBytes: 15 * MiB + 512, sizeBytes: 8 * MiB },
        { startBytes: 20 * MiB, sizeBytes: MiB },
      ]),
    ).toEqual([
      { offset: 0, bytes: MiB },
      { offset: 15 * MiB, bytes: MiB },
    ]);
  });
  it('a disk smaller than two MiB is one range', () => {
    expect(endRanges(MiB + 512, [])).toEqual([{ offset: 0, bytes: MiB + 512 }]);
  });
  it('merges touching ranges and drops empty ones', () => {
    expect(
      mergeRanges([
        { offset: 10, bytes: 5 },
        { offset: 0, bytes: 10 },
        { offset: 30, bytes: 0 },
      ]),
    ).toEqual([{ offset: 0, bytes: 15 }]);
  });
  it('splits ranges into pieces', () => {
    expect(splitRanges([{ offset: 0, bytes: 2 * MiB + 1 }], MiB)).toEqual([
      { offset: 0, bytes: MiB },
      { offset: MiB, bytes: MiB },
      { offset: 2 * MiB, bytes: 1 },
    ]);
  });
});

describe('read-back samples', () => {
  it('are the first and last MiB and 64 aligned samples between them', () => {
    const samples = sampleRanges(500 * GiB + 512);
    expect(samples).toHaveLength(66);
    expect(samples[0]).toEqual({ offset: 0, bytes: MiB });
    expect(samples.at(-1)).toEqual({ offset: 500 * GiB + 512 - MiB, bytes: MiB });
    for (const sample of samples.slice(1, -1)) expect(sample.offset % 4096).toBe(0);
    const gaps = samples.slice(1).map((sample, index) => sample.offset - (samples[index]?.offset ?? 0));
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(4096 + 512);
  });
  it('never overlap past the end on a small disk, and never repeat', () => {
    const samples = sampleRanges(8 * MiB);
    expect(new Set(samples.map((sample) => sample.offset)).size).toBe(samples.length);
    expect(Math.max(...samples.map((sample) => sample.offset + sample.bytes))).toBe(8 * MiB);
  });
  it('is the whole disk when it is smaller than a sample', () => {
    expect(sampleRanges(4096)).toEqual([{ offset: 0, bytes: 4096 }]);
  });
});

describe('which disks are refused before anything is written', () => {
  const disk = { readOnly: false, removable: false, transport: 'sata', sizeBytes: GiB } as const;
  it.each([
    ['an internal disk', disk, false, undefined],
    ['removable media', { ...disk, removable: true }, false, 'removable'],
    ['removable media a person named', { ...disk, removable: true }, true, undefined],
    ['a USB disk', { ...disk, transport: 'usb' }, false, 'removable'],
    ['a USB disk a person named', { ...disk, transport: 'usb' }, true, undefined],
    ['a read-only disk, even named', { ...disk, readOnly: true }, true, 'read-only'],
    ['a card reader without a card', { ...disk, removable: true, sizeBytes: 0 }, true, 'no-medium'],
  ] as const)('%s', (_name, facts, explicit, reason) => {
    expect(wipeRefusal('/dev/sdb', facts, explicit)?.reason).toBe(reason);
  });
});
