import { BrumeError } from '@brume/protocol';
import { parseSfdiskJson } from '../disk/partition-table.ts';
import { phase } from '../imaging/run-context.ts';
import type { Reporter } from '../ports.ts';
import { busyReason, resolveDisk } from '../sys/devices.ts';
import { readDiskFacts, type DiskFacts } from '../sys/disk-facts.ts';
import type { Runner } from '../sys/exec.ts';
import { forgetPartitions } from '../sys/partition-nodes.ts';
import { rangePass, writePass, zeroRanges, type PassTarget } from './fill-pass.ts';
import { readBack, type ReadBack } from './read-back.ts';
import { prepareSecureErase, runSecureErase, type SecurePlan, type SecureTarget } from './secure-erase-run.ts';
import { wipeError } from './wipe-errors.ts';
import {
  endRanges,
  MiB,
  planPasses,
  sampleRanges,
  splitRanges,
  wipeRefusal,
  type ByteRange,
  type Extent,
  type PassKind,
  type PlannedPass,
  type WipeMode,
  type ZeroMethod,
} from './wipe-plan.ts';

export interface WipeOptions {
  disk: string;
  mode: WipeMode;
  /** A person named this disk (--disk, brume.disk=): removable media and USB disks are then accepted. */
  explicit: boolean;
  /** Overrides the zero method the device's limits choose (benchmarks and tests compare them). */
  zeroMethod?: ZeroMethod;
  /** Fast mode discards the whole disk when it can (default); false leaves the discard out. */
  discard?: boolean;
}

export interface WipeDeps {
  run: Runner;
  reporter: Reporter;
  /** Checked between chunks: a cancelled wipe stops at the next one. */
  signal?: AbortSignal;
  /** Where /sys is (tests). */
  sysRoot?: string;
  sleep?: (ms: number) => Promise<void>;
}

export interface PassRecord {
  kind: PassKind;
  method: string;
  bytes: number;
  seconds: number;
  bytesPerSecond: number;
  /** Why the pass did nothing (no discard on this device, zeroes found already). */
  skipped?: string;
}

/** The task's result on the server. */
export interface WipeResult {
  mode: WipeMode;
  disk: string;
  bytes: number;
  passes: PassRecord[];
  readBack: { samples: number; bytes: number; allZero: boolean };
  seconds: number;
}

interface Wipe {
  target: PassTarget;
  facts: DiskFacts;
  deps: WipeDeps;
  secure: SecurePlan | undefined;
  /** Fast mode: the disk's and each partition's ends; their zeroes are what its read-back checks. */
  ends: ByteRange[];
}

export async function wipeDisk(options: WipeOptions, deps: WipeDeps): Promise<WipeResult> {
  const started = performance.now();
  // 1. Which disk, and may it be wiped: every refusal comes before the first write.
  phase(deps.reporter, 'inspect', `checking ${options.disk}`);
  const node = resolveDisk(options.disk);
  const facts = readDiskFacts(node.name, deps.sysRoot);
  const refusal = wipeRefusal(node.path, facts, options.explicit);
  if (refusal !== undefined)
    throw wipeError(refusal.reason, `refusing to wipe ${refusal.message}`, { disk: node.path });
  const busy = busyReason(node);
  if (busy !== undefined)
    throw new BrumeError('DEVICE_BUSY', `refusing to wipe ${node.path}: ${busy}`, { detail: { disk: node.path } });

  // 2. The plan: the device's limits choose the zero method; for a secure erase the drive's answers choose the command.
  const target: PassTarget = {
    path: node.path,
    sizeBytes: facts.sizeBytes,
    reporter: deps.reporter,
    signal: deps.signal,
  };
  const secure =
    options.mode === 'secure' ? await prepareSecureErase(deps.run, secureTarget(node.path, facts)) : undefined;
  const passes = planPasses({
    mode: options.mode,
    queue: facts.queue,
    secure: secure?.method,
    zeroMethod: options.zeroMethod,
    discard: options.discard,
  });
  const ends =
    options.mode === 'fast' ? endRanges(facts.sizeBytes, await partitionExtents(deps.run, node.path, facts)) : [];
  phase(
    deps.reporter,
    'plan',
    `${options.mode} wipe of ${node.path} (${facts.sizeBytes} bytes): ${passes.map((pass) => `${pass.kind}/${pass.method}`).join(', ')}`,
  );
  const wipe: Wipe = { target, facts, deps, secure, ends };

  // 3. The passes, in order.
  const records: PassRecord[] = [];
  for (const pass of passes) {
    try {
      if (deps.signal?.aborted === true)
        throw new BrumeError('TASK_CANCELLED', `wipe of ${node.path} cancelled before its ${pass.kind} pass`);
      records.push(await timed(pass, () => runPass(pass, wipe)));
    } catch (error) {
      // A cancel says which passes are whole and how far the one it stopped got: what the disk still holds.
      if (deps.signal?.aborted !== true) throw error;
      const stopped = error instanceof BrumeError && error.code === 'TASK_CANCELLED' ? error : undefined;
      const inner = typeof stopped?.detail === 'object' ? stopped.detail : {};
      throw new BrumeError(
        'TASK_CANCELLED',
        `${stopped?.message ?? `wipe of ${node.path} cancelled`}, in its ${pass.kind} pass`,
        {
          cause: error,
          detail: {
            wipe: {
              mode: options.mode,
              disk: node.path,
              passesDone: records.map((record) => record.kind),
              stoppedPass: pass.kind,
              ...inner,
            },
          },
        },
      );
    }
  }

  // 4. Read back: after a fast wipe its zeroed ends, otherwise samples across the whole disk.
  const final = await settleAndReadBack(
    wipe,
    options.mode === 'fast' ? splitRanges(ends, MiB) : sampleRanges(facts.sizeBytes),
  );
  if (!final.allZero) {
    throw wipeError(
      'not-zero',
      `${node.path} does not read back as zeroes after the ${options.mode} wipe (at ${final.nonZero.join(', ')})`,
      { disk: node.path, nonZero: final.nonZero },
    );
  }
  return {
    mode: options.mode,
    disk: node.path,
    bytes: facts.sizeBytes,
    passes: records,
    readBack: { samples: final.samples, bytes: final.bytes, allZero: final.allZero },
    seconds: (performance.now() - started) / 1000,
  };
}

