import { progressMeter } from '../imaging/progress.ts';
import type { Reporter } from '../ports.ts';
import { readAt } from '../sys/block-io.ts';
import type { ByteRange } from './wipe-plan.ts';

/** What the read-back saw; `nonZero` lists the offsets of samples holding anything else (the first 16). */
export interface ReadBack {
  samples: number;
  bytes: number;
  allZero: boolean;
  nonZero: number[];
}

/**
 * Reads each range back and checks it holds only zeroes. The caller has dropped the disk's page cache first
 * (blockdev --flushbufs), so these reads come from the disk, not from the zeroes the wipe left in memory.
 */
export async function readBack(path: string, ranges: readonly ByteRange[], reporter: Reporter): Promise<ReadBack> {
  const total = ranges.reduce((sum, range) => sum + range.bytes, 0);
  const meter = progressMeter({ reporter, phase: 'verify', target: 'read-back', bytesTotal: total, intervalMs: 1000 });
  // Compared with memcmp (Buffer.equals) against zeroes: a MiB sample costs microseconds.
  const zeroes = Buffer.alloc(Math.max(0, ...ranges.map((range) => range.bytes)));
  const nonZero: number[] = [];
  let done = 0;
  for (const range of ranges) {
    const bytes = await readAt(path, range.offset, range.bytes);
    // A short read (past the end) is not a zero sample.
    const zero =
      bytes.byteLength === range.bytes &&
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(zeroes.subarray(0, range.bytes));
    if (!zero) nonZero.push(range.offset);
    done += range.bytes;
    meter.update(done);
  }
  meter.finish(total);
  return { samples: ranges.length, bytes: total, allZero: nonZero.length === 0, nonZero: nonZero.slice(0, 16) };
}
