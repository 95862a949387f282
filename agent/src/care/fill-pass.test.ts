// The write passes and the read-back against a temporary file standing in for a disk (O_EXCL is ignored for regular
// files); the ioctl passes need a block device and are exercised in test/integration/wipe.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Event } from '@brume/protocol';
import { writePass, zeroRanges, type PassTarget } from './fill-pass.ts';
import { readBack } from './read-back.ts';
import { MiB, sampleRanges } from './wipe-plan.ts';

const dir = mkdtempSync(join(tmpdir(), 'brume-fill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A "disk" of 0xff bytes whose size is not a multiple of the write chunk. */
function disk(name: string, sizeBytes = 20 * MiB + 512): { target: PassTarget; events: Event[] } {
  const path = join(dir, name);
  writeFileSync(path, Buffer.alloc(sizeBytes, 0xff));
  const events: Event[] = [];
  return { target: { path, sizeBytes, reporter: { event: (event) => events.push(event) } }, events };
}

describe('write passes', () => {
  it('zero: every byte, with progress that ends at the size', async () => {
    const { target, events } = disk('zero');
    await writePass(target, 'zero');
    expect(readFileSync(target.path).equals(Buffer.alloc(target.sizeBytes))).toBe(true);
    const last = events.at(-1);
    expect(last).toMatchObject({
      type: 'progress',
      phase: 'wipe',
      target: 'zero',
      bytesDone: target.sizeBytes,
      bytesTotal: target.sizeBytes,
    });
  });

  it('random: no 4 KiB block left as it was or zero, and a new stream each run', async () => {
    const { target } = disk('random');
    await writePass(target, 'random');
    const first = readFileSync(target.path);
    expect(first.byteLength).toBe(target.sizeBytes);
    for (let offset = 0; offset < first.byteLength; offset += 4096) {
      const block = first.subarray(offset, offset + 4096);
      expect(
        block.equals(Buffer.alloc(block.byteLength, 0xff)) || block.equals(Buffer.alloc(block.byteLength)),
        `block at ${offset}`,
      ).toBe(false);
    }
    await writePass(target, 'random');
    expect(readFileSync(target.path).subarray(0, MiB).equals(first.subarray(0, MiB))).toBe(false);
  });

  it('stops when cancelled', async () => {
    const { target } = disk('cancel');
    const controller = new AbortController();
    controller.abort();
    await expect(writePass({ ...target, signal: controller.signal }, 'zero')).rejects.toMatchObject({
      code: 'TASK_CANCELLED',
    });
  });

  it('zeroes only the ranges it is given', async () => {
    const { target } = disk('ranges', 4 * MiB);
    expect(
      await zeroRanges(target, [
        { offset: 0, bytes: 4096 },
        { offset: 3 * MiB, bytes: MiB },
      ]),
    ).toBe(4096 + MiB);
    const bytes = readFileSync(target.path);
    expect(bytes.subarray(0, 4096).equals(Buffer.alloc(4096))).toBe(true);
    expect(bytes[4096]).toBe(0xff);
    expect(bytes.subarray(3 * MiB).equals(Buffer.alloc(MiB))).toBe(true);
  });
});

describe('read-back', () => {
  it('finds a single stray byte and names the sample that holds it', async () => {
    const { target, events } = disk('stray', 16 * MiB);
    writeFileSync(target.path, Buffer.alloc(target.sizeBytes));
    const clean = await readBack(target.path, sampleRanges(target.sizeBytes, 4), target.reporter);
    expect(clean).toEqual({ samples: 6, bytes: 6 * MiB, allZero: true, nonZero: [] });
    const samples = sampleRanges(target.sizeBytes, 4);
    const hit = samples[2]?.offset ?? 0;
    const bytes = readFileSync(target.path);
    bytes[hit + 12345] = 1;
    writeFileSync(target.path, bytes);
    expect(await readBack(target.path, samples, target.reporter)).toMatchObject({ allZero: false, nonZero: [hit] });
    expect(
      events.some((event) => event.type === 'progress' && event.phase === 'verify' && event.target === 'read-back'),
    ).toBe(true);
  });

  it('counts a sample past the end as not zero', async () => {
    const { target } = disk('short', MiB);
    writeFileSync(target.path, Buffer.alloc(MiB));
    expect(await readBack(target.path, [{ offset: MiB / 2, bytes: MiB }], target.reporter)).toMatchObject({
      allZero: false,
      nonZero: [MiB / 2],
    });
  });
});
