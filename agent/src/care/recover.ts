import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BrumeError } from '@brume/protocol';
import type { ApiClient } from '../api/client.ts';
import { reportProgress } from '../imaging/progress.ts';
import { phase } from '../imaging/run-context.ts';
import type { Reporter } from '../ports.ts';
import { busyReason, kernelPartitions, resolveDisk, type DiskNode } from '../sys/devices.ts';
import { readDiskFacts } from '../sys/disk-facts.ts';
import type { Runner } from '../sys/exec.ts';
import { withMount } from '../sys/mount.ts';
import { findUsbDevice, mountTypeFor, recoverTarget, refuseOnSource, type UsbDevice } from './recover-destination.ts';
import { listRecovered, serverNames, summarize, type RecoveredFile, type RecoveredSummary } from './recover-files.ts';
import { runPhotorec } from './recover-photorec.ts';
import { uploadRecovered } from './recover-upload.ts';

export interface RecoverOptions {
  disk: string;
  /** `server`, or `usb:/dev/sdX1` / `usb:LABEL`. */
  destination: string;
  types?: readonly string[] | undefined;
  partition?: number | undefined;
  taskId: number;
  /** Names the task's folder on a USB disk: brume-recovered/<host>-task-<id>/. */
  hostName: string;
  /** Where files wait before they go to the server (the ramdisk's tmpfs; never the source disk). */
  stagingDir: string;
  logDir: string;
  /** How many files the result lists by name (default 1000); the counts cover them all. */
  listCap?: number;
  /** The task's cancel: PhotoRec is stopped, and nothing found is copied. */
  signal?: AbortSignal | undefined;
}

export interface RecoverDeps {
  run: Runner;
  reporter: Reporter;
  /** The server, for a `server` destination. */
  client: ApiClient | undefined;
}

/** The task's result on the server. */
export interface RecoverResult extends RecoveredSummary {
  disk: string;
  /** The partition searched; null: the whole disk. */
  partition: number | null;
  destination: { kind: 'server'; dir: string } | { kind: 'usb'; device: string; label: string | null; dir: string };
  /** PhotoRec ran to its end; false: it was stopped (`stopped` says why) and what it found so far was kept. */
  complete: boolean;
  stopped?: string;
  photorec: { version: string | null; families: Record<string, number>; seconds: number };
  seconds: number;
}

const LIST_CAP = 1000;
/**
 * Free space PhotoRec leaves in its destination before it is stopped: on a USB disk, a little; in the staging folder
 * (the ramdisk's tmpfs, which is memory), enough for the agent to go on sending what was found.
 */
const USB_RESERVE = 32 * 1024 * 1024;
const STAGING_RESERVE = 256 * 1024 * 1024;

