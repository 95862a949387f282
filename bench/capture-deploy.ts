// The capture/deploy benchmark: Brume against the plain pipelines it replaces, on the same 1 GiB loop disk, in one run.
//
//   baseline capture  partclone.ext4 -c -s /dev/loopXp1 -o - | zstd -T0 -3 > file
//   brume capture     bin/brume capture --disk /dev/loopX --to DIR --json
//   baseline deploy   zstd -dc file | partclone.ext4 -r -s - -o /dev/loopYp1
//   brume deploy      bin/brume deploy --from DIR --disk /dev/loopY --yes --json
//
// Every measurement starts with `sync; echo 3 > /proc/sys/vm/drop_caches`, so both sides read the disk cold. The medians
// of N runs are compared; the benchmark reports the goals and whether they were met, it never fails on a missed one.
// Needs root (loop devices, drop_caches). Usage: node bench/capture-deploy.ts [--runs N] [--dir DIR] [--json] [--size-mib M]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLoopDisk, type LoopDisk } from '../test/support/loop-disk.ts';
import { writePartitionTable } from '../test/support/partition-table.ts';
import { buildBenchDisk } from '../test/support/sample-disks.ts';
import { tool } from '../test/support/tools.ts';

const MiB = 1024 * 1024;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BRUME = join(ROOT, 'bin', 'brume');
const GNU_TIME = '/usr/bin/time';
const PARTCLONE = 'partclone.ext4';

const GOALS = { capture: 1.0, deploy: 1.0, stored: 1.02 } as const;

interface Options {
  runs: number;
  dir: string;
  json: boolean;
  sizeMiB: number;
}

/** One timed process: wall time from spawn to exit, and the peak RSS (KiB) of its largest process, when measurable. */
interface Measurement {
  seconds: number;
  peakRssKiB: number | null;
  stdout: string;
}

interface Series {
  seconds: number[];
  peakRssKiB: (number | null)[];
  /** What brume itself reported (`summary.seconds`): its wall time minus Node's start-up. */
  selfSeconds: number[];
  /** Baselines only: the time to flush what the pipeline left dirty (`sync FILE`, `blockdev --flushbufs`), measured right after. */
  flushSeconds: number[];
}

const newSeries = (): Series => ({ seconds: [], peakRssKiB: [], selfSeconds: [], flushSeconds: [] });

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '3' },
      dir: { type: 'string' },
      json: { type: 'boolean', default: false },
      'size-mib': { type: 'string', default: '1024' },
    },
  });
  const runs = Number(values.runs);
  const sizeMiB = Number(values['size-mib']);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a positive integer, not ${values.runs}`);
  if (!Number.isInteger(sizeMiB) || sizeMiB < 64) throw new Error(`--size-mib takes an integer of at least 64, not ${values['size-mib']}`);
  return { runs, dir: resolve(values.dir ?? tmpdir()), json: values.json, sizeMiB };
}

const log = (text: string): void => void process.stderr.write(`bench: ${text}\n`);

/** Clean page cache, dentries and inodes: the next reader of the disk or of an image file goes to the device. */
async function dropCaches(): Promise<void> {
  await tool('sync', []);
  await writeFile('/proc/sys/vm/drop_caches', '3\n');
}

/** Runs a command to completion, timing it; peak RSS through GNU time, else by polling VmHWM, else not at all. */
async function measure(command: string, args: readonly string[], useGnuTime: boolean, scratch: string): Promise<Measurement> {
  const rssFile = join(scratch, 'peak-rss');
  const argv = useGnuTime ? [GNU_TIME, '-f', '%M', '-o', rssFile, command, ...args] : [command, ...args];
  const [file, ...rest] = argv as [string, ...string[]];
  const started = performance.now();
  const child = spawn(file, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', LANG: 'C' } });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    err = (err + text).slice(-8192);
  });
  let polledKiB: number | null = null;
  const poll = useGnuTime || child.pid === undefined ? undefined : setInterval(() => void readHwm(child.pid ?? 0).then((kib) => {
    if (kib !== null) polledKiB = Math.max(polledKiB ?? 0, kib);
  }), 20);
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', (status) => done(status));
  });
  const seconds = (performance.now() - started) / 1000;
  if (poll !== undefined) clearInterval(poll);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${String(code)}):\n${err.trimEnd().split('\n').slice(-8).join('\n')}`);
  let peakRssKiB: number | null = polledKiB;
  if (useGnuTime) {
    const last = (await readFile(rssFile, 'utf8')).trim().split('\n').at(-1) ?? '';
    peakRssKiB = /^\d+$/.test(last) ? Number(last) : null;
  }
  return { seconds, peakRssKiB, stdout: Buffer.concat(out).toString('utf8') };
}

