import { rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BrumeError, partitionTarget, type ManifestPartition, type PlannedPartition } from '@brume/protocol';
import { adapterFor, type FilesystemAdapter } from '../disk/filesystems/index.ts';
import type { Reporter } from '../ports.ts';
import type { Runner } from '../sys/exec.ts';
import type { ChunkSource } from './chunk-source.ts';
import type { CodecPool } from './codec-pool.ts';
import { partcloneCapture, partcloneRestore } from './partclone.ts';
import { progressMeter } from './progress.ts';
import { restoreStream } from './restore-stream.ts';
import { phase } from './run-context.ts';

export interface RestoreContext {
  run: Runner;
  reporter: Reporter;
  pool: CodecPool;
  /** Chunks a stream may have in flight (chunk-window.ts). */
  window: number;
  source: ChunkSource;
  logDir: string;
  stagingDir: string;
  /** The task's cancel: partclone is stopped, and no chunk is written after it aborts. */
  signal?: AbortSignal | undefined;
}

/** Puts one planned partition's content on `device`: stream it, re-create it, or (container) nothing; then resize. */
export async function restorePartition(
  planned: PlannedPartition,
  stored: ManifestPartition,
  device: string,
  context: RestoreContext,
): Promise<void> {
  const target = partitionTarget(stored.disk, planned.number);
  const adapter = adapterFor(stored.fs);
  if (planned.action === 'container' || adapter === undefined) return;
  if (planned.action === 'recreate-swap') {
    phase(context.reporter, 'restore', `${target}: re-creating swap`, target);
    if (adapter.recreate === undefined) throw new BrumeError('INTERNAL', `${stored.fs} cannot be re-created`);
    await adapter.recreate(context.run, device, {
      ...(stored.fsUuid === undefined ? {} : { uuid: stored.fsUuid }),
      ...(stored.fsLabel === undefined ? {} : { label: stored.fsLabel }),
    });
    return;
  }
  const tool = requireTool(stored);
  if (planned.resize === 'shrink') {
    await restoreShrunk(planned, stored, tool, adapter, device, context);
  } else {
    phase(context.reporter, 'restore', `${target}: ${stored.fs} with ${tool}`, target);
    await streamInto(stored, tool, device, false, context);
  }
  await adapter.afterRestore?.(device, planned);
  if (planned.resize !== 'none' && adapter.grow !== undefined) {
    // After a shrink too: the shrunk filesystem may fall short of the planned partition by a few clusters.
    phase(context.reporter, 'resize', `${target}: growing ${stored.fs} to fill ${planned.sizeBytes} bytes`, target);
    await adapter.grow(context.run, device);
  }
}

/** Verified chunks → partclone restoring onto a device (or into a staging file). */
async function streamInto(
  stored: ManifestPartition,
  tool: string,
  destination: string,
  isFile: boolean,
  context: RestoreContext,
): Promise<void> {
  const target = partitionTarget(stored.disk, stored.number);
  const meter = progressMeter({ reporter: context.reporter, phase: 'restore', target, bytesTotal: stored.rawBytes });
  const partclone = partcloneRestore(
    tool,
    destination,
    join(context.logDir, `${target}.restore.log`),
    isFile,
    context.signal,
  );
  try {
    await restoreStream(
      stored,
      context.source,
      partclone.stream,
      context.pool,
      context.window,
      (bytes) => meter.update(bytes),
      context.signal,
    );
    partclone.stream.end();
    await partclone.done;
    meter.finish(stored.rawBytes);
  } catch (error) {
    // Stop partclone before anything else: it holds only verified bytes, and must get no more.
    partclone.kill();
    const toolError = await partclone.done.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    // A closed pipe only means partclone died first: its own failure is the one worth reporting.
    throw error instanceof BrumeError || toolError === undefined ? error : toolError;
  }
}

/**
 * A partition smaller than its filesystem: restore full-size into a sparse staging file, shrink the filesystem there,
 * then copy the shrunk filesystem onto the partition with partclone (used blocks only). The staging file needs about
 * the used bytes of scratch space; the planner counted it (LayoutPlan.stagingBytes) and the deploy checked it.
 */
async function restoreShrunk(
  planned: PlannedPartition,
  stored: ManifestPartition,
  tool: string,
  adapter: FilesystemAdapter,
  device: string,
  context: RestoreContext,
): Promise<void> {
  const target = partitionTarget(stored.disk, planned.number);
  if (adapter.shrink === undefined)
    throw new BrumeError('INTERNAL', `${stored.fs} cannot shrink, yet the plan shrinks ${target}`);
  const staging = join(context.stagingDir, `brume-${process.pid}-${target}.staging`);
  try {
    // A sparse file of the source filesystem's size: only what partclone writes takes space.
    await writeFile(staging, '');
    await truncate(staging, stored.sizeBytes);
    phase(
      context.reporter,
      'restore',
      `${target}: ${stored.fs} restored into staging, to shrink it to ${planned.sizeBytes} bytes`,
      target,
    );
    await streamInto(stored, tool, staging, true, context);
    phase(context.reporter, 'resize', `${target}: shrinking ${stored.fs} to ${planned.sizeBytes} bytes`, target);
    await adapter.shrink(context.run, staging, planned.sizeBytes);
    // partclone.ntfs records the size of the device it reads, not of the volume: cut the file to the partition's.
    await truncate(staging, planned.sizeBytes);
    phase(context.reporter, 'restore', `${target}: copying the shrunk ${stored.fs} onto ${device}`, target);
    context.signal?.throwIfAborted();
    await copyFilesystem(tool, staging, device, join(context.logDir, target), context.signal);
  } finally {
    await rm(staging, { force: true });
  }
}

async function copyFilesystem(
  tool: string,
  from: string,
  to: string,
  logPrefix: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const reader = partcloneCapture(tool, from, `${logPrefix}.staging-capture.log`, true, signal);
  const writer = partcloneRestore(tool, to, `${logPrefix}.staging-restore.log`, false, signal);
  reader.stream.pipe(writer.stream);
  try {
    await Promise.all([reader.done, writer.done]);
  } catch (error) {
    reader.kill();
    writer.kill();
    throw error;
  }
}

function requireTool(stored: ManifestPartition): string {
  if (stored.tool === null || !stored.tool.startsWith('partclone.')) {
    throw new BrumeError(
      'MANIFEST_INVALID',
      `partition ${stored.number} has content but no partclone tool (${String(stored.tool)})`,
    );
  }
  return stored.tool;
}
