import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BrumeError, toBrumeError, type ErrorCode } from '@brume/protocol';
import { probePartition } from '../disk/inspect.ts';
import { reportProgress } from '../imaging/progress.ts';
import { phase } from '../imaging/run-context.ts';
import type { Reporter } from '../ports.ts';
import { busyReason, resolveDisk, type DiskNode } from '../sys/devices.ts';
import { readDiskFacts } from '../sys/disk-facts.ts';
import { lastLines, type Runner } from '../sys/exec.ts';
import { withReadOnlyMount } from '../sys/read-only-mount.ts';
import { mountChoice } from './virus-scan-mounts.ts';
import { parseClamscan, type Finding } from './virus-scan-report.ts';
import { readSignatures, type Signatures } from './virus-signatures.ts';

export interface VirusScanOptions {
  disk: string;
  /** A ClamAV database directory (main.cvd, daily.cvd … or plain .hdb/.ndb files), as the server provides it. */
  signaturesDir: string;
  /** Where each partition's clamscan log goes (clamscan-<disk>p<N>.log). */
  logDir: string;
}

export interface VirusScanDeps {
  run: Runner;
  reporter: Reporter;
  /** Checked between partitions: a cancelled scan stops before the next one. */
  signal?: AbortSignal;
  /** Where /sys is (tests). */
  sysRoot?: string;
}

export interface PartitionScan {
  /** 0: a filesystem on the whole disk, without a partition table. */
  number: number;
  device: string;
  /** blkid's TYPE; null when it found no signature. */
  fs: string | null;
  scanned: boolean;
  /** Files clamscan scanned. */
  files: number;
  /** Bytes of the files it read (clamscan's "Data read", to about 10 KiB). */
  bytes: number;
  infected: Finding[];
  /** Why the partition was not scanned, when that is expected (swap, no filesystem, no kernel support). */
  skipped?: string;
  /** What went wrong: the mount failed, or clamscan could not read everything (then `scanned` may still be true). */
  error?: { code: ErrorCode; message: string };
  log?: string;
  seconds: number;
}

/** The task's result on the server. */
export interface VirusScanResult {
  disk: string;
  signatures: Signatures & { known?: number };
  partitions: PartitionScan[];
  /** Infected files over all partitions. */
  infected: number;
  /** Files and bytes scanned over all partitions. */
  files: number;
  bytes: number;
  seconds: number;
}

interface Target {
  number: number;
  device: string;
  sizeBytes: number;
}

