// What the benchmarks share: timing a process tree, cold caches, an idle machine, and medians.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tool } from '../../test/support/tools.ts';

const GNU_TIME = '/usr/bin/time';
/** The machine counts as idle when at most this share of all its cores was busy over the last second, twice in a row. */
const IDLE_BUSY_SHARE = 0.1;
/** partclone's process name, as /proc/PID/comm shows it: the one whose pthread_join wait is watched. */
const PARTCLONE = 'partclone.ext4';

/** One timed process tree. */
export interface Measurement {
  /** Wall time from spawn to exit. */
  seconds: number;
  /** Peak RSS (KiB) of the largest process of the tree, when measurable. */
  peakRssKiB: number | null;
  /** user + sys of the whole tree (GNU time), when measurable. */
  cpuSeconds: number | null;
  /** Busy CPU time of the whole machine over the same interval (/proc/stat): the tree, the kernel's I/O, anybody else. */
  machineCpuSeconds: number;
  /** How long partclone sat idle in pthread_join waiting for its progress thread to wake up (see watchPartclone). */
  partcloneWaitSeconds: number | null;
  stdout: string;
}

/** Clean page cache, dentries and inodes: the next reader of the disk or of an image file goes to the device. */
export async function dropCaches(): Promise<void> {
  await tool('sync', []);
  await writeFile('/proc/sys/vm/drop_caches', '3\n');
}

/** Busy and total jiffies of all cores since boot (the first line of /proc/stat; idle and iowait are not busy). */
export async function cpuJiffies(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0] ?? '';
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/**
 * Other sessions may share the machine: wait until it has been idle for two seconds in a row, at most `limitSeconds`.
 * Returns how long it waited, and whether it gave up.
 */
export async function waitForIdle(limitSeconds: number): Promise<{ waited: number; gaveUp: boolean }> {
  if (limitSeconds === 0) return { waited: 0, gaveUp: false };
  const started = performance.now();
  let quietSeconds = 0;
  let previous = await cpuJiffies();
  while ((performance.now() - started) / 1000 < limitSeconds) {
    await sleep(1000);
    const now = await cpuJiffies();
    const share = (now.busy - previous.busy) / Math.max(1, now.total - previous.total);
    previous = now;
    quietSeconds = share <= IDLE_BUSY_SHARE ? quietSeconds + 1 : 0;
    if (quietSeconds >= 2) return { waited: (performance.now() - started) / 1000, gaveUp: false };
  }
  return { waited: limitSeconds, gaveUp: true };
}

const FUTEX = '202'; // x86_64 syscall number, as /proc/PID/syscall prints it
const WATCH_INTERVAL_MS = 20;

/**
 * partclone's main thread ends every run in pthread_join on its progress thread, which sleeps in whole `-f` periods
 * (2 s by default): each partclone exits up to 2 s after its last byte, whoever drives it. This samples the syscall
 * partclone's main thread is blocked in (the partclone.ext4 process under `root`) and returns the longest stretch it
 * spent in futex: that wait, which quantizes both sides' wall times into ~2 s steps.
 */
function watchPartclone(root: number): { stop(): Promise<number | null> } {
  let pid: number | null = null;
  let longest: number | null = null;
  let blockStart: number | null = null;
  let stopped = false;
  const closeBlock = (now: number): void => {
    if (blockStart !== null) longest = Math.max(longest ?? 0, (now - blockStart) / 1000);
    blockStart = null;
  };
  const find = async (parent: number, depth: number): Promise<number | null> => {
    const children = (await readFile(`/proc/${parent}/task/${parent}/children`, 'utf8').catch(() => ''))
      .trim()
      .split(' ')
      .filter(Boolean)
      .map(Number);
    for (const child of children) {
      if ((await readFile(`/proc/${child}/comm`, 'utf8').catch(() => '')).trim() === PARTCLONE) return child;
      const deeper = depth < 4 ? await find(child, depth + 1) : null;
      if (deeper !== null) return deeper;
    }
    return null;
  };
  const sample = async (): Promise<void> => {
    const now = performance.now();
    if (pid === null) {
      pid = await find(root, 0);
      return;
    }
    const syscall = await readFile(`/proc/${pid}/syscall`, 'utf8').catch(() => '');
    if (syscall === '') {
      closeBlock(now);
      pid = null; // exited; a later partclone of the same run would be found again
    } else if (syscall.split(' ')[0] === FUTEX) {
      blockStart ??= now - WATCH_INTERVAL_MS / 2;
    } else {
      closeBlock(now);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await sample();
      await sleep(WATCH_INTERVAL_MS);
    }
    closeBlock(performance.now());
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return longest;
    },
  };
}

/** Runs a command to completion, timing it; RSS and CPU through GNU time, else peak RSS by polling VmHWM. */
export async function measure(
  command: string,
  args: readonly string[],
  context: { useGnuTime: boolean; scratch: string; clockTicks: number },
): Promise<Measurement> {
  const timeFile = join(context.scratch, 'gnu-time');
  const argv = context.useGnuTime ? [GNU_TIME, '-f', '%M %U %S', '-o', timeFile, command, ...args] : [command, ...args];
  const [file, ...rest] = argv as [string, ...string[]];
  const jiffiesBefore = await cpuJiffies();
  const started = performance.now();
  const child = spawn(file, rest, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
  });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    err = (err + text).slice(-8192);
  });
  let polledKiB: number | null = null;
  const pid = child.pid;
  const watcher = pid === undefined ? undefined : watchPartclone(pid);
  const poll =
    context.useGnuTime || pid === undefined
      ? undefined
      : setInterval(
          () =>
            void readHwm(pid).then((kib) => {
              if (kib !== null) polledKiB = Math.max(polledKiB ?? 0, kib);
            }),
          20,
        );
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', (status) => done(status));
  });
  const seconds = (performance.now() - started) / 1000;
  const jiffiesAfter = await cpuJiffies();
  if (poll !== undefined) clearInterval(poll);
  const partcloneWaitSeconds = (await watcher?.stop()) ?? null;
  if (code !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${String(code)}):\n${err.trimEnd().split('\n').slice(-8).join('\n')}`,
    );
  let peakRssKiB: number | null = polledKiB;
  let cpuSeconds: number | null = null;
  if (context.useGnuTime) {
    // GNU time puts "Command exited with non-zero status" first when it has to; the figures are the last line.
    const fields = ((await readFile(timeFile, 'utf8')).trim().split('\n').at(-1) ?? '').split(' ').map(Number);
    const [rss, user, sys] = fields;
    if (
      fields.length === 3 &&
      rss !== undefined &&
      user !== undefined &&
      sys !== undefined &&
      fields.every(Number.isFinite)
    ) {
      peakRssKiB = rss;
      cpuSeconds = user + sys;
    }
  }
  const machineCpuSeconds = (jiffiesAfter.busy - jiffiesBefore.busy) / context.clockTicks;
  return {
    seconds,
    peakRssKiB,
    cpuSeconds,
    machineCpuSeconds,
    partcloneWaitSeconds,
    stdout: Buffer.concat(out).toString('utf8'),
  };
}

async function readHwm(pid: number): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return match?.[1] === undefined ? null : Number(match[1]);
}

export const shellQuote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;
export const bash = (script: string): [string, string[]] => ['bash', ['-c', `set -o pipefail; ${script}`]];

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

export const known = <T>(values: readonly (T | null)[]): T[] => values.filter((value): value is T => value !== null);
export const round3 = (value: number): number => Math.round(value * 1000) / 1000;
export const medianOrNull = (values: readonly (number | null)[]): number | null =>
  known(values).length === 0 ? null : round3(median(known(values)));
