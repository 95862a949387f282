import { setTimeout as delay } from 'node:timers/promises';
import { BrumeError } from '@brume/protocol';
import type { DiskTransport } from '../disk/target-choice.ts';
import { progressMeter } from '../imaging/progress.ts';
import { phase } from '../imaging/run-context.ts';
import type { Reporter } from '../ports.ts';
import type { Runner } from '../sys/exec.ts';
import {
  chooseNvmeErase,
  decideAtaErase,
  eraseFamily,
  parseAtaSecurity,
  parseNvmeIdCtrl,
  parseSanitizeLog,
  type AtaSecurity,
} from './secure-erase.ts';
import { wipeError } from './wipe-errors.ts';
import type { SecureMethod } from './wipe-plan.ts';

/**
 * The user password an ATA erase sets for its duration (the command requires one). Fixed and printed in every failure:
 * a drive left locked by a power cut half-way must be openable by hand.
 */
export const ATA_PASSWORD = 'BrumeWipe';
/** Tried on a locked drive: ours (an earlier run stopped half-way), then the empty password as old and new hdparm spell it. */
const UNLOCK_CANDIDATES = [ATA_PASSWORD, 'NULL', ''] as const;

export interface SecureTarget {
  path: string;
  transport: DiskTransport;
  namespaces: readonly string[];
  sizeBytes: number;
}

export type SecurePlan =
  | { family: 'nvme'; method: SecureMethod; args: string[] }
  | {
      family: 'ata';
      method: 'ata-erase-enhanced' | 'ata-erase';
      password: string;
      setPassword: boolean;
      estimateSeconds: number | undefined;
    };

export interface SecureDeps {
  run: Runner;
  reporter: Reporter;
  /** Between sanitize-log polls; tests pass one that returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /** The task's cancel: a sanitize is no longer waited for (the controller finishes it by itself). */
  signal?: AbortSignal | undefined;
}

/** What the drive offers, asked of the drive itself; refuses (nothing written) when it offers nothing usable now. */
export async function prepareSecureErase(run: Runner, target: SecureTarget): Promise<SecurePlan> {
  const family = eraseFamily(target.transport);
  if (typeof family !== 'string')
    throw wipeError('secure-unsupported', `no secure erase for ${target.path}: ${family.reason}`, {
      transport: target.transport,
    });
  return family === 'nvme' ? prepareNvme(run, target) : prepareAta(run, target);
}

async function prepareNvme(run: Runner, target: SecureTarget): Promise<SecurePlan> {
  const { stdout } = await run('nvme', ['id-ctrl', target.path, '-o', 'json']);
  const controller = parseNvmeIdCtrl(stdout);
  if (controller === undefined)
    throw wipeError('secure-failed', `nvme id-ctrl ${target.path} printed something other than its JSON`, {
      output: stdout.slice(0, 500),
    });
  const choice = chooseNvmeErase(controller, target.path, target.namespaces);
  if (!choice.supported)
    throw wipeError(
      choice.blocked ? 'secure-blocked' : 'secure-unsupported',
      `no secure erase for ${target.path}: ${choice.reason}`,
      { controller },
    );
  return { family: 'nvme', method: choice.method, args: choice.args };
}

async function ataSecurity(run: Runner, path: string): Promise<AtaSecurity | undefined> {
  // hdparm -I fails outright on a disk that takes no ATA commands: that is "no ATA security", not a broken tool.
  const output = await run('hdparm', ['-I', path]).then(
    (result) => result.stdout,
    () => '',
  );
  return parseAtaSecurity(output);
}

async function prepareAta(run: Runner, target: SecureTarget): Promise<SecurePlan> {
  let security = await ataSecurity(run, target.path);
  let password: string | undefined;
  let unlockTried = false;
  for (;;) {
    const decision = decideAtaErase(security, { unlockTried, passwordKnown: password !== undefined });
    switch (decision.step) {
      case 'erase':
        return {
          family: 'ata',
          method: decision.method,
          password: password ?? ATA_PASSWORD,
          setPassword: decision.setPassword,
          estimateSeconds: decision.estimateSeconds,
        };
      case 'refuse':
        throw wipeError(
          decision.blocked ? 'secure-blocked' : 'secure-unsupported',
          `no secure erase for ${target.path}: ${decision.reason}`,
          { security },
        );
      case 'unlock':
        unlockTried = true;
        for (const candidate of UNLOCK_CANDIDATES) {
          await run('hdparm', ['--user-master', 'u', '--security-unlock', candidate, target.path]).catch(
            () => undefined,
          );
          security = await ataSecurity(run, target.path);
          if (security?.locked === false) {
            password = candidate;
            break;
          }
        }
        break;
      default: {
        const never: never = decision;
        throw new Error(`unknown ATA step ${JSON.stringify(never)}`);
      }
    }
  }
}

