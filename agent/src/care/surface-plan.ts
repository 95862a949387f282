import { BrumeError } from '@brume/protocol';
import { MiB } from './wipe-plan.ts';

/** 4 MiB direct reads: 13.5 GB/s from a loop device here against 7.6 GB/s for 1 MiB and 10.5 GB/s for 8 MiB. */
export const DEFAULT_BLOCK_BYTES = 4 * MiB;
export const MAX_BLOCK_BYTES = 64 * MiB;
export const DEFAULT_REGIONS = 100;
/** Bad sectors listed one by one; past this many they are only counted. */
export const BAD_SECTOR_LIST_CAP = 1000;

/** A stretch of the disk whose read rate is one point of the throughput series. */
export interface Region {
  startBytes: number;
  bytes: number;
}

/** One point of the series: MB is 10^6 bytes, as drive makers and `dd` print it. */
export interface ThroughputPoint extends Region {
  mbPerSecond: number;
}

/** The read size: a whole number of sectors, at least one, at most MAX_BLOCK_BYTES. */
export function blockBytesFor(requested: number | undefined, sectorBytes: number): number {
  const wanted = requested ?? DEFAULT_BLOCK_BYTES;
  if (!Number.isInteger(wanted) || wanted < sectorBytes || wanted > MAX_BLOCK_BYTES) {
    throw new BrumeError(
      'BAD_REQUEST',
      `blockBytes must be a whole number between ${sectorBytes} (one sector) and ${MAX_BLOCK_BYTES}, not ${wanted}`,
    );
  }
  return Math.floor(wanted / sectorBytes) * sectorBytes;
}

/**
 * `count` regions covering the disk end to end. Each starts on a multiple of `alignBytes` (the read size, so every read
 * is aligned the same way, on a 512e disk's 4 KiB physical sectors too) when the disk holds `count` of them, else on a
 * sector; sizes differ by at most one such unit, and the last region also takes the disk's tail. A disk with fewer
 * sectors than `count` gets one region per sector.
 */
export function regionsOf(
  sizeBytes: number,
  sectorBytes: number,
  count = DEFAULT_REGIONS,
  alignBytes = sectorBytes,
): Region[] {
  if (!Number.isInteger(count) || count < 1)
    throw new BrumeError('BAD_REQUEST', `regions must be a whole number above 0, not ${count}`);
  const unit = Math.floor(sizeBytes / alignBytes) >= count ? alignBytes : sectorBytes;
  const units = Math.floor(sizeBytes / unit);
  const parts = Math.min(count, units);
  const boundary = (index: number): number =>
    index === parts ? sizeBytes : Math.floor((index * units) / parts) * unit;
  return Array.from({ length: parts }, (_, index) => ({
    startBytes: boundary(index),
    bytes: boundary(index + 1) - boundary(index),
  }));
}

/** The reads of one region: `blockBytes` each, the last one shorter when the region ends inside a block. */
export function readsOf(region: Region, blockBytes: number): Region[] {
  const reads: Region[] = [];
  for (let offset = region.startBytes; offset < region.startBytes + region.bytes; offset += blockBytes) {
    reads.push({ startBytes: offset, bytes: Math.min(blockBytes, region.startBytes + region.bytes - offset) });
  }
  return reads;
}

export function mbPerSecond(bytes: number, seconds: number): number {
  return seconds > 0 ? bytes / seconds / 1e6 : 0;
}

/** Splits a run of sectors in two for the bisection: the first half gets the smaller share. */
export function halves(range: Region, sectorBytes: number): [Region, Region] {
  const sectors = range.bytes / sectorBytes;
  const first = Math.floor(sectors / 2) * sectorBytes;
  return [
    { startBytes: range.startBytes, bytes: first },
    { startBytes: range.startBytes + first, bytes: range.bytes - first },
  ];
}
