import { open, statfs } from 'node:fs/promises';
import { BrumeError, type LayoutPlan, type Manifest, type PlannedPartition } from '@brume/protocol';
import { probePartition } from '../disk/inspect.ts';
import { writePartitionTable } from '../disk/layout-writer.ts';
import { planLayout } from '../disk/planner.ts';
import type { ImageReader, Reporter } from '../ports.ts';
import { readGeometry } from '../sys/block-device.ts';
import { busyReason, partitionPath, resolveDisk, type DiskNode } from '../sys/devices.ts';
import type { Runner } from '../sys/exec.ts';
import { ensurePartitionNodes, forgetPartitions } from '../sys/partition-nodes.ts';
import { availableMemory, chunkWindow } from './chunk-window.ts';
import { CodecPool } from './codec-pool.ts';
import { restorePartition } from './partition-restore.ts';
import { phase } from './run-context.ts';

export interface DeployOptions {
  /** Where the image comes from: a directory, or the server. */
  image: ImageReader;
  disk: string;
  /** The technician's consent to overwrite a disk that holds partitions (--yes). */
  yes: boolean;
  dryRun: boolean;
  logDir: string;
  stagingDir: string;
}

export interface DeployDeps {
  run: Runner;
  reporter: Reporter;
  /** Asks on a terminal; absent when nobody can answer (then --yes is required). */
  confirm?: (question: string) => Promise<boolean>;
  /** The task's cancel: checked between steps and chunks; partclone is stopped and gets no byte more. */
  signal?: AbortSignal | undefined;
}

export interface DeployResult {
  manifest: Manifest;
  plan: LayoutPlan;
  written: boolean;
}

/** Everything decided before the first write: the image is sound, the disk is the right one, the plan fits. */
export async function prepareDeploy(
  image: ImageReader,
  diskPath: string,
): Promise<{ manifest: Manifest; node: DiskNode; plan: LayoutPlan; bootArea: Uint8Array }> {
  const manifest = await image.manifest();
  const disk = manifest.disks[0];
  if (disk === undefined || manifest.disks.length > 1)
    throw new BrumeError('MANIFEST_INVALID', 'this Brume deploys images of exactly one disk');
  const bootArea = await image.bootArea(disk);
  const node = resolveDisk(diskPath);
  const geometry = readGeometry(node.path);
  const plan = planLayout(
    disk,
    manifest.partitions.filter((p) => p.disk === disk.index),
    { path: node.path, ...geometry },
  );
  if (plan instanceof BrumeError) throw plan;
  return { manifest, node, plan, bootArea };
}

export async function deployImage(options: DeployOptions, deps: DeployDeps): Promise<DeployResult> {
  const { reporter } = deps;
  // 1. Verify the image and plan the layout for this disk; nothing is written yet.
  phase(reporter, 'plan', `planning ${options.image.location} onto ${options.disk}`);
  const { manifest, node, plan, bootArea } = await prepareDeploy(options.image, options.disk);
  refuseBusy(node);
  await checkStagingSpace(plan, options.stagingDir);
  if (options.dryRun) return { manifest, plan, written: false };
  await requireConsent(node, options.yes, deps);

  // 2. Table and boot area.
  stopIfCancelled(deps.signal, { partitions: plan.partitions, complete: [], partial: undefined, table: false });
  await writeLayout(node.path, plan, bootArea, deps).catch((error: unknown) => {
    stopIfCancelled(
      deps.signal,
      { partitions: plan.partitions, complete: [], partial: undefined, table: 'interrupted' },
      error,
    );
    throw error;
  });
  // 3. Partitions, one after the other: each stream is verified chunk by chunk on its way to partclone.
  await restorePartitions({ ...options, manifest, plan, diskPath: node.path, partitions: plan.partitions }, deps);
  await flushDisk(node.path, deps);
  return { manifest, plan, written: true };
}

/**
 * The deploy's steps, each callable alone (a debug task runs them one at a time from a shell): the table and boot
 * area, then partitions, then the flush.
 */
export async function writeLayout(
  diskPath: string,
  plan: LayoutPlan,
  bootArea: Uint8Array,
  { run, reporter, signal }: DeployDeps,
): Promise<void> {
  phase(reporter, 'partition-table', `writing a ${plan.label} table with ${plan.partitions.length} partitions`);
  await forgetPartitions(run, diskPath);
  await writePartitionTable(run, diskPath, plan);
  signal?.throwIfAborted();
  phase(
    reporter,
    'boot-area',
    `restoring ${plan.bootArea.reduce((sum, range) => sum + range.bytes, 0)} bytes of boot area`,
  );
  await writeBootArea(diskPath, bootArea, plan);
  await ensurePartitionNodes(
    run,
    diskPath,
    plan.partitions.filter((p) => p.action !== 'container'),
  );
}

export interface PartitionsToRestore {
  image: ImageReader;
  manifest: Manifest;
  plan: LayoutPlan;
  diskPath: string;
  /** Planned partitions to restore, in order (all of the plan's, or the one a debug step names). */
  partitions: readonly PlannedPartition[];
  logDir: string;
  stagingDir: string;
}