/** Runs the erase the plan chose; returns when the drive reports it done. */
export async function runSecureErase(plan: SecurePlan, target: SecureTarget, deps: SecureDeps): Promise<void> {
  phase(deps.reporter, 'wipe', `${plan.method} of ${target.path}: the drive erases itself`, 'secure-erase');
  if (plan.family === 'nvme') {
    // The controller goes on whatever the agent does; the command is not cut by a cancel either.
    await deps.run('nvme', plan.args, { uninterruptible: true });
    if (plan.method.startsWith('nvme-sanitize')) await awaitSanitize(target, deps);
    return;
  }
  await runAtaErase(plan, target, deps);
}

/** A sanitize runs in the background of the controller: its log gives progress in 65536ths, and the outcome. */
async function awaitSanitize(target: SecureTarget, deps: SecureDeps): Promise<void> {
  const sleep = deps.sleep ?? ((ms: number) => delay(ms));
  const meter = progressMeter({
    reporter: deps.reporter,
    phase: 'wipe',
    target: 'secure-erase',
    bytesTotal: target.sizeBytes,
    intervalMs: 0,
  });
  for (let poll = 1; ; poll++) {
    await sleep(2000);
    if (deps.signal?.aborted === true) {
      throw new BrumeError(
        'TASK_CANCELLED',
        `stopped waiting for the sanitize of ${target.path}: the controller finishes it by itself, and the disk then reads as erased`,
      );
    }
    const { stdout } = await deps.run('nvme', ['sanitize-log', target.path, '-o', 'json']);
    const log = parseSanitizeLog(stdout);
    if (log === undefined)
      throw wipeError('secure-failed', `nvme sanitize-log ${target.path} printed no sanitize status`, {
        output: stdout.slice(0, 500),
      });
    if (log.status === 2) {
      meter.update(Math.floor((target.sizeBytes * log.progress) / 65536));
      continue;
    }
    if (log.status === 1 || log.status === 4) return meter.finish(target.sizeBytes);
    if (log.status === 0 && poll < 5) continue;
    const why =
      log.status === 3
        ? 'the sanitize failed; the controller stays in failure mode until a sanitize succeeds'
        : `the sanitize did not start (status ${log.status})`;
    throw wipeError('secure-failed', `${target.path}: ${why}`, { sanitizeStatus: log.status });
  }
}

async function runAtaErase(
  plan: Extract<SecurePlan, { family: 'ata' }>,
  target: SecureTarget,
  deps: SecureDeps,
): Promise<void> {
  // A cancel waits for the whole sequence: a drive left with a password set, or mid-erase, would be locked.
  const hdparm = (...args: string[]): Promise<unknown> =>
    deps.run('hdparm', ['--user-master', 'u', ...args, target.path], { uninterruptible: true });
  const recovery = `if the drive stays locked: hdparm --user-master u --security-unlock ${plan.password} ${target.path}, then --security-disable ${plan.password}`;
  if (plan.setPassword) await hdparm('--security-set-pass', plan.password);
  const stopTicker = estimatedProgress(deps.reporter, target.sizeBytes, plan.estimateSeconds);
  try {
    // Blocks until the drive is done: minutes for an SSD, hours for a large disk.
    await hdparm(
      plan.method === 'ata-erase-enhanced' ? '--security-erase-enhanced' : '--security-erase',
      plan.password,
    );
  } catch (error) {
    await hdparm('--security-disable', plan.password).catch(() => undefined);
    throw wipeError(
      'secure-failed',
      `ATA security erase of ${target.path} failed; ${recovery}`,
      { password: plan.password },
      error,
    );
  } finally {
    stopTicker();
  }
  // A finished erase leaves security disabled (SEC1); anything else means the drive did not do what it said.
  const after = await ataSecurity(deps.run, target.path);
  if (after?.enabled !== false)
    throw wipeError('secure-failed', `${target.path} still has security enabled after its erase; ${recovery}`, {
      security: after,
    });
}

/** hdparm says nothing while the drive erases: progress is the drive's own time estimate, never shown as done. */
function estimatedProgress(reporter: Reporter, sizeBytes: number, estimateSeconds: number | undefined): () => void {
  if (estimateSeconds === undefined || estimateSeconds <= 0) return () => undefined;
  const meter = progressMeter({
    reporter,
    phase: 'wipe',
    target: 'secure-erase',
    bytesTotal: sizeBytes,
    intervalMs: 0,
  });
  const started = performance.now();
  const timer = setInterval(
    () => meter.update(Math.floor(sizeBytes * Math.min(0.99, (performance.now() - started) / 1000 / estimateSeconds))),
    5000,
  );
  timer.unref();
  return () => clearInterval(timer);
}
