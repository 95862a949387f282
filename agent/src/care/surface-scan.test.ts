// The bisection, against a BlockReader standing in for a failing disk (test/fakes/failing-disk.ts): this machine has no
// disk with bad sectors and no device-mapper. The same engine against QEMU blkdebug is the lead's VM test.
import { describe, expect, it } from 'vitest';
import type { Event } from '@brume/protocol';
import { failingDisk } from '../../../test/fakes/failing-disk.ts';
import { scanSurface, type ScanLayout } from './surface-scan.ts';
import { MiB } from './wipe-plan.ts';

const SECTOR = 512;
const BLOCK = 64 * 1024; // 128 sectors
/** 1 MiB + 3 sectors: the last block is partial (and so is the last region). */
const SIZE = MiB + 3 * SECTOR;
const SECTORS = SIZE / SECTOR;

async function scan(bad: number[], layout: Partial<ScanLayout> = {}) {
  const disk = failingDisk({
    sizeBytes: layout.sizeBytes ?? SIZE,
    sectorBytes: layout.sectorBytes ?? SECTOR,
    badSectors: bad,
  });
  const events: Event[] = [];
  let clock = 0;
  const outcome = await scanSurface(
    disk,
    { path: '/dev/failing', sizeBytes: SIZE, sectorBytes: SECTOR, blockBytes: BLOCK, regions: 4, ...layout },
    { reporter: { event: (event) => events.push(event) }, now: () => (clock += 10) },
  );
  return { outcome, disk, events };
}

describe('scanSurface against a failing disk', () => {
  it('a healthy disk: no bad sectors, one read per block, every byte read once', async () => {
    const { outcome, disk } = await scan([]);
    expect(outcome).toMatchObject({ badSectors: [], badSectorCount: 0, readErrors: 0 });
    expect(disk.reads.reduce((sum, [, length]) => sum + length, 0)).toBe(SIZE);
    expect(Math.max(...disk.reads.map(([, length]) => length))).toBeLessThanOrEqual(BLOCK);
  });

  it('a single bad sector in the middle of a block: exactly that LBA, with ~2 × log2(128) reads more', async () => {
    const { outcome, disk } = await scan([1000]);
    expect(outcome).toMatchObject({ badSectors: [1000], badSectorCount: 1, readErrors: 1 });
    expect(disk.reads.length).toBeLessThan(SIZE / BLOCK + 2 + 2 * 7 + 2);
  });

  it('a run of bad sectors across a block boundary: every one of them, both blocks counted as read errors', async () => {
    const bad = [126, 127, 128, 129, 130]; // the first block is sectors 0-127
    const { outcome } = await scan(bad);
    expect(outcome).toMatchObject({ badSectors: bad, badSectorCount: 5, readErrors: 2 });
  });

  it("bad sectors at the start and in the last, partial block (the disk's last sector too)", async () => {
    const bad = [0, SECTORS - 3, SECTORS - 1];
    const { outcome, disk } = await scan(bad);
    expect(outcome).toMatchObject({ badSectors: bad, badSectorCount: 3, readErrors: 2 });
    expect(disk.reads.every(([offset, length]) => offset + length <= SIZE)).toBe(true);
  });

  it('a 4Kn disk numbers its bad sectors in 4096-byte units', async () => {
    const size = 64 * 4096;
    const { outcome } = await scan([5, 63], { sizeBytes: size, sectorBytes: 4096, blockBytes: 16 * 4096 });
    expect(outcome.badSectors).toEqual([5, 63]);
  });

  it('lists the first bad sectors up to the cap and counts the rest', async () => {
    const bad = Array.from({ length: 50 }, (_, index) => 300 + 2 * index);
    const { outcome } = await scan(bad, { listCap: 10 });
    expect(outcome.badSectors).toEqual(bad.slice(0, 10));
    expect(outcome.badSectorCount).toBe(50);
  });

  it('a throughput point per region, covering the disk, and progress for the scan phase ending at the whole disk', async () => {
    const { outcome, events } = await scan([]);
    expect(outcome.throughput).toHaveLength(4);
    expect(outcome.throughput.reduce((sum, point) => sum + point.bytes, 0)).toBe(SIZE);
    for (const point of outcome.throughput) expect(point.mbPerSecond).toBeGreaterThan(0);
    const progress = events.filter((event) => event.type === 'progress');
    expect(progress.at(-1)).toMatchObject({ phase: 'scan', target: 'surface', bytesDone: SIZE, bytesTotal: SIZE });
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const disk = failingDisk({ sizeBytes: SIZE, sectorBytes: SECTOR, badSectors: [] });
    await expect(
      scanSurface(
        disk,
        { path: '/dev/failing', sizeBytes: SIZE, sectorBytes: SECTOR, blockBytes: BLOCK, regions: 4 },
        { reporter: { event: () => undefined }, signal: controller.signal },
      ),
    ).rejects.toMatchObject({ code: 'TASK_CANCELLED' });
  });
});