export async function restorePartitions(
  job: PartitionsToRestore,
  { run, reporter, signal }: DeployDeps,
): Promise<void> {
  const pool = new CodecPool();
  const window = chunkWindow(job.manifest.compression.chunkBytes, pool.size, availableMemory());
  const source = job.image.chunks();
  const complete: PlannedPartition[] = [];
  let current: PlannedPartition | undefined;
  try {
    for (const planned of job.partitions) {
      const stored = job.manifest.partitions.find((p) => p.number === planned.number);
      if (stored === undefined)
        throw new BrumeError('INTERNAL', `plan names partition ${planned.number}, absent from the manifest`);
      stopIfCancelled(signal, { partitions: job.partitions, complete, partial: undefined, table: true });
      current = planned;
      await restorePartition(planned, stored, partitionPath(job.diskPath, planned.number), {
        run,
        reporter,
        pool,
        window,
        source,
        logDir: job.logDir,
        stagingDir: job.stagingDir,
        signal,
      });
      complete.push(planned);
      current = undefined;
    }
  } catch (error) {
    // A cancel anywhere in a partition: the account of the disk (complete, partial, untouched) goes with it.
    stopIfCancelled(signal, { partitions: job.partitions, complete, partial: current, table: true }, error);
    throw error;
  } finally {
    await source.close();
    await pool.close();
  }
}

export async function flushDisk(diskPath: string, { run, reporter }: DeployDeps): Promise<void> {
  phase(reporter, 'finalize', 'flushing the disk');
  await run('blockdev', ['--flushbufs', diskPath]);
}

/** Where a deploy stood: the partitions it was to restore, those done, the one under way, and the table's state. */
interface DeployProgress {
  partitions: readonly PlannedPartition[];
  complete: readonly PlannedPartition[];
  partial: PlannedPartition | undefined;
  /** `interrupted`: the cancel came while the table or boot area was being written. */
  table: boolean | 'interrupted';
}

/**
 * After the server's cancel: a TASK_CANCELLED that says what the disk holds. The partial partition holds verified bytes
 * only, up to where partclone was stopped; an untouched one holds what the disk had there before.
 */
function stopIfCancelled(signal: AbortSignal | undefined, progress: DeployProgress, cause?: unknown): void {
  if (signal?.aborted !== true) return;
  const name = (planned: PlannedPartition): string => `d1p${planned.number}`;
  const started = new Set(
    [...progress.complete, ...(progress.partial === undefined ? [] : [progress.partial])].map(
      (planned) => planned.number,
    ),
  );
  const withContent = progress.partitions.filter((planned) => planned.action !== 'container');
  const partitions = {
    complete: progress.complete.filter((planned) => planned.action !== 'container').map(name),
    partial: progress.partial === undefined ? null : name(progress.partial),
    untouched: withContent.filter((planned) => !started.has(planned.number)).map(name),
  };
  throw new BrumeError(
    'TASK_CANCELLED',
    `deploy cancelled: ${partitions.complete.length} partition(s) complete, ${partitions.partial ?? 'none'} partial, ${partitions.untouched.length} untouched`,
    {
      ...(cause === undefined ? {} : { cause }),
      detail: { tableWritten: progress.table, partitions },
    },
  );
}

/** Never a write to a disk in use: mounted, swap, held by another device, the running system. */
export function refuseBusy(node: DiskNode): void {
  const busy = busyReason(node);
  if (busy !== undefined) throw new BrumeError('DEVICE_BUSY', `refusing to write ${node.path}: ${busy}`);
}

async function writeBootArea(diskPath: string, bootArea: Uint8Array, plan: LayoutPlan): Promise<void> {
  const handle = await open(diskPath, 'r+');
  try {
    for (const range of plan.bootArea) await handle.write(bootArea, range.offset, range.bytes, range.offset);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function checkStagingSpace(plan: LayoutPlan, stagingDir: string): Promise<void> {
  if (plan.stagingBytes === 0) return;
  const space = await statfs(stagingDir);
  const free = space.bavail * space.bsize;
  if (free < plan.stagingBytes) {
    throw new BrumeError(
      'STAGING_TOO_SMALL',
      `shrinking needs ${plan.stagingBytes} bytes of staging space in ${stagingDir}; it has ${free} (use --staging DIR)`,
      {
        detail: { neededBytes: plan.stagingBytes, freeBytes: free, stagingDir },
      },
    );
  }
}

async function requireConsent(node: DiskNode, yes: boolean, deps: DeployDeps): Promise<void> {
  if (yes) return;
  const probe = await probePartition(deps.run, node.path);
  const holds = probe['PTTYPE'] ?? probe['TYPE'];
  if (holds === undefined) return;
  const contents = `${node.path} holds a ${holds} ${probe['PTTYPE'] === undefined ? 'filesystem' : 'partition table'}`;
  if (deps.confirm !== undefined && (await deps.confirm(`${contents}; everything on it will be replaced. Continue?`)))
    return;
  throw new BrumeError('CONFIRMATION_REQUIRED', `${contents}: pass --yes to overwrite it`);
}