/** Scans every filesystem on the disk with ClamAV, each mounted read-only; never writes to the disk. */
export async function scanDisk(options: VirusScanOptions, deps: VirusScanDeps): Promise<VirusScanResult> {
  const started = performance.now();
  // 1. Which disk, and which signatures: every refusal comes before the first mount.
  phase(deps.reporter, 'inspect', `checking ${options.disk} and the signatures in ${options.signaturesDir}`);
  const node = resolveDisk(options.disk);
  const busy = busyReason(node);
  if (busy !== undefined)
    throw new BrumeError('DEVICE_BUSY', `refusing to scan ${node.path}: ${busy}`, { detail: { disk: node.path } });
  const signatures: VirusScanResult['signatures'] = await readSignatures(options.signaturesDir);
  await mkdir(options.logDir, { recursive: true });
  const targets = scanTargets(node, deps.sysRoot);

  // 2. Each partition in turn: probe, mount read-only, scan, unmount.
  const totalBytes = targets.reduce((sum, target) => sum + target.sizeBytes, 0);
  const partitions: PartitionScan[] = [];
  let doneBytes = 0;
  for (const target of targets) {
    if (deps.signal?.aborted === true)
      throw new BrumeError(
        'TASK_CANCELLED',
        `virus scan of ${node.path} cancelled after ${partitions.length} of ${targets.length} partitions`,
      );
    const scan = await scanPartition(target, node, options, deps);
    signatures.known ??= scan.known;
    partitions.push(scan.partition);
    doneBytes += target.sizeBytes;
    reportProgress(deps.reporter, {
      phase: 'scan',
      target: `p${target.number}`,
      done: doneBytes,
      total: totalBytes,
      started,
    });
  }

  // 3. The result: what was found where, and what could not be scanned.
  const infected = partitions.reduce((sum, partition) => sum + partition.infected.length, 0);
  phase(
    deps.reporter,
    'verify',
    `${infected} infected file(s) on ${node.path}; ${partitions.filter((partition) => partition.scanned).length} of ${partitions.length} partitions scanned`,
  );
  const files = partitions.reduce((sum, partition) => sum + partition.files, 0);
  const bytes = partitions.reduce((sum, partition) => sum + partition.bytes, 0);
  return {
    disk: node.path,
    signatures,
    partitions,
    infected,
    files,
    bytes,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The partitions the kernel knows on the disk, or the whole disk when it has none (a filesystem without a table). */
function scanTargets(node: DiskNode, sysRoot: string | undefined): Target[] {
  const facts = readDiskFacts(node.name, sysRoot);
  if (facts.partitions.length === 0) return [{ number: 0, device: node.path, sizeBytes: facts.sizeBytes }];
  return facts.partitions.map((partition) => ({
    number: partition.number,
    // No udev in the ramdisk: a partition without a node is reported as skipped, not guessed at.
    device: partition.device ?? '',
    sizeBytes: partition.sizeBytes,
  }));
}

async function scanPartition(
  target: Target,
  node: DiskNode,
  options: VirusScanOptions,
  deps: VirusScanDeps,
): Promise<{ partition: PartitionScan; known?: number }> {
  const started = performance.now();
  const base = { number: target.number, device: target.device, files: 0, bytes: 0, infected: [] };
  const seconds = (): number => (performance.now() - started) / 1000;
  if (target.device === '')
    return {
      partition: {
        ...base,
        fs: null,
        scanned: false,
        skipped: 'the kernel has no device node for this partition',
        seconds: seconds(),
      },
    };
  const fs = (await probePartition(deps.run, target.device))['TYPE'];
  const choice = mountChoice(fs);
  const scan = { ...base, fs: fs ?? null };
  if (!choice.supported) return { partition: { ...scan, scanned: false, skipped: choice.reason, seconds: seconds() } };

  phase(deps.reporter, 'scan', `scanning ${target.device} (${fs}), mounted read-only`, `p${target.number}`);
  const log = join(options.logDir, `clamscan-${node.name}p${target.number}.log`);
  try {
    const outcome = await withReadOnlyMount(deps.run, target.device, choice, (dir) =>
      clamscan(deps.run, options.signaturesDir, dir, log),
    );
    if (!outcome.mounted)
      return { partition: { ...scan, scanned: false, skipped: outcome.reason, seconds: seconds() } };
    const { report, error } = outcome.value;
    const partition: PartitionScan = {
      ...scan,
      scanned: true,
      files: report.files ?? 0,
      bytes: report.bytesRead ?? 0,
      infected: report.findings,
      log,
      seconds: seconds(),
    };
    if (error !== undefined) partition.error = { code: 'TOOL_FAILED', message: error };
    return report.knownSignatures === undefined ? { partition } : { partition, known: report.knownSignatures };
  } catch (caught) {
    const error = toBrumeError(caught);
    if (error.code === 'BAD_REQUEST') throw error; // the signatures, not this partition: no other partition will do better
    return {
      partition: { ...scan, scanned: false, error: { code: error.code, message: error.message }, seconds: seconds() },
    };
  }
}

/**
 * One clamscan run over a mount point. Exit 1 means infected files were found; exit 2 means errors, with or without a
 * complete scan: the findings still count, the errors are recorded. Symlinks are never followed: an absolute link in
 * the scanned filesystem would lead into the agent's own root.
 */
async function clamscan(
  run: Runner,
  database: string,
  dir: string,
  log: string,
): Promise<{ report: ReturnType<typeof parseClamscan>; error?: string }> {
  const args = [
    '-r',
    '--infected',
    '--stdout',
    `--database=${database}`,
    '--follow-dir-symlinks=0',
    '--follow-file-symlinks=0',
    `--log=${log}`,
    dir,
  ];
  const result = await run('clamscan', args, { okCodes: [1, 2] });
  const report = parseClamscan(result.stdout, dir);
  if (result.code !== 2) return { report };
  const said = lastLines([...report.messages, result.stderr.trim()].filter((text) => text !== '').join('\n'), 5);
  if (report.knownSignatures === undefined || report.knownSignatures === 0) {
    throw new BrumeError('BAD_REQUEST', `clamscan could not load the signatures in ${database}: ${said}`, {
      detail: { signaturesDir: database },
    });
  }
  const unreadable =
    report.errors > 0 ? `clamscan could not read ${report.errors} file(s)` : 'clamscan reported an error';
  return { report, error: said === '' ? `${unreadable} (see ${log})` : `${unreadable}: ${said}` };
}