async function readHwm(pid: number): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** The `result` event that ends brume's NDJSON output. */
function brumeSummary(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  for (const line of lines.reverse()) {
    const event = JSON.parse(line) as { type?: string; state?: string; summary?: Record<string, unknown> };
    if (event.type === 'result' && event.state === 'success' && event.summary !== undefined) return event.summary;
  }
  throw new Error(`brume printed no successful result event:\n${stdout.slice(-2000)}`);
}

const shellQuote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;
const bash = (script: string): [string, string[]] => ['bash', ['-c', `set -o pipefail; ${script}`]];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

const maxOrNull = (values: readonly (number | null)[]): number | null => {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : Math.max(...known);
};

async function storedFileBytes(imageDir: string): Promise<number> {
  const names = (await readdir(imageDir)).filter((name) => name.endsWith('.pc.zst'));
  const sizes = await Promise.all(names.map(async (name) => (await stat(join(imageDir, name))).size));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** A deploy that left a damaged filesystem would have been timed for nothing: e2fsck -fn must find it clean. */
async function checkFilesystem(device: string): Promise<void> {
  await tool('e2fsck', ['-fn', device]);
}

async function toolVersion(command: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await tool(command, args, { okCodes: [1] });
  const line = (stdout || stderr).split('\n').find((text) => text.trim() !== '') ?? '';
  return line.replace(/^\*+\s*|\s*\*+$/g, '').replace(/\s*:\s*/, ' ').trim();
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root: loop devices and /proc/sys/vm/drop_caches');
  const useGnuTime = existsSync(GNU_TIME);
  const loadBefore = loadavg()[0] ?? 0;
  if (loadBefore > 0.5) log(`the 1-minute load average is ${loadBefore.toFixed(2)}: something else is running, the times will be noisy`);
  const work = await mkdtemp(join(options.dir, 'brume-bench-'));
  const disks: LoopDisk[] = [];
  const cleanup = async (): Promise<void> => {
    for (const disk of disks.splice(0)) await disk.detach().catch((error: unknown) => log(`could not detach ${disk.path}: ${String(error)}`));
    await rm(work, { recursive: true, force: true });
  };
  const interrupted = (signal: NodeJS.Signals): void => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const sizeBytes = options.sizeMiB * MiB;
    log(`building a ${options.sizeMiB} MiB bench disk in ${work} (GPT, one ext4 partition, ~60 % used)`);
    const source = await createLoopDisk(work, 'source.img', sizeBytes);
    disks.push(source);
    await buildBenchDisk(source);
    const target = await createLoopDisk(work, 'target.img', sizeBytes);
    disks.push(target);
    const dump = (await tool('sfdisk', ['-d', source.path])).stdout;
    const prepareTarget = async (): Promise<void> => {
      await tool('partx', ['-d', target.path], { okCodes: [1] });
      await writePartitionTable(target.path, dump);
      await target.refreshPartitions();
    };

    const zstdFile = join(work, 'baseline.pc.zst');
    const imageDir = join(work, 'image');
    const logDir = join(work, 'logs');
    const scratch = join(work, 'scratch');
    await mkdir(logDir);
    await mkdir(scratch);
    const series = { baselineCapture: newSeries(), brumeCapture: newSeries(), baselineDeploy: newSeries(), brumeDeploy: newSeries() };
    let rawBytes = 0;

    const baselineCapture = async (): Promise<void> => {
      await rm(zstdFile, { force: true });
      await dropCaches();
      const partclone = [PARTCLONE, '-c', '-s', source.partition(1), '-o', '-', '-q', '-L', join(logDir, 'baseline-capture.log')].map(shellQuote).join(' ');
      const [command, args] = bash(`${partclone} | zstd -q -T0 -3 > ${shellQuote(zstdFile)}`);
      const run = await measure(command, args, useGnuTime, scratch);
      const flushStarted = performance.now();
      await tool('sync', [zstdFile]);
      record(series.baselineCapture, run, null, (performance.now() - flushStarted) / 1000);
    };
    const brumeCapture = async (): Promise<void> => {
      await rm(imageDir, { recursive: true, force: true });
      await dropCaches();
      const run = await measure(BRUME, ['capture', '--disk', source.path, '--to', imageDir, '--json', '--log-dir', logDir], useGnuTime, scratch);
      const summary = brumeSummary(run.stdout);
      rawBytes = Number(summary['rawBytes']);
      record(series.brumeCapture, run, Number(summary['seconds']), null);
    };
    const baselineDeploy = async (): Promise<void> => {
      await prepareTarget();
      await dropCaches();
      const partclone = [PARTCLONE, '-r', '-s', '-', '-o', target.partition(1), '-q', '-L', join(logDir, 'baseline-restore.log')].map(shellQuote).join(' ');
      const [command, args] = bash(`zstd -q -dc ${shellQuote(zstdFile)} | ${partclone}`);
      const run = await measure(command, args, useGnuTime, scratch);
      const flushStarted = performance.now();
      await tool('blockdev', ['--flushbufs', target.partition(1)]);
      record(series.baselineDeploy, run, null, (performance.now() - flushStarted) / 1000);
      await checkFilesystem(target.partition(1));
    };
    const brumeDeploy = async (): Promise<void> => {
      await dropCaches();
      const run = await measure(BRUME, ['deploy', '--from', imageDir, '--disk', target.path, '--yes', '--json', '--log-dir', logDir], useGnuTime, scratch);
      record(series.brumeDeploy, run, Number(brumeSummary(run.stdout)['seconds']), null);
      await checkFilesystem(target.partition(1));
    };

    for (let round = 1; round <= options.runs; round++) {
      // Alternate which side goes first, so neither always runs on a machine the other just warmed or dirtied.
      const brumeFirst = round % 2 === 0;
      log(`run ${round}/${options.runs}: capture`);
      for (const step of brumeFirst ? [brumeCapture, baselineCapture] : [baselineCapture, brumeCapture]) await step();
      log(`run ${round}/${options.runs}: deploy`);
      for (const step of brumeFirst ? [brumeDeploy, baselineDeploy] : [baselineDeploy, brumeDeploy]) await step();
    }

    // Both pipelines must have streamed the same bytes, or the comparison means nothing.
    const baselineRaw = Number((await tool('bash', ['-c', `set -o pipefail; zstd -q -dc ${shellQuote(zstdFile)} | wc -c`])).stdout.trim());
    if (baselineRaw !== rawBytes) throw new Error(`the two captures streamed different byte counts: partclone|zstd ${baselineRaw}, brume ${rawBytes}`);

    const report = {
      machine: {
        cores: availableParallelism(),
        nproc: Number((await tool('nproc', [])).stdout.trim()),
        cpu: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        partclone: await toolVersion(PARTCLONE, ['--version']),
        zstd: await toolVersion('zstd', ['--version']),
        loadBefore: round3(loadBefore),
      },
      runs: options.runs,
      disk: { sizeBytes, partitionBytes: Number((await tool('blockdev', ['--getsize64', source.partition(1)])).stdout.trim()) },
      rawStreamBytes: rawBytes,
      capture: { baseline: summarize(series.baselineCapture, rawBytes), brume: summarize(series.brumeCapture, rawBytes) },
      deploy: { baseline: summarize(series.baselineDeploy, rawBytes), brume: summarize(series.brumeDeploy, rawBytes) },
      stored: { brumeBytes: await storedFileBytes(imageDir), zstdBytes: (await stat(zstdFile)).size },
      peakRssSource: useGnuTime ? '/usr/bin/time -f %M (largest process of the tree)' : 'VmHWM of the brume process, polled every 20 ms',
    };
    const ratios = {
      capture: ratio(report.capture.brume.medianSeconds, report.capture.baseline.medianSeconds, GOALS.capture),
      deploy: ratio(report.deploy.brume.medianSeconds, report.deploy.baseline.medianSeconds, GOALS.deploy),
      stored: ratio(report.stored.brumeBytes, report.stored.zstdBytes, GOALS.stored),
      captureWithFlush: ratio(report.capture.brume.medianSeconds, report.capture.baseline.medianSeconds + report.capture.baseline.medianFlushSeconds, GOALS.capture),
      deployWithFlush: ratio(report.deploy.brume.medianSeconds, report.deploy.baseline.medianSeconds + report.deploy.baseline.medianFlushSeconds, GOALS.deploy),
    };
    const result = { ...report, ratios };
    process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : formatReport(result));
  } finally {
    await cleanup();
  }
}