/** PhotoRec over a disk, read-only, its files sent to the server or written to a USB disk. Never writes to the source. */
export async function recoverFiles(options: RecoverOptions, deps: RecoverDeps): Promise<RecoverResult> {
  const started = performance.now();
  // 1. The source, the area searched, the destination: every refusal comes before anything is mounted or written.
  phase(deps.reporter, 'inspect', `checking ${options.disk} and the destination ${options.destination}`);
  const source = resolveDisk(options.disk);
  const totalBytes = searchedBytes(source, options.partition);
  const target = recoverTarget(options.destination);
  const usb = target.kind === 'usb' ? await findUsbDevice(deps.run, target.named) : undefined;
  if (usb !== undefined) refuseOnSource(usb, source);
  const busy = busyReason(source);
  if (busy !== undefined)
    throw new BrumeError('DEVICE_BUSY', `refusing to recover from ${source.path}: ${busy}`, {
      detail: { disk: source.path },
    });
  if (usb !== undefined) checkUsbFree(usb);
  const mountType = usb === undefined ? undefined : mountTypeFor(usb);

  // 2. PhotoRec, with the source switched read-only for the kernel as well, into the destination's folder.
  const search: Search = (outDir, reserveBytes) =>
    withReadOnly(deps.run, source.path, () => carve(outDir, reserveBytes, source, totalBytes, options, deps.reporter));
  const summary = (
    found: Searched,
    files: RecoveredFile[],
    names: string[],
    destination: RecoverResult['destination'],
  ): RecoverResult =>
    result(options, source, found, summarize(files, names, options.listCap ?? LIST_CAP), destination, started);
  if (usb !== undefined && mountType !== undefined) {
    // 3. On the USB disk: PhotoRec writes there directly; the unmount flushes it.
    const folder = join('brume-recovered', `${options.hostName}-task-${options.taskId}`);
    return withMount(deps.run, usb.device, mountType, 'rw', async (mounted) => {
      const outDir = join(mounted, folder);
      await mkdir(outDir, { recursive: true });
      const found = await search(outDir, USB_RESERVE);
      const files = await listRecovered(outDir);
      return summary(
        found,
        files,
        files.map((file) => file.name),
        { kind: 'usb', device: usb.device, label: usb.label ?? null, dir: folder },
      );
    });
  }
  // 3. To the server: PhotoRec fills a staging folder, whose files are then sent one by one.
  const client = deps.client;
  if (client === undefined)
    throw new BrumeError(
      'BAD_REQUEST',
      'a recovery to the server needs the server: run it as a task (brume agent --server … --task …)',
    );
  const staging = await mkdtemp(join(options.stagingDir, `brume-recover-${options.taskId}-`));
  try {
    await refuseStagingOnSource(staging, source);
    const found = await search(staging, STAGING_RESERVE);
    const files = await listRecovered(staging);
    const names = serverNames(files);
    await sendAll(client, options.taskId, files, names, deps.reporter);
    return summary(found, files, names, { kind: 'server', dir: `recovered/task-${options.taskId}` });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

type Searched = Awaited<ReturnType<typeof runPhotorec>>;
type Search = (outDir: string, reserveBytes: number) => Promise<Searched>;

/** Each file to the server in turn, each checked there by its sha256 before it is kept. */
async function sendAll(
  client: ApiClient,
  taskId: number,
  files: readonly RecoveredFile[],
  names: readonly string[],
  reporter: Reporter,
): Promise<void> {
  const total = files.reduce((sum, file) => sum + file.bytes, 0);
  phase(reporter, 'upload', `sending ${files.length} recovered file(s), ${total} bytes, to the server`, 'files');
  let sent = 0;
  const started = performance.now();
  for (const [index, file] of files.entries()) {
    await uploadRecovered(client, taskId, file, names[index] ?? file.name, (bytes) => {
      sent += bytes;
      reportProgress(reporter, { phase: 'upload', target: 'files', done: sent, total, started });
    });
  }
}

async function carve(
  outDir: string,
  reserveBytes: number,
  source: DiskNode,
  totalBytes: number,
  options: RecoverOptions,
  reporter: Reporter,
): Promise<Searched> {
  const area =
    options.partition === undefined
      ? `the whole of ${source.path}`
      : `partition ${options.partition} of ${source.path}`;
  phase(
    reporter,
    'recover',
    `PhotoRec over ${area} (${totalBytes} bytes), read-only${options.types === undefined ? '' : `, types ${options.types.join(',')}`}`,
    'photorec',
  );
  const carveStarted = performance.now();
  const found = await runPhotorec({
    search: { disk: source.path, partition: options.partition, types: options.types },
    outDir,
    logDir: options.logDir,
    totalBytes,
    reserveBytes,
    signal: options.signal,
    onProgress: (bytes) =>
      reportProgress(reporter, {
        phase: 'recover',
        target: 'photorec',
        done: bytes,
        total: totalBytes,
        started: carveStarted,
      }),
  });
  // Cancelled: PhotoRec was stopped; nothing found is copied or uploaded.
  options.signal?.throwIfAborted();
  if (found.stopped !== undefined)
    phase(reporter, 'recover', `PhotoRec stopped: ${found.stopped}; the files found so far are kept`, 'photorec');
  return found;
}

function result(
  options: RecoverOptions,
  source: DiskNode,
  found: Searched,
  summary: RecoveredSummary,
  destination: RecoverResult['destination'],
  started: number,
): RecoverResult {
  return {
    disk: source.path,
    partition: options.partition ?? null,
    destination,
    ...summary,
    complete: found.stopped === undefined,
    ...(found.stopped === undefined ? {} : { stopped: found.stopped }),
    photorec: { version: found.report.version ?? null, families: found.report.families, seconds: found.seconds },
    seconds: (performance.now() - started) / 1000,
  };
}

/** Bytes PhotoRec reads: the whole disk, or the partition asked for (which must exist: PhotoRec would take another). */
function searchedBytes(source: DiskNode, partition: number | undefined): number {
  const facts = readDiskFacts(source.name);
  if (partition === undefined) return facts.sizeBytes;
  const found = facts.partitions.find((entry) => entry.number === partition);
  if (found === undefined) {
    throw new BrumeError(
      'BAD_REQUEST',
      `${source.path} has no partition ${partition} (it has ${facts.partitions.map((entry) => entry.number).join(', ') || 'none'})`,
      { detail: { disk: source.path, partition } },
    );
  }
  return found.sizeBytes;
}

function checkUsbFree(usb: UsbDevice): void {
  const busy = busyReason({ path: usb.device, name: basename(usb.device), majorMinor: usb.majorMinor });
  if (busy !== undefined)
    throw new BrumeError('DEVICE_BUSY', `recovery destination ${usb.device} is in use: ${busy}`, {
      detail: { device: usb.device },
    });
}

/** The staging folder's filesystem must not live on the source disk (a Brume run outside the ramdisk, say). */
async function refuseStagingOnSource(staging: string, source: DiskNode): Promise<void> {
  const dev = (await stat(staging)).dev;
  const majorMinor = `${(dev >> 8) & 0xfff}:${(dev & 0xff) | ((dev >> 12) & 0xfff00)}`;
  const own = [
    source.majorMinor,
    ...kernelPartitions(source).map((name) => readFileSync(`/sys/class/block/${name}/dev`, 'utf8').trim()),
  ];
  if (own.includes(majorMinor)) {
    throw new BrumeError(
      'RECOVER_DESTINATION_ON_SOURCE',
      `the staging folder ${staging} is on ${source.path}, the disk being recovered`,
      { detail: { staging, source: source.path } },
    );
  }
}

/** The source disk read-only for the kernel while PhotoRec runs (BLKROSET): nothing can write to it, by any path. */
async function withReadOnly<T>(run: Runner, device: string, work: () => Promise<T>): Promise<T> {
  const wasReadOnly = (await run('blockdev', ['--getro', device])).stdout.trim() === '1';
  if (!wasReadOnly) await run('blockdev', ['--setro', device]);
  try {
    return await work();
  } finally {
    if (!wasReadOnly) await run('blockdev', ['--setrw', device]);
  }
}
