/**
 * What a wipe will do, decided before it writes anything, so a refusal leaves the disk untouched. Pure: the disk's
 * facts come in, passes and byte ranges come out, so every mode's plan is a table-tested value.
 */
import type { WipeMode } from '@brume/protocol';
import type { DiskFacts, QueueLimits } from '../sys/disk-facts.ts';
import type { WipeRefusal } from './wipe-errors.ts';

export type { WipeMode };

/** How a zero pass gets zeroes onto the disk. */
export type ZeroMethod = 'zeroout' | 'discard' | 'write';

/** The drive's own erase command, strongest first within each family. */
export type SecureMethod =
  | 'nvme-sanitize-crypto'
  | 'nvme-sanitize-block'
  | 'nvme-format-crypto'
  | 'nvme-format-user-data'
  | 'ata-erase-enhanced'
  | 'ata-erase';

export type PlannedPass =
  | { kind: 'signatures'; method: 'wipefs' }
  | { kind: 'ends'; method: 'write' }
  | { kind: 'discard'; method: 'discard' }
  | { kind: 'random'; method: 'write' }
  /** `ifNotZero`: after a secure erase, only when the read-back finds something other than zeroes. */
  | { kind: 'zero'; method: ZeroMethod; ifNotZero: boolean }
  | { kind: 'secure-erase'; method: SecureMethod };

export type PassKind = PlannedPass['kind'];

export interface ByteRange {
  offset: number;
  bytes: number;
}

export interface Extent {
  startBytes: number;
  sizeBytes: number;
}

export interface PlanInput {
  mode: WipeMode;
  queue: QueueLimits;
  /** Required for mode 'secure': what the drive offers (secure-erase.ts decides). */
  secure?: SecureMethod;
  /** Overrides the zero method the limits choose (benchmarks and tests compare them). */
  zeroMethod?: ZeroMethod;
  /** Fast mode discards the whole disk when it can; false leaves that out. */
  discard?: boolean;
}

export const MiB = 1024 * 1024;

/**
 * BLKZEROOUT when the device writes zeroes itself (it may then deallocate, which it only does where reads are
 * guaranteed to return zeroes); a plain discard only where the kernel promises discarded blocks read as zeroes;
 * otherwise the host writes zeroes. A non-offloaded BLKZEROOUT would be the kernel writing zero pages: no faster than our
 * own large writes, and without progress.
 */
export function zeroMethod(queue: QueueLimits): ZeroMethod {
  if (queue.writeZeroesMaxBytes > 0) return 'zeroout';
  if (queue.discardZeroesData && queue.discardMaxBytes > 0) return 'discard';
  return 'write';
}

/** The passes of a mode, in order. */
export function planPasses(input: PlanInput): PlannedPass[] {
  const zero = (ifNotZero: boolean): PlannedPass => ({
    kind: 'zero',
    method: input.zeroMethod ?? zeroMethod(input.queue),
    ifNotZero,
  });
  switch (input.mode) {
    case 'fast': {
      const passes: PlannedPass[] = [
        { kind: 'signatures', method: 'wipefs' },
        { kind: 'ends', method: 'write' },
      ];
      // discard_max_bytes 0 means the device has none: the pass would only report "not supported".
      if (input.discard !== false && input.queue.discardMaxBytes > 0)
        passes.push({ kind: 'discard', method: 'discard' });
      return passes;
    }
    case 'normal':
      return [zero(false)];
    case 'full':
      // Random first, zeroes last: the disk ends blank, and the read-back can tell a finished wipe from an unfinished one.
      return [{ kind: 'random', method: 'write' }, zero(false)];
    case 'secure':
      if (input.secure === undefined) throw new Error('planPasses: mode secure needs the secure-erase method');
      // A crypto erase leaves noise on drives that do not deallocate; the zero pass runs only then.
      return [{ kind: 'secure-erase', method: input.secure }, zero(true)];
    default: {
      const never: never = input.mode;
      throw new Error(`unknown wipe mode ${String(never)}`);
    }
  }
}

/**
 * Why this disk must not be wiped, from its facts alone (busy is asked of the kernel separately). Removable media and
 * USB disks only when a person named the disk: kernel names move when a stick is plugged in.
 */
export function wipeRefusal(
  path: string,
  facts: Pick<DiskFacts, 'readOnly' | 'removable' | 'transport' | 'sizeBytes'>,
  explicit: boolean,
): { reason: WipeRefusal; message: string } | undefined {
  if (facts.sizeBytes === 0) return { reason: 'no-medium', message: `${path} has no medium (size 0)` };
  if (facts.readOnly)
    return {
      reason: 'read-only',
      message: `${path} is read-only (a write-protect switch, or the kernel marked it so)`,
    };
  const risky = facts.transport === 'usb' ? 'a USB disk' : facts.removable ? 'removable media' : undefined;
  if (risky !== undefined && !explicit)
    return {
      reason: 'removable',
      message: `${path} is ${risky}: it is wiped only when a person names it (--disk or brume.disk=)`,
    };
  return undefined;
}

/** Sorted, with overlapping or touching ranges joined. */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = ranges.filter((range) => range.bytes > 0).sort((a, b) => a.offset - b.offset);
  const merged: ByteRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && range.offset <= last.offset + last.bytes) {
      last.bytes = Math.max(last.bytes, range.offset + range.bytes - last.offset);
    } else {
      merged.push({ ...range });
    }
  }
  return merged;
}

/**
 * Fast mode's ranges: the first and last `span` bytes of the disk (MBR, GPT and its backup) and of each partition (boot
 * sectors, superblocks, NTFS's backup boot sector, RAID and LVM labels at either end), clamped to the disk.
 */
export function endRanges(sizeBytes: number, partitions: readonly Extent[], span = MiB): ByteRange[] {
  const ends = (start: number, size: number): ByteRange[] => {
    const end = Math.min(start + size, sizeBytes);
    const head = Math.min(span, end - start);
    return [
      { offset: start, bytes: head },
      { offset: Math.max(start, end - span), bytes: Math.min(span, end - start) },
    ];
  };
  return mergeRanges([
    ...ends(0, sizeBytes),
    ...partitions.filter((p) => p.startBytes < sizeBytes).flatMap((p) => ends(p.startBytes, p.sizeBytes)),
  ]);
}

/** Cuts ranges into pieces of at most `max` bytes (one read or write each). */
export function splitRanges(ranges: readonly ByteRange[], max: number): ByteRange[] {
  return ranges.flatMap((range) => {
    const pieces: ByteRange[] = [];
    for (let at = 0; at < range.bytes; at += max)
      pieces.push({ offset: range.offset + at, bytes: Math.min(max, range.bytes - at) });
    return pieces;
  });
}

/**
 * Where the read-back looks: the first and last `sampleBytes` of the disk and `count` samples evenly spaced between
 * them, aligned down to `align` (a physical sector multiple, so a sample never starts inside a sector).
 */
export function sampleRanges(sizeBytes: number, count = 64, sampleBytes = MiB, align = 4096): ByteRange[] {
  if (sizeBytes <= sampleBytes) return [{ offset: 0, bytes: sizeBytes }];
  const last = sizeBytes - sampleBytes;
  const offsets = [0, last];
  for (let index = 1; index <= count; index++) offsets.push(Math.floor((last * index) / (count + 1) / align) * align);
  return [...new Set(offsets)].sort((a, b) => a - b).map((offset) => ({ offset, bytes: sampleBytes }));
}
