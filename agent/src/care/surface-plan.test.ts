import { describe, expect, it } from 'vitest';
import { blockBytesFor, halves, mbPerSecond, readsOf, regionsOf } from './surface-plan.ts';
import { MiB } from './wipe-plan.ts';

describe('regionsOf', () => {
  it.each([
    // [disk bytes, sector, count, expected first three regions' [start, bytes], expected number of regions]
    [
      '100 MiB in 100',
      100 * MiB,
      512,
      100,
      [
        [0, MiB],
        [MiB, MiB],
        [2 * MiB, MiB],
      ],
      100,
    ],
    [
      'uneven: sizes differ by one sector at most',
      1000 * 512,
      512,
      3,
      [
        [0, 333 * 512],
        [333 * 512, 333 * 512],
        [666 * 512, 334 * 512],
      ],
      3,
    ],
    [
      '4Kn disk: starts on 4096',
      10 * 4096,
      4096,
      4,
      [
        [0, 2 * 4096],
        [2 * 4096, 3 * 4096],
        [5 * 4096, 2 * 4096],
      ],
      4,
    ],
    [
      'fewer sectors than regions: one per sector',
      3 * 512,
      512,
      100,
      [
        [0, 512],
        [512, 512],
        [1024, 512],
      ],
      3,
    ],
  ] as const)('%s', (_, size, sector, count, first, length) => {
    const regions = regionsOf(size, sector, count);
    expect(regions).toHaveLength(length);
    expect(regions.slice(0, 3).map((region) => [region.startBytes, region.bytes])).toEqual(first);
    // End to end, no gap, no overlap, every start on a sector.
    let next = 0;
    for (const region of regions) {
      expect(region.startBytes).toBe(next);
      expect(region.startBytes % sector).toBe(0);
      expect(region.bytes).toBeGreaterThan(0);
      next += region.bytes;
    }
    expect(next).toBe(size);
    const sizes = regions.map((region) => region.bytes);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(sector);
  });

  it('aligned to the read size when the disk holds enough blocks; the last region takes the tail', () => {
    const regions = regionsOf(10 * MiB + 1024, 512, 3, MiB);
    expect(regions.map((region) => [region.startBytes, region.bytes])).toEqual([
      [0, 3 * MiB],
      [3 * MiB, 3 * MiB],
      [6 * MiB, 4 * MiB + 1024],
    ]);
    // Too few blocks for the count: sectors again.
    expect(regionsOf(2 * MiB, 512, 4, MiB).map((region) => region.startBytes)).toEqual([0, MiB / 2, MiB, 1.5 * MiB]);
  });

  it('refuses a region count that is not a whole number above 0', () => {
    expect(() => regionsOf(MiB, 512, 0)).toThrow(/regions/);
    expect(() => regionsOf(MiB, 512, 2.5)).toThrow(/regions/);
  });
});

describe('readsOf', () => {
  it('cuts a region into blocks, the last one shorter', () => {
    expect(readsOf({ startBytes: MiB, bytes: 10 * MiB }, 4 * MiB)).toEqual([
      { startBytes: MiB, bytes: 4 * MiB },
      { startBytes: 5 * MiB, bytes: 4 * MiB },
      { startBytes: 9 * MiB, bytes: 2 * MiB },
    ]);
  });
});

describe('blockBytesFor', () => {
  it('defaults to 4 MiB, rounds down to whole sectors, refuses less than a sector or more than 64 MiB', () => {
    expect(blockBytesFor(undefined, 512)).toBe(4 * MiB);
    expect(blockBytesFor(10_000, 4096)).toBe(8192);
    expect(() => blockBytesFor(511, 512)).toThrow(/blockBytes/);
    expect(() => blockBytesFor(65 * MiB, 512)).toThrow(/blockBytes/);
  });
});

describe('halves and rates', () => {
  it('splits on sector boundaries, the first half the smaller', () => {
    expect(halves({ startBytes: 4096, bytes: 3 * 512 }, 512)).toEqual([
      { startBytes: 4096, bytes: 512 },
      { startBytes: 4608, bytes: 1024 },
    ]);
  });

  it('MB/s counts 10^6 bytes; no time is no rate', () => {
    expect(mbPerSecond(250_000_000, 2)).toBe(125);
    expect(mbPerSecond(MiB, 0)).toBe(0);
  });
});