function secureTarget(path: string, facts: DiskFacts): SecureTarget {
  return { path, transport: facts.transport, namespaces: facts.namespaces, sizeBytes: facts.sizeBytes };
}

/** Partitions of the table on the disk (the kernel may not show them all) and of the kernel (it may know a stale table). */
async function partitionExtents(run: Runner, path: string, facts: DiskFacts): Promise<Extent[]> {
  const table = await run('sfdisk', ['--json', path]).then(
    (result) => parseSfdiskJson(result.stdout, facts.queue.logicalBlockSize).entries,
    () => [], // no table, or one sfdisk cannot read: the disk's own ends are still zeroed
  );
  return [...table, ...facts.partitions];
}

type PassOutcome = { method: string; bytes: number; skipped?: string };

async function timed(pass: PlannedPass, work: () => Promise<PassOutcome>): Promise<PassRecord> {
  const started = performance.now();
  const outcome = await work();
  const seconds = (performance.now() - started) / 1000;
  const record: PassRecord = {
    kind: pass.kind,
    method: outcome.method,
    bytes: outcome.bytes,
    seconds,
    bytesPerSecond: seconds > 0 ? outcome.bytes / seconds : 0,
  };
  if (outcome.skipped !== undefined) record.skipped = outcome.skipped;
  return record;
}

async function runPass(pass: PlannedPass, wipe: Wipe): Promise<PassOutcome> {
  const { target, deps } = wipe;
  phase(deps.reporter, 'wipe', `${pass.kind} pass (${pass.method}) over ${target.path}`, pass.kind);
  switch (pass.kind) {
    case 'signatures':
      return { method: pass.method, bytes: await wipeSignatures(deps.run, target.path, wipe.facts) };
    case 'ends':
      return { method: pass.method, bytes: await zeroRanges(target, wipe.ends) };
    case 'discard':
      // Not every device discards; a fast wipe is complete without it.
      return (await rangePass(target, 'discard', 'discard')) === 'done'
        ? { method: 'discard', bytes: target.sizeBytes }
        : { method: 'discard', bytes: 0, skipped: 'the device does not support discard' };
    case 'random':
      await writePass(target, 'random');
      return { method: pass.method, bytes: target.sizeBytes };
    case 'zero':
      return zeroPass(pass, wipe);
    case 'secure-erase':
      if (wipe.secure === undefined)
        throw new BrumeError('INTERNAL', 'a secure-erase pass was planned without a secure-erase plan');
      await runSecureErase(wipe.secure, secureTarget(target.path, wipe.facts), deps);
      return { method: pass.method, bytes: target.sizeBytes };
    default: {
      const never: never = pass;
      throw new Error(`unknown pass ${JSON.stringify(never)}`);
    }
  }
}

async function zeroPass(pass: Extract<PlannedPass, { kind: 'zero' }>, wipe: Wipe): Promise<PassOutcome> {
  if (pass.ifNotZero && (await settleAndReadBack(wipe, sampleRanges(wipe.facts.sizeBytes))).allZero) {
    return { method: pass.method, bytes: 0, skipped: 'the disk already reads back as zeroes' };
  }
  if (pass.method !== 'write' && (await rangePass(wipe.target, pass.method, 'zero')) === 'done') {
    return { method: pass.method, bytes: wipe.target.sizeBytes };
  }
  // The limits promised an offload the device then refused: the host writes the zeroes itself.
  await writePass(wipe.target, 'zero');
  return { method: 'write', bytes: wipe.target.sizeBytes };
}

/** wipefs -a on each partition the kernel shows, then on the disk; returns 0 (wipefs reports no byte count). */
async function wipeSignatures(run: Runner, path: string, facts: DiskFacts): Promise<number> {
  for (const partition of facts.partitions) {
    if (partition.device !== undefined) await run('wipefs', ['--all', partition.device]);
  }
  await run('wipefs', ['--all', path]);
  return 0;
}

/**
 * The kernel forgets the partitions of a table that is gone, and the disk's page cache is dropped: the read-back then
 * reads the disk, not the zeroes the wipe left in memory.
 */
async function settleAndReadBack(wipe: Wipe, ranges: ByteRange[]): Promise<ReadBack> {
  await forgetPartitions(wipe.deps.run, wipe.target.path);
  await wipe.deps.run('blockdev', ['--flushbufs', wipe.target.path]);
  phase(wipe.deps.reporter, 'verify', `reading back ${ranges.length} samples of ${wipe.target.path}`, 'read-back');
  return readBack(wipe.target.path, ranges, wipe.deps.reporter);
}
