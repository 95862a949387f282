import { describe, expect, it } from 'vitest';
import { fixNtfsBootSector } from './ntfs-boot-sector.ts';

function bootSector(totalSectors: number, hiddenSectors: number): Uint8Array {
  const sector = new Uint8Array(512);
  sector.set(new TextEncoder().encode('NTFS    '), 3);
  const view = new DataView(sector.buffer);
  view.setUint16(0x0b, 512, true);
  view.setUint32(0x1c, hiddenSectors, true);
  view.setBigUint64(0x28, BigInt(totalSectors), true);
  return sector;
}

describe('fixNtfsBootSector', () => {
  it('puts the partition start in hidden sectors and the backup in the last sector', () => {
    const fix = fixNtfsBootSector(bootSector(2047, 63), 2 * 1048576, 1048576);
    expect(fix?.backupOffset).toBe(1048576 - 512);
    expect(new DataView(fix?.bootSector.buffer ?? new ArrayBuffer(0)).getUint32(0x1c, true)).toBe(4096);
  });

  it('leaves alone what is not NTFS, or a volume larger than its partition', () => {
    expect(fixNtfsBootSector(new Uint8Array(512), 0, 1048576)).toBeUndefined();
    expect(fixNtfsBootSector(bootSector(4096, 0), 0, 1048576)).toBeUndefined();
  });
});
