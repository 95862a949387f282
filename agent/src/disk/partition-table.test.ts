import { describe, expect, it } from 'vitest';
import { isExtendedContainer, parseSfdiskJson } from './partition-table.ts';

const dos = JSON.stringify({
  partitiontable: {
    label: 'dos',
    id: '0x12345678',
    device: 'm.img',
    unit: 'sectors',
    sectorsize: 512,
    partitions: [
      { node: 'm.img1', start: 2048, size: 20480, type: '7', bootable: true },
      { node: 'm.img3', start: 43008, size: 88064, type: '5' },
      { node: 'm.img5', start: 45056, size: 10240, type: '83' },
    ],
  },
});

describe('parseSfdiskJson', () => {
  it('reads MBR entries in bytes, numbers included (logical 5)', () => {
    const table = parseSfdiskJson(dos, 512);
    expect(table.label).toBe('dos');
    expect(table.entries.map((e) => [e.number, e.startBytes, e.sizeBytes])).toEqual([
      [1, 1048576, 10485760],
      [3, 22020096, 45088768],
      [5, 23068672, 5242880],
    ]);
    expect(table.entries[0]?.bootable).toBe(true);
    expect(isExtendedContainer('dos', '5')).toBe(true);
    expect(isExtendedContainer('gpt', '5')).toBe(false);
  });

  it('uses the disk sector size for GPT first-lba', () => {
    const gpt = JSON.stringify({
      partitiontable: {
        label: 'gpt',
        id: 'X',
        device: '/dev/loop0',
        unit: 'sectors',
        firstlba: 256,
        lastlba: 16378,
        sectorsize: 4096,
        partitions: [],
      },
    });
    expect(parseSfdiskJson(gpt, 4096).firstUsableBytes).toBe(1048576);
  });

  it('refuses tables it cannot write back', () => {
    const sun = JSON.stringify({ partitiontable: { label: 'sun', id: 'x', unit: 'sectors', partitions: [] } });
    expect(() => parseSfdiskJson(sun, 512)).toThrow(/sun/);
  });
});
