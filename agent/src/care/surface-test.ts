import { phase } from '../imaging/run-context.ts';
import type { Reporter } from '../ports.ts';
import { openBlockReader, type OpenBlockReader } from '../sys/block-reader.ts';
import { resolveDisk } from '../sys/devices.ts';
import { readDiskFacts } from '../sys/disk-facts.ts';
import type { Runner } from '../sys/exec.ts';
import { blockBytesFor, DEFAULT_REGIONS, type ThroughputPoint } from './surface-plan.ts';
import { scanSurface } from './surface-scan.ts';
import { readSmartCounters, type SmartSnapshot } from './surface-smart.ts';

export interface SurfaceOptions {
  disk: string;
  /** The size of each read (default 4 MiB); a whole number of sectors. */
  blockBytes?: number;
  /** Points in the throughput series (default 100). */
  regions?: number;
}

export interface SurfaceDeps {
  run: Runner;
  reporter: Reporter;
  /** Checked before every read: a cancelled scan stops at the next one. */
  signal?: AbortSignal;
  /** Opens the disk (default: O_DIRECT, read-only); tests pass a failing disk. */
  reader?: OpenBlockReader;
  /** Where /sys is (tests). */
  sysRoot?: string;
  smartTimeoutMs?: number;
}

/** The task's result on the server. */
export interface SurfaceResult {
  disk: string;
  bytes: number;
  sectorBytes: number;
  /** How the disk was read: 'direct' (O_DIRECT) or 'buffered' (the device refused O_DIRECT). */
  readMode: 'direct' | 'buffered';
  /** Logical sector numbers (LBAs), ascending; at most 1000, `badSectorCount` counts them all. */
  badSectors: number[];
  badSectorCount: number;
  /** Block reads that failed and were bisected. */
  readErrors: number;
  smart: { before: SmartSnapshot; after: SmartSnapshot };
  /** MB/s (10^6 bytes) for each region, start to end of the disk. */
  throughput: ThroughputPoint[];
  seconds: number;
}

const SMART_TIMEOUT_MS = 60_000;

/** Reads the whole disk once, never writing it; lists the sectors it cannot read and how fast each part reads. */
export async function surfaceTest(options: SurfaceOptions, deps: SurfaceDeps): Promise<SurfaceResult> {
  const started = performance.now();
  // 1. Which disk, its size and sector size, and what the drive says of itself before the scan.
  phase(deps.reporter, 'inspect', `checking ${options.disk}`);
  const node = resolveDisk(options.disk);
  const facts = readDiskFacts(node.name, deps.sysRoot);
  const sectorBytes = facts.queue.logicalBlockSize;
  const blockBytes = blockBytesFor(options.blockBytes, sectorBytes);
  const regions = options.regions ?? DEFAULT_REGIONS;
  const smartTimeout = deps.smartTimeoutMs ?? SMART_TIMEOUT_MS;
  const before = await readSmartCounters(deps.run, node.path, smartTimeout);

  // 2. The scan: large reads, each failed one bisected down to its bad sectors.
  const reader = await (deps.reader ?? openBlockReader)(node.path, {
    maxBytes: blockBytes,
    sectorBytes,
    run: deps.run,
  });
  phase(
    deps.reporter,
    'scan',
    `reading ${node.path} (${facts.sizeBytes} bytes, ${reader.mode} reads of ${blockBytes} bytes, ${regions} regions)`,
    'surface',
  );
  const outcome = await scanSurface(
    reader,
    { path: node.path, sizeBytes: facts.sizeBytes, sectorBytes, blockBytes, regions },
    deps,
  ).finally(() => reader.close());

  // 3. SMART again: counters that moved during the scan (pending or reallocated sectors) are the drive's own word.
  phase(deps.reporter, 'inspect', `reading SMART of ${node.path} after the scan`, 'smart');
  const after = await readSmartCounters(deps.run, node.path, smartTimeout);
  return {
    disk: node.path,
    bytes: facts.sizeBytes,
    sectorBytes,
    readMode: reader.mode,
    ...outcome,
    smart: { before, after },
    seconds: (performance.now() - started) / 1000,
  };
}
