import { createCipheriv, randomBytes } from 'node:crypto';
import { BrumeError } from '@brume/protocol';
import { progressMeter, type ProgressMeter } from '../imaging/progress.ts';
import type { Reporter } from '../ports.ts';
import { openRangeDevice, type RangeOperation } from '../sys/block-ranges.ts';
import { openBlockWriter } from '../sys/block-writer.ts';
import { MiB, splitRanges, type ByteRange } from './wipe-plan.ts';

/** The disk a pass works on, and where its progress goes. */
export interface PassTarget {
  path: string;
  sizeBytes: number;
  reporter: Reporter;
  signal?: AbortSignal | undefined;
}

/** Large writes keep a disk streaming; 8 MiB wrote as fast as 32 MiB (and as dd bs=8M) on a loop file here. */
const WRITE_CHUNK = 8 * MiB;
/** Written bytes are flushed this often, so progress counts bytes on the disk, not in the page cache. */
const FLUSH_EVERY = 256 * MiB;
/** One BLKZEROOUT/BLKDISCARD call: small enough for progress every second or so on a disk that writes the zeroes itself. */
const RANGE_CHUNK = 256 * MiB;

/** Zeroes (one buffer, never written to), or an AES-256-CTR keystream under a throw-away key: ~GB/s, unpredictable. */
function byteSource(kind: 'zero' | 'random'): (length: number) => Uint8Array {
  const zeroes = Buffer.alloc(WRITE_CHUNK);
  if (kind === 'zero') return (length) => zeroes.subarray(0, length);
  const cipher = createCipheriv('aes-256-ctr', randomBytes(32), randomBytes(16));
  return (length) => cipher.update(zeroes.subarray(0, length));
}

function stopIfAborted(target: PassTarget, done: number): void {
  if (target.signal?.aborted === true) {
    throw new BrumeError(
      'TASK_CANCELLED',
      `wipe of ${target.path} cancelled after ${done} of ${target.sizeBytes} bytes`,
      { detail: { bytesDone: done, bytesTotal: target.sizeBytes } },
    );
  }
}

function meterFor(target: PassTarget, label: string, bytesTotal: number): ProgressMeter {
  return progressMeter({ reporter: target.reporter, phase: 'wipe', target: label, bytesTotal, intervalMs: 1000 });
}

/** Writes the whole disk with zeroes or random bytes; the next chunk is made while the last one is being written. */
export async function writePass(target: PassTarget, kind: 'zero' | 'random'): Promise<void> {
  const meter = meterFor(target, kind, target.sizeBytes);
  const next = byteSource(kind);
  const writer = await openBlockWriter(target.path);
  try {
    let unflushed = 0;
    let chunk = next(Math.min(WRITE_CHUNK, target.sizeBytes));
    for (let offset = 0; offset < target.sizeBytes;) {
      stopIfAborted(target, offset);
      const writing = writer.write(chunk, offset);
      const after = offset + chunk.byteLength;
      const following = after < target.sizeBytes ? next(Math.min(WRITE_CHUNK, target.sizeBytes - after)) : undefined;
      await writing;
      unflushed += chunk.byteLength;
      offset = after;
      if (unflushed >= FLUSH_EVERY) {
        await writer.flush();
        unflushed = 0;
      }
      meter.update(offset);
      if (following === undefined) break;
      chunk = following;
    }
    await writer.flush();
    meter.finish(target.sizeBytes);
  } finally {
    await writer.close();
  }
}

/**
 * BLKZEROOUT or BLKDISCARD over the whole disk, a chunk at a time. 'unsupported' when the device turns the first chunk
 * down (the caller falls back or skips); nothing has been changed then.
 */
export async function rangePass(
  target: PassTarget,
  operation: RangeOperation,
  label: string,
): Promise<'done' | 'unsupported'> {
  const meter = meterFor(target, label, target.sizeBytes);
  const device = openRangeDevice(target.path);
  try {
    for (let offset = 0; offset < target.sizeBytes; offset += RANGE_CHUNK) {
      stopIfAborted(target, offset);
      const length = Math.min(RANGE_CHUNK, target.sizeBytes - offset);
      if ((await device.apply(operation, offset, length)) === 'unsupported') {
        if (offset === 0) return 'unsupported';
        throw new BrumeError('TOOL_FAILED', `${target.path} stopped accepting ${operation} at byte ${offset}`);
      }
      meter.update(offset + length);
    }
    meter.finish(target.sizeBytes);
    return 'done';
  } finally {
    device.close();
  }
}

/** Zeroes the given ranges (fast mode's disk and partition ends); returns the bytes written. */
export async function zeroRanges(target: PassTarget, ranges: readonly ByteRange[]): Promise<number> {
  const pieces = splitRanges(ranges, WRITE_CHUNK);
  const total = pieces.reduce((sum, piece) => sum + piece.bytes, 0);
  const meter = meterFor(target, 'ends', total);
  const zeroes = new Uint8Array(WRITE_CHUNK);
  const writer = await openBlockWriter(target.path);
  try {
    let done = 0;
    for (const piece of pieces) {
      await writer.write(zeroes.subarray(0, piece.bytes), piece.offset);
      done += piece.bytes;
      meter.update(done);
    }
    await writer.flush();
    meter.finish(total);
    return total;
  } finally {
    await writer.close();
  }
}
