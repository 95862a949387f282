import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { DiskTransport } from '../disk/target-choice.ts';
import { transportOf } from './disks.ts';

/** What the block layer says the disk can do without the host writing every byte (queue/ in sysfs). */
export interface QueueLimits {
  logicalBlockSize: number;
  /** 0: no discard (TRIM/UNMAP/deallocate) at all. */
  discardMaxBytes: number;
  /** Above 0: BLKZEROOUT is offloaded to the device (NVMe Write Zeroes, SCSI WRITE SAME, loop fallocate). */
  writeZeroesMaxBytes: number;
  /** A guarantee that discarded blocks read as zeroes; Linux has reported 0 since 4.12, older kernels may say 1. */
  discardZeroesData: boolean;
}

/** A partition as the kernel knows it (it may lag behind the table on the disk). */
export interface KernelPartition {
  number: number;
  name: string;
  /** Its /dev node, when there is one (no udev in the ramdisk: partx makes them). */
  device: string | undefined;
  startBytes: number;
  sizeBytes: number;
}

/** Everything a wipe needs to know about a whole disk before it writes a byte. */
export interface DiskFacts {
  name: string;
  sizeBytes: number;
  removable: boolean;
  readOnly: boolean;
  transport: DiskTransport;
  queue: QueueLimits;
  partitions: KernelPartition[];
  /**
   * Namespaces the kernel shows in the same NVMe subsystem (nvme0n1, nvme0n2 …), this one included; empty for other
   * disks. A sanitize erases all of them.
   */
  namespaces: string[];
}

function readNumber(path: string, fallback = 0): number {
  try {
    const value = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

function readQueue(dir: string): QueueLimits {
  const queue = (file: string, fallback = 0): number => readNumber(join(dir, 'queue', file), fallback);
  return {
    logicalBlockSize: queue('logical_block_size', 512),
    discardMaxBytes: queue('discard_max_bytes'),
    writeZeroesMaxBytes: queue('write_zeroes_max_bytes'),
    discardZeroesData: queue('discard_zeroes_data') === 1,
  };
}

/** Partitions are subdirectories of the disk's sysfs directory holding a `partition` file; sizes count 512-byte units. */
function readPartitions(dir: string, devRoot: string): KernelPartition[] {
  return readdirSync(dir)
    .filter((entry) => existsSync(join(dir, entry, 'partition')))
    .map((entry) => ({
      name: entry,
      device: existsSync(join(devRoot, entry)) ? join(devRoot, entry) : undefined,
      number: readNumber(join(dir, entry, 'partition')),
      startBytes: readNumber(join(dir, entry, 'start')) * 512,
      sizeBytes: readNumber(join(dir, entry, 'size')) * 512,
    }))
    .sort((a, b) => a.number - b.number);
}

function nvmeNamespaces(blockDir: string, name: string): string[] {
  const subsystem = /^(nvme\d+)n\d+$/.exec(name)?.[1];
  if (subsystem === undefined) return [];
  return readdirSync(blockDir).filter((entry) => new RegExp(`^${subsystem}n\\d+$`).test(entry));
}

/** Reads /sys/block/NAME (tests pass a fixture tree's sys and dev directories). */
export function readDiskFacts(name: string, sysRoot = '/sys', devRoot = '/dev'): DiskFacts {
  const blockDir = join(sysRoot, 'block');
  const dir = join(blockDir, name);
  return {
    name,
    // /sys/block/X/size counts 512-byte units whatever the sector size.
    sizeBytes: readNumber(join(dir, 'size')) * 512,
    removable: readNumber(join(dir, 'removable')) === 1,
    readOnly: readNumber(join(dir, 'ro')) === 1,
    transport: transportOf(name, realpathSync(dir)),
    queue: readQueue(dir),
    partitions: readPartitions(dir, devRoot),
    namespaces: nvmeNamespaces(blockDir, name),
  };
}