function record(target: Series, run: Measurement, selfSeconds: number | null, flushSeconds: number | null): void {
  target.seconds.push(run.seconds);
  target.peakRssKiB.push(run.peakRssKiB);
  if (selfSeconds !== null) target.selfSeconds.push(selfSeconds);
  if (flushSeconds !== null) target.flushSeconds.push(flushSeconds);
}

interface Summary {
  seconds: number[];
  medianSeconds: number;
  mbPerSecond: number;
  peakRssKiB: number | null;
  medianSelfSeconds: number | null;
  medianFlushSeconds: number;
}

function summarize(series: Series, rawBytes: number): Summary {
  const medianSeconds = median(series.seconds);
  return {
    seconds: series.seconds.map((value) => round3(value)),
    medianSeconds: round3(medianSeconds),
    mbPerSecond: Math.round((rawBytes / 1e6 / medianSeconds) * 10) / 10,
    peakRssKiB: maxOrNull(series.peakRssKiB),
    medianSelfSeconds: series.selfSeconds.length === 0 ? null : round3(median(series.selfSeconds)),
    medianFlushSeconds: series.flushSeconds.length === 0 ? 0 : round3(median(series.flushSeconds)),
  };
}

interface Ratio {
  value: number;
  goal: number;
  met: boolean;
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;
const ratio = (value: number, reference: number, goal: number): Ratio => ({ value: round3(value / reference), goal, met: value / reference <= goal });

interface Result {
  machine: { cores: number; nproc: number; cpu: string; node: string; partclone: string; zstd: string; loadBefore: number };
  runs: number;
  disk: { sizeBytes: number; partitionBytes: number };
  rawStreamBytes: number;
  capture: { baseline: Summary; brume: Summary };
  deploy: { baseline: Summary; brume: Summary };
  stored: { brumeBytes: number; zstdBytes: number };
  peakRssSource: string;
  ratios: Record<'capture' | 'deploy' | 'stored' | 'captureWithFlush' | 'deployWithFlush', Ratio>;
}

function formatReport(result: Result): string {
  const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
  const rss = (kib: number | null): string => (kib === null ? '-' : `${(kib / 1024).toFixed(0)} MiB`);
  const row = (name: string, summary: Summary, flush: boolean): string =>
    [
      name.padEnd(18),
      `${summary.medianSeconds.toFixed(2)} s`.padStart(9),
      `${summary.mbPerSecond.toFixed(1)} MB/s`.padStart(12),
      rss(summary.peakRssKiB).padStart(9),
      (summary.medianSelfSeconds === null ? '-' : `${summary.medianSelfSeconds.toFixed(2)} s`).padStart(9),
      (flush ? `+${summary.medianFlushSeconds.toFixed(2)} s` : '-').padStart(9),
      `  ${summary.seconds.map((value) => value.toFixed(2)).join(' ')}`,
    ].join(' ');
  const verdict = (name: string, r: Ratio, note = ''): string =>
    `  ${name.padEnd(34)} ${r.value.toFixed(3).padStart(6)}   goal ≤ ${r.goal.toFixed(2)}  ${r.met ? 'met' : 'MISSED'}${note}`;
  const { machine } = result;
  return [
    `machine: ${machine.cores} cores (nproc ${machine.nproc}), ${machine.cpu}; node ${machine.node}; ${machine.partclone}; ${machine.zstd}`,
    `load average (1 min) at the start: ${machine.loadBefore.toFixed(2)}${machine.loadBefore > 0.5 ? ' — something else was running: noisy times' : ''}`,
    `disk: ${mb(result.disk.sizeBytes)} loop disk, ext4 partition ${mb(result.disk.partitionBytes)}; raw partclone stream ${mb(result.rawStreamBytes)} (${result.rawStreamBytes} bytes)`,
    `runs: ${result.runs}, page cache dropped before each; wall times are medians`,
    '',
    `${'pipeline'.padEnd(18)} ${'median'.padStart(9)} ${'raw rate'.padStart(12)} ${'peak RSS'.padStart(9)} ${'self'.padStart(9)} ${'flush'.padStart(9)}   all runs (s)`,
    row('baseline capture', result.capture.baseline, true),
    row('brume capture', result.capture.brume, false),
    row('baseline deploy', result.deploy.baseline, true),
    row('brume deploy', result.deploy.brume, false),
    '',
    `stored: brume ${mb(result.stored.brumeBytes)} (${result.stored.brumeBytes} bytes), zstd -3 ${mb(result.stored.zstdBytes)} (${result.stored.zstdBytes} bytes)`,
    `peak RSS: ${result.peakRssSource}; self: the seconds brume reports itself (no Node start-up); flush: baseline's dirty data written after it exited`,
    '',
    'ratios:',
    verdict('capture brume ÷ baseline', result.ratios.capture),
    verdict('deploy brume ÷ baseline', result.ratios.deploy),
    verdict('stored brume ÷ zstd -3', result.ratios.stored),
    verdict('capture brume ÷ (baseline + flush)', result.ratios.captureWithFlush, '  (information)'),
    verdict('deploy brume ÷ (baseline + flush)', result.ratios.deployWithFlush, '  (information)'),
    '',
  ].join('\n');
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
