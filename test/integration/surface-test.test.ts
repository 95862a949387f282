// Surface test on real loop devices: the whole disk is read, nothing is written (the device's sha256 is the
// same after), the throughput series has the regions asked for, and a loop device's SMART is recorded as unavailable.
// Bad sectors cannot be made here (no device-mapper in this kernel): the engine's wiring is checked with a failing-disk
// reader over a real loop device's facts; the real error injection is the QEMU blkdebug test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '@brume/protocol';
import { failingDisk } from '../fakes/failing-disk.ts';
import { surfaceTest, type SurfaceResult } from '../../agent/src/care/surface-test.ts';
import { MiB } from '../../agent/src/care/wipe-plan.ts';
import { openBlockReader } from '../../agent/src/sys/block-reader.ts';
import { runTool, type Runner } from '../../agent/src/sys/exec.ts';
import { contentBytes } from '../support/content.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { rawHash, writeBytes } from '../support/raw-bytes.ts';

const SIZE = 256 * MiB;
const work = mkdtempSync(join(tmpdir(), 'brume-surface-'));
const disks: LoopDisk[] = [];

async function loopDisk(name: string, size: number, sectorSize: 512 | 4096 = 512): Promise<LoopDisk> {
  const disk = await createLoopDisk(work, name, size, { sectorSize });
  disks.push(disk);
  // Some content at the start, the middle and the very end: a scan that wrote anything would change the hash.
  for (const offset of [0, size / 2 - 3 * MiB, size - MiB])
    await writeBytes(disk.path, offset, contentBytes('random', offset, MiB));
  return disk;
}

afterAll(async () => {
  for (const disk of disks) await disk.detach();
  rmSync(work, { recursive: true, force: true });
});

describe('a healthy 512-byte-sector loop device', () => {
  let disk: LoopDisk;
  let before: string;
  let result: SurfaceResult;
  const events: Event[] = [];

  beforeAll(async () => {
    disk = await loopDisk('healthy', SIZE);
    before = await rawHash(disk.path);
    result = await surfaceTest(
      { disk: disk.path, regions: 40 },
      { run: runTool, reporter: { event: (event) => events.push(event) } },
    );
  });

  it('reads every byte with direct reads and finds no bad sector', () => {
    expect(result).toMatchObject({
      disk: disk.path,
      bytes: SIZE,
      sectorBytes: 512,
      readMode: 'direct',
      badSectors: [],
      badSectorCount: 0,
      readErrors: 0,
    });
    const last = events.filter((event) => event.type === 'progress').at(-1);
    expect(last).toMatchObject({ phase: 'scan', target: 'surface', bytesDone: SIZE, bytesTotal: SIZE });
    expect(events.filter((event) => event.type === 'phase').map((event) => event.phase)).toEqual([
      'inspect',
      'scan',
      'inspect',
    ]);
  });

  it('the throughput series has the requested regions, end to end, each with a positive rate', () => {
    expect(result.throughput).toHaveLength(40);
    let next = 0;
    for (const point of result.throughput) {
      expect(point.startBytes).toBe(next);
      expect(point.mbPerSecond).toBeGreaterThan(0);
      next += point.bytes;
    }
    expect(next).toBe(SIZE);
  });

  it('leaves the device unchanged', async () => {
    expect(await rawHash(disk.path)).toBe(before);
  });

  it("records SMART as unavailable, before and after, with smartctl's reason", () => {
    for (const snapshot of [result.smart.before, result.smart.after]) {
      expect(snapshot).toMatchObject({ available: false });
      if (!snapshot.available) expect(snapshot.reason).toMatch(/Unable to detect device type/);
    }
  });
});

describe('a 4Kn loop device', () => {
  it('numbers in 4096-byte sectors and reads it whole, unchanged', async () => {
    const disk = await loopDisk('4kn', 64 * MiB, 4096);
    const before = await rawHash(disk.path);
    const result = await surfaceTest(
      { disk: disk.path, regions: 8, blockBytes: MiB },
      { run: runTool, reporter: { event: () => undefined } },
    );
    expect(result).toMatchObject({ bytes: 64 * MiB, sectorBytes: 4096, readMode: 'direct', badSectorCount: 0 });
    expect(result.throughput.map((point) => point.bytes)).toEqual(Array.from({ length: 8 }, () => 8 * MiB));
    expect(await rawHash(disk.path)).toBe(before);
  });
});

describe('the engine with a failing-disk reader over a loop device (bad sectors this host cannot make)', () => {
  it("reports exactly the failing LBAs, with the real device's size and sector size", async () => {
    const disk = await loopDisk('wired', 64 * MiB);
    const bad = [0, 8191, 8192, 65_536, 131_071]; // the first sector, across the first 4 MiB boundary, the last sector
    const result = await surfaceTest(
      { disk: disk.path, regions: 10 },
      {
        run: runTool,
        reporter: { event: () => undefined },
        reader: () => Promise.resolve(failingDisk({ sizeBytes: 64 * MiB, sectorBytes: 512, badSectors: bad })),
      },
    );
    expect(result).toMatchObject({ bytes: 64 * MiB, badSectors: bad, badSectorCount: 5, readErrors: 4 });
  });
});

describe('openBlockReader', () => {
  // tmpfs takes O_DIRECT since Linux 6.6, so the refusal is made with a 512-byte first read of a 4Kn device (EINVAL).
  it('falls back to buffered reads, after dropping the cache, when the first direct read is refused with EINVAL', async () => {
    const disk = await loopDisk('refuses-direct', 16 * MiB, 4096);
    const calls: string[] = [];
    const run: Runner = (command, args) => {
      calls.push([command, ...args].join(' '));
      return Promise.resolve({ stdout: '', stderr: '', code: 0 });
    };
    const reader = await openBlockReader(disk.path, { maxBytes: 64 * 1024, sectorBytes: 512, run });
    try {
      expect(reader.mode).toBe('buffered');
      expect(calls).toEqual([`blockdev --flushbufs ${disk.path}`]);
      const read = await reader.read(16 * MiB - MiB, 8192);
      expect(
        read.ok && Buffer.from(read.bytes).equals(contentBytes('random', 16 * MiB - MiB, MiB).subarray(0, 8192)),
      ).toBe(true);
    } finally {
      await reader.close();
    }
  });
});
