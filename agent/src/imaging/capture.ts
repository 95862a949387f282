import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  bootAreaFileName,
  BrumeError,
  IMAGE_FORMAT,
  partitionFileName,
  partitionTarget,
  sfdiskFileName,
  type Manifest,
  type ManifestDisk,
  type ManifestPartition,
} from '@brume/protocol';
import { detectFilesystem } from '../disk/filesystems/index.ts';
import { probePartition, readPartitionTable } from '../disk/inspect.ts';
import { hasFixedRole } from '../disk/partition-roles.ts';
import { isExtendedContainer, type PartitionTable, type TableEntry } from '../disk/partition-table.ts';
import type { ImageWriter, Reporter } from '../ports.ts';
import { readGeometry } from '../sys/block-device.ts';
import { busyReason, partitionPath, resolveDisk } from '../sys/devices.ts';
import type { Runner } from '../sys/exec.ts';
import { ensurePartitionNodes } from '../sys/partition-nodes.ts';
import { captureStream } from './capture-stream.ts';
import { availableMemory, chunkWindow } from './chunk-window.ts';
import { CodecPool } from './codec-pool.ts';
import { partcloneCapture } from './partclone.ts';
import { progressMeter } from './progress.ts';
import { phase, toolVersions } from './run-context.ts';

export interface CaptureOptions {
  disk: string;
  name: string;
  chunkBytes: number;
  level: number;
  logDir: string;
}

export interface CaptureDeps {
  run: Runner;
  reporter: Reporter;
  /** Where the image goes: a directory, or the server. */
  writer: ImageWriter;
  /** The task's cancel: partclone is stopped, no chunk is sent after it, and nothing is published. */
  signal?: AbortSignal | undefined;
}

const MAX_BOOT_AREA = 1024 * 1024;

/** Captures a whole disk into an image (a directory, the server): table, boot area, then every partition's stream. */
export async function captureDisk(options: CaptureOptions, deps: CaptureDeps): Promise<Manifest> {
  const { run, reporter, writer } = deps;
  // 1. The source must be a whole, idle disk: a mounted filesystem would be captured mid-change.
  phase(reporter, 'inspect', `reading ${options.disk}`);
  const node = resolveDisk(options.disk);
  const busy = busyReason(node);
  if (busy !== undefined) throw new BrumeError('DEVICE_BUSY', `cannot capture ${node.path}: ${busy}`);
  const geometry = readGeometry(node.path);
  const { table, dump } = await readPartitionTable(run, node.path, geometry.logicalSectorSize);
  await ensurePartitionNodes(
    run,
    node.path,
    table.entries.filter((entry) => !isExtendedContainer(table.label, entry.type)),
  );

  // 2. Layout and boot area go first (into DIR.partial, or the server's upload area).
  await writer.begin();
  try {
    const disk = await captureLayout(node.path, writer, table, dump, geometry);

    // 3. Each partition: its filesystem's stream, chunked, compressed, hashed.
    const pool = new CodecPool();
    const window = chunkWindow(options.chunkBytes, pool.size, availableMemory());
    const partitions: ManifestPartition[] = [];
    try {
      for (const entry of table.entries) {
        stopIfCancelled(deps.signal, table.entries, partitions);
        partitions.push(
          await capturePartition({ ...options, diskPath: node.path, label: table.label, entry }, deps, pool, window),
        );
      }
    } catch (error) {
      if (deps.signal?.aborted === true) stopIfCancelled(deps.signal, table.entries, partitions, error);
      throw error;
    } finally {
      await pool.close();
    }

    // 4. The manifest last: publishing it (one rename, or the server's commit) makes the image exist.
    stopIfCancelled(deps.signal, table.entries, partitions);
    phase(reporter, 'finalize', `publishing ${writer.location}`);
    const manifest = await describeImage(options, node.path, disk, partitions, run);
    await writer.publish(manifest);
    return manifest;
  } finally {
    await writer.close();
  }
}

/**
 * After the server's cancel: a TASK_CANCELLED naming the partition files sent whole, the one cut short and those never
 * started. No image was published; the server drops what was uploaded.
 */
function stopIfCancelled(
  signal: AbortSignal | undefined,
  entries: readonly TableEntry[],
  done: readonly ManifestPartition[],
  cause?: unknown,
): void {
  if (signal?.aborted !== true) return;
  const uploaded = done.flatMap((partition) => (partition.file === null ? [] : [partition.file]));
  const next = entries[done.length];
  const partial = next === undefined ? null : `d1p${next.number}`;
  const notStarted = entries.slice(done.length + 1).map((entry) => `d1p${entry.number}`);
  throw new BrumeError(
    'TASK_CANCELLED',
    `capture cancelled: ${uploaded.length} partition file(s) uploaded whole, nothing published`,
    {
      ...(cause === undefined ? {} : { cause }),
      detail: { published: false, uploaded, partial, notStarted },
    },
  );
}

async function describeImage(
  options: CaptureOptions,
  device: string,
  disk: ManifestDisk,
  partitions: ManifestPartition[],
  run: Runner,
): Promise<Manifest> {
  return {
    format: IMAGE_FORMAT,
    name: options.name,
    created: new Date().toISOString(),
    source: { host: hostname(), device },
    tools: await toolVersions(run),
    compression: { algorithm: 'zstd', level: options.level, chunkBytes: options.chunkBytes },
    disks: [disk],
    partitions,
  };
}

