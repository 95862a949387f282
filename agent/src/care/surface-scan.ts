import { BrumeError } from '@brume/protocol';
import { progressMeter, type ProgressMeter } from '../imaging/progress.ts';
import type { Reporter } from '../ports.ts';
import type { BlockReader } from '../sys/block-reader.ts';
import {
  BAD_SECTOR_LIST_CAP,
  halves,
  mbPerSecond,
  readsOf,
  regionsOf,
  type Region,
  type ThroughputPoint,
} from './surface-plan.ts';

export interface ScanLayout {
  path: string;
  sizeBytes: number;
  /** The logical sector size: bad sectors are numbered in these. */
  sectorBytes: number;
  blockBytes: number;
  regions: number;
  /** How many bad sectors are listed; the rest are counted. */
  listCap?: number;
}

export interface ScanDeps {
  reporter: Reporter;
  signal?: AbortSignal | undefined;
  now?: () => number;
}

export interface ScanOutcome {
  /** Logical sector numbers (LBAs), ascending, at most `listCap` of them. */
  badSectors: number[];
  badSectorCount: number;
  /** Block reads that failed (each one then bisected). */
  readErrors: number;
  throughput: ThroughputPoint[];
}

interface Scan {
  reader: BlockReader;
  layout: ScanLayout;
  deps: ScanDeps;
  meter: ProgressMeter;
  outcome: ScanOutcome;
}

function stopIfAborted(scan: Scan, offset: number): void {
  if (scan.deps.signal?.aborted === true) {
    throw new BrumeError(
      'TASK_CANCELLED',
      `surface test of ${scan.layout.path} cancelled at byte ${offset} of ${scan.layout.sizeBytes}`,
      {
        detail: {
          scan: {
            disk: scan.layout.path,
            bytesRead: offset,
            bytesTotal: scan.layout.sizeBytes,
            badSectorCount: scan.outcome.badSectorCount,
          },
        },
      },
    );
  }
}

function recordBad(scan: Scan, offset: number): void {
  const { outcome, layout } = scan;
  outcome.badSectorCount += 1;
  if (outcome.badSectors.length < (layout.listCap ?? BAD_SECTOR_LIST_CAP))
    outcome.badSectors.push(offset / layout.sectorBytes);
}

/** One read that must return every byte: a short one inside the disk means the disk changed size under the scan. */
async function readOk(scan: Scan, range: Region): Promise<boolean> {
  const outcome = await scan.reader.read(range.startBytes, range.bytes);
  if (!outcome.ok) return false;
  if (outcome.bytes.byteLength !== range.bytes) {
    throw new BrumeError(
      'TOOL_FAILED',
      `${scan.layout.path} ended at byte ${range.startBytes + outcome.bytes.byteLength}, inside the ${scan.layout.sizeBytes} bytes it had`,
    );
  }
  return true;
}

/**
 * A failed read is split in two and each half read again, down to single sectors: one bad sector in a 4 MiB block
 * costs about 2 × 13 reads, not 8192. The halves are read in order, so bad sectors come out ascending.
 */
async function bisect(scan: Scan, range: Region): Promise<void> {
  stopIfAborted(scan, range.startBytes);
  if (range.bytes === scan.layout.sectorBytes) {
    recordBad(scan, range.startBytes);
    return;
  }
  for (const half of halves(range, scan.layout.sectorBytes)) {
    if (!(await readOk(scan, half))) await bisect(scan, half);
  }
}

async function scanRegion(scan: Scan, region: Region): Promise<ThroughputPoint> {
  const now = scan.deps.now ?? (() => performance.now());
  const started = now();
  for (const block of readsOf(region, scan.layout.blockBytes)) {
    stopIfAborted(scan, block.startBytes);
    if (!(await readOk(scan, block))) {
      scan.outcome.readErrors += 1;
      await bisect(scan, block);
    }
    scan.meter.update(block.startBytes + block.bytes);
  }
  // A region's time includes its bisections: a region with bad sectors shows as slow, as it was.
  return { ...region, mbPerSecond: mbPerSecond(region.bytes, (now() - started) / 1000) };
}

/** Reads the whole disk once, region by region, and lists the sectors that cannot be read. */
export async function scanSurface(reader: BlockReader, layout: ScanLayout, deps: ScanDeps): Promise<ScanOutcome> {
  if (layout.blockBytes % layout.sectorBytes !== 0 || layout.sizeBytes % layout.sectorBytes !== 0) {
    throw new BrumeError(
      'INTERNAL',
      `the disk (${layout.sizeBytes} bytes) and the reads (${layout.blockBytes}) must be whole sectors of ${layout.sectorBytes}`,
    );
  }
  const meter = progressMeter({
    reporter: deps.reporter,
    phase: 'scan',
    target: 'surface',
    bytesTotal: layout.sizeBytes,
    intervalMs: 1000,
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  const scan: Scan = {
    reader,
    layout,
    deps,
    meter,
    outcome: { badSectors: [], badSectorCount: 0, readErrors: 0, throughput: [] },
  };
  for (const region of regionsOf(layout.sizeBytes, layout.sectorBytes, layout.regions, layout.blockBytes)) {
    scan.outcome.throughput.push(await scanRegion(scan, region));
  }
  meter.finish(layout.sizeBytes);
  return scan.outcome;
}