async function captureLayout(
  diskPath: string,
  writer: ImageWriter,
  table: PartitionTable,
  dump: string,
  geometry: ReturnType<typeof readGeometry>,
): Promise<ManifestDisk> {
  const firstStart = Math.min(geometry.sizeBytes, ...table.entries.map((entry) => entry.startBytes));
  const bootBytes = Math.min(firstStart, MAX_BOOT_AREA);
  const bootArea = new Uint8Array(bootBytes);
  const handle = await open(diskPath, 'r');
  try {
    await handle.read(bootArea, 0, bootBytes, 0);
  } finally {
    await handle.close();
  }
  const bootSha256 = sha256(bootArea);
  await writeSmallFile(writer, bootAreaFileName(1), bootArea, bootSha256);
  await writeSmallFile(writer, sfdiskFileName(1), new TextEncoder().encode(dump));
  return {
    index: 1,
    sizeBytes: geometry.sizeBytes,
    logicalSectorSize: geometry.logicalSectorSize,
    physicalSectorSize: geometry.physicalSectorSize,
    label: table.label,
    id: table.id,
    firstUsableBytes: table.firstUsableBytes,
    bootArea: { file: bootAreaFileName(1), bytes: bootBytes, sha256: bootSha256 },
    sfdiskFile: sfdiskFileName(1),
    table: table.json,
  };
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A small file (boot area, sfdisk dump) is one piece, index 0. */
async function writeSmallFile(
  writer: ImageWriter,
  file: string,
  bytes: Uint8Array,
  digest = sha256(bytes),
): Promise<void> {
  await writer.put(file, 0, { offset: 0, stored: bytes, sha256: digest });
  await writer.endFile(file);
}

interface PartitionJob extends CaptureOptions {
  diskPath: string;
  label: ManifestDisk['label'];
  entry: TableEntry;
}

async function capturePartition(
  job: PartitionJob,
  deps: CaptureDeps,
  pool: CodecPool,
  window: number,
): Promise<ManifestPartition> {
  const { entry } = job;
  const target = partitionTarget(1, entry.number);
  const base = {
    disk: 1,
    number: entry.number,
    startBytes: entry.startBytes,
    sizeBytes: entry.sizeBytes,
    type: entry.type,
    ...optionalFields(entry),
  };
  const empty = { rawBytes: 0, storedBytes: 0, sha256: null, chunks: [], file: null };
  if (isExtendedContainer(job.label, entry.type)) {
    return { ...base, ...empty, fs: 'extended', usedBytes: 0, minBytes: entry.sizeBytes, resizable: false, tool: null };
  }
  const device = partitionPath(job.diskPath, entry.number);
  const probe = await probePartition(deps.run, device);
  const adapter = detectFilesystem(probe);
  const usage = await adapter.usage(deps.run, device, entry.sizeBytes);
  const identity = {
    ...(probe['UUID'] === undefined ? {} : { fsUuid: probe['UUID'] }),
    ...(probe['LABEL'] === undefined ? {} : { fsLabel: probe['LABEL'] }),
  };
  const detected = adapter.fsType === 'raw' && probe['TYPE'] !== undefined ? { detectedFs: probe['TYPE'] } : {};
  const described = {
    ...base,
    ...identity,
    ...detected,
    fs: adapter.fsType,
    ...usage,
    resizable: adapter.grow !== undefined && !hasFixedRole(job.label, entry.type),
  };
  if (adapter.partcloneTool === null) {
    phase(deps.reporter, 'capture', `${target}: ${adapter.fsType} is re-created at deploy, not copied`, target);
    return { ...described, ...empty, tool: adapter.recreate === undefined ? null : 'mkswap' };
  }

  phase(deps.reporter, 'capture', `${target}: ${adapter.fsType} with ${adapter.partcloneTool}`, target);
  const file = partitionFileName(1, entry.number);
  const meter = progressMeter({ reporter: deps.reporter, phase: 'capture', target, bytesTotal: usage.usedBytes });
  const partclone = partcloneCapture(
    adapter.partcloneTool,
    device,
    join(job.logDir, `${target}.capture.log`),
    false,
    deps.signal,
  );
  try {
    const [stored] = await Promise.all([
      captureStream(partclone.stream, deps.writer, file, pool, {
        chunkBytes: job.chunkBytes,
        level: job.level,
        window,
        onRawBytes: (bytes) => meter.update(bytes),
        signal: deps.signal,
      }),
      partclone.done,
    ]);
    await deps.writer.endFile(file);
    meter.finish(stored.rawBytes);
    return { ...described, tool: adapter.partcloneTool, file, ...stored };
  } catch (error) {
    partclone.kill();
    throw error;
  }
}

function optionalFields(entry: TableEntry): Partial<ManifestPartition> {
  const fields: Partial<ManifestPartition> = {};
  if (entry.partUuid !== undefined) fields.partUuid = entry.partUuid;
  if (entry.name !== undefined) fields.name = entry.name;
  if (entry.attrs !== undefined) fields.attrs = entry.attrs;
  if (entry.bootable !== undefined) fields.bootable = entry.bootable;
  return fields;
}
