// The capture/deploy benchmark: Brume against the plain pipelines it replaces, on the same 1 GiB loop disk, in one run.
//
//   baseline capture  partclone.ext4 -c -s /dev/loopXp1 -o - | zstd -T0 -3 > file
//   brume capture     bin/brume capture --disk /dev/loopX --to DIR --json
//   baseline deploy   zstd -dc file | partclone.ext4 -r -s - -o /dev/loopYp1
//   brume deploy      bin/brume deploy --from DIR --disk /dev/loopY --yes --json
//
// Every measurement starts with `sync; echo 3 > /proc/sys/vm/drop_caches`, so both sides read the disk cold, and (unless
// --idle-wait 0) waits for the machine to be idle. The medians of N runs are compared; the benchmark reports the goals and
// whether they were met, it never fails on a missed one. Needs root (loop devices, drop_caches); see bench/README.md.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLoopDisk, type LoopDisk } from '../test/support/loop-disk.ts';
import { writePartitionTable } from '../test/support/partition-table.ts';
import { buildBenchDisk } from '../test/support/sample-disks.ts';
import { tool } from '../test/support/tools.ts';
import {
  bash,
  dropCaches,
  known,
  measure,
  median,
  medianOrNull,
  round3,
  shellQuote,
  waitForIdle,
  type Measurement,
} from './lib/measure.ts';

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
  idleWaitSeconds: number;
}

interface Series {
  runs: Measurement[];
  /** What brume itself reported (`summary.seconds`): its wall time minus Node's start-up and module loading. */
  selfSeconds: number[];
  /** Baselines only: the time to flush what the pipeline left dirty (`sync FILE`, `blockdev --flushbufs`), measured right after. */
  flushSeconds: number[];
}

const newSeries = (): Series => ({ runs: [], selfSeconds: [], flushSeconds: [] });

const USAGE = `usage: npm run bench [-- --runs 3] [--dir DIR] [--json] [--idle-wait 300] [--size-mib 1024]   (as root)
  Brume's capture and deploy against the bare partclone | zstd pipelines on one loop disk; see bench/README.md
`;

/** The options, or null when the user asked for the usage (--help). */
function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      runs: { type: 'string', default: '3' },
      dir: { type: 'string' },
      json: { type: 'boolean', default: false },
      'size-mib': { type: 'string', default: '1024' },
      'idle-wait': { type: 'string', default: '300' },
    },
  });
  if (values.help) return null;
  const runs = Number(values.runs);
  const sizeMiB = Number(values['size-mib']);
  const idleWaitSeconds = Number(values['idle-wait']);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a positive integer, not ${values.runs}`);
  if (!Number.isInteger(sizeMiB) || sizeMiB < 64)
    throw new Error(`--size-mib takes an integer of at least 64, not ${values['size-mib']}`);
  if (!Number.isFinite(idleWaitSeconds) || idleWaitSeconds < 0)
    throw new Error(`--idle-wait takes a number of seconds, not ${values['idle-wait']}`);
  return { runs, dir: resolve(values.dir ?? tmpdir()), json: values.json, sizeMiB, idleWaitSeconds };
}

const log = (text: string): void => void process.stderr.write(`bench: ${text}\n`);

/** The `result` event that ends brume's NDJSON output. */
function brumeSummary(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  for (const line of lines.reverse()) {
    const event = JSON.parse(line) as { type?: string; state?: string; summary?: Record<string, unknown> };
    if (event.type === 'result' && event.state === 'done' && event.summary !== undefined) return event.summary;
  }
  throw new Error(`brume printed no successful result event:\n${stdout.slice(-2000)}`);
}

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
  return line
    .replace(/^\*+\s*|\s*\*+$/g, '')
    .replace(/\s*:\s*/, ' ')
    .trim();
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === null) return void process.stdout.write(USAGE);
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root: loop devices and /proc/sys/vm/drop_caches');
  const useGnuTime = existsSync(GNU_TIME);
  const clockTicks = Number((await tool('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
  const work = await mkdtemp(join(options.dir, 'brume-bench-'));
  const disks: LoopDisk[] = [];
  const cleanup = async (): Promise<void> => {
    for (const disk of disks.splice(0))
      await disk.detach().catch((error: unknown) => log(`could not detach ${disk.path}: ${String(error)}`));
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
    // `sfdisk -d SRC | sfdisk TARGET`, then the partition nodes (no udev here): partclone restores into a same-size p1.
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
    const context = { useGnuTime, scratch, clockTicks };
    const series = {
      baselineCapture: newSeries(),
      brumeCapture: newSeries(),
      baselineDeploy: newSeries(),
      brumeDeploy: newSeries(),
    };
    const idle = { waitedSeconds: 0, gaveUp: 0 };
    let rawBytes = 0;

    /** Cold caches and (if asked) a quiet machine: the last thing before the clock starts. */
    const settle = async (): Promise<void> => {
      await dropCaches();
      const wait = await waitForIdle(options.idleWaitSeconds);
      idle.waitedSeconds += wait.waited;
      if (wait.gaveUp) {
        idle.gaveUp++;
        log(`the machine stayed busy for ${options.idleWaitSeconds} s: measuring anyway, this run is noisy`);
      } else if (wait.waited > 5) log(`waited ${wait.waited.toFixed(0)} s for the machine to be idle`);
    };

    const baselineCapture = async (): Promise<void> => {
      await rm(zstdFile, { force: true });
      await settle();
      // The same partclone flags brume passes (-q, -L log): only what happens to the stream differs.
      const partclone = [
        PARTCLONE,
        '-c',
        '-s',
        source.partition(1),
        '-o',
        '-',
        '-q',
        '-L',
        join(logDir, 'baseline-capture.log'),
      ]
        .map(shellQuote)
        .join(' ');
      const [command, args] = bash(`${partclone} | zstd -q -T0 -3 > ${shellQuote(zstdFile)}`);
      const run = await measure(command, args, context);
      const flushStarted = performance.now();
      await tool('sync', [zstdFile]);
      record(series.baselineCapture, run, null, (performance.now() - flushStarted) / 1000);
    };
    const brumeCapture = async (): Promise<void> => {
      await rm(imageDir, { recursive: true, force: true });
      await settle();
      const run = await measure(
        BRUME,
        ['capture', '--disk', source.path, '--to', imageDir, '--json', '--log-dir', logDir],
        context,
      );
      const summary = brumeSummary(run.stdout);
      rawBytes = Number(summary['rawBytes']);
      record(series.brumeCapture, run, Number(summary['seconds']), null);
    };
    const baselineDeploy = async (): Promise<void> => {
      await prepareTarget();
      await settle();
      const partclone = [
        PARTCLONE,
        '-r',
        '-s',
        '-',
        '-o',
        target.partition(1),
        '-q',
        '-L',
        join(logDir, 'baseline-restore.log'),
      ]
        .map(shellQuote)
        .join(' ');
      const [command, args] = bash(`zstd -q -dc ${shellQuote(zstdFile)} | ${partclone}`);
      const run = await measure(command, args, context);
      const flushStarted = performance.now();
      await tool('blockdev', ['--flushbufs', target.partition(1)]);
      record(series.baselineDeploy, run, null, (performance.now() - flushStarted) / 1000);
      await checkFilesystem(target.partition(1));
    };
    const brumeDeploy = async (): Promise<void> => {
      await settle();
      const run = await measure(
        BRUME,
        ['deploy', '--from', imageDir, '--disk', target.path, '--yes', '--json', '--log-dir', logDir],
        context,
      );
      record(series.brumeDeploy, run, Number(brumeSummary(run.stdout)['seconds']), null);
      await checkFilesystem(target.partition(1));
    };

    for (let round = 1; round <= options.runs; round++) {
      // Alternate which side goes first, so neither always runs right after the other's writes.
      const brumeFirst = round % 2 === 0;
      log(`run ${round}/${options.runs}: capture`);
      for (const step of brumeFirst ? [brumeCapture, baselineCapture] : [baselineCapture, brumeCapture]) await step();
      log(`run ${round}/${options.runs}: deploy`);
      for (const step of brumeFirst ? [brumeDeploy, baselineDeploy] : [baselineDeploy, brumeDeploy]) await step();
    }

    // Both pipelines must have streamed the same bytes, or the comparison means nothing.
    const baselineRaw = Number(
      (await tool('bash', ['-c', `set -o pipefail; zstd -q -dc ${shellQuote(zstdFile)} | wc -c`])).stdout.trim(),
    );
    if (baselineRaw !== rawBytes)
      throw new Error(
        `the two captures streamed different byte counts: partclone|zstd ${baselineRaw}, brume ${rawBytes}`,
      );

    const figures: Omit<Report, 'ratios'> = {
      machine: {
        cores: availableParallelism(),
        nproc: Number((await tool('nproc', [])).stdout.trim()),
        cpu: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        partclone: await toolVersion(PARTCLONE, ['--version']),
        zstd: await toolVersion('zstd', ['--version']),
      },
      runs: options.runs,
      idle: {
        limitSeconds: options.idleWaitSeconds,
        waitedSeconds: Math.round(idle.waitedSeconds),
        noisyRuns: idle.gaveUp,
      },
      disk: {
        sizeBytes,
        partitionBytes: Number((await tool('blockdev', ['--getsize64', source.partition(1)])).stdout.trim()),
      },
      rawStreamBytes: rawBytes,
      capture: {
        baseline: summarize(series.baselineCapture, rawBytes),
        brume: summarize(series.brumeCapture, rawBytes),
      },
      deploy: { baseline: summarize(series.baselineDeploy, rawBytes), brume: summarize(series.brumeDeploy, rawBytes) },
      stored: { brumeBytes: await storedFileBytes(imageDir), zstdBytes: (await stat(zstdFile)).size },
      peakRssSource: useGnuTime
        ? '/usr/bin/time -f %M: the largest single process of the tree'
        : 'VmHWM of the process started, polled every 20 ms',
    };
    const { capture, deploy, stored } = figures;
    const ratios: Ratios = {
      capture: ratio(capture.brume.medianSeconds, capture.baseline.medianSeconds, GOALS.capture),
      deploy: ratio(deploy.brume.medianSeconds, deploy.baseline.medianSeconds, GOALS.deploy),
      stored: ratio(stored.brumeBytes, stored.zstdBytes, GOALS.stored),
      captureNet: ratio(capture.brume.medianNetSeconds, capture.baseline.medianNetSeconds, GOALS.capture),
      deployNet: ratio(deploy.brume.medianNetSeconds, deploy.baseline.medianNetSeconds, GOALS.deploy),
    };
    const report: Report = { ...figures, ratios };
    process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  } finally {
    await cleanup();
  }
}

function record(target: Series, run: Measurement, selfSeconds: number | null, flushSeconds: number | null): void {
  target.runs.push(run);
  if (selfSeconds !== null) target.selfSeconds.push(selfSeconds);
  if (flushSeconds !== null) target.flushSeconds.push(flushSeconds);
}

interface Summary {
  seconds: number[];
  medianSeconds: number;
  /** Raw stream bytes (10^6) per second of the median wall time. */
  mbPerSecond: number;
  peakRssKiB: number | null;
  medianCpuSeconds: number | null;
  medianMachineCpuSeconds: number;
  medianSelfSeconds: number | null;
  medianFlushSeconds: number;
  /** partclone's wait for its progress thread (median), and the median of wall time minus that wait. */
  medianPartcloneWaitSeconds: number | null;
  medianNetSeconds: number;
}

function summarize(series: Series, rawBytes: number): Summary {
  const seconds = series.runs.map((run) => run.seconds);
  const medianSeconds = median(seconds);
  const rss = known(series.runs.map((run) => run.peakRssKiB));
  return {
    seconds: seconds.map(round3),
    medianSeconds: round3(medianSeconds),
    mbPerSecond: Math.round((rawBytes / 1e6 / medianSeconds) * 10) / 10,
    peakRssKiB: rss.length === 0 ? null : Math.max(...rss),
    medianCpuSeconds: medianOrNull(series.runs.map((run) => run.cpuSeconds)),
    medianMachineCpuSeconds: round3(median(series.runs.map((run) => run.machineCpuSeconds))),
    medianSelfSeconds: medianOrNull(series.selfSeconds),
    medianFlushSeconds: series.flushSeconds.length === 0 ? 0 : round3(median(series.flushSeconds)),
    medianPartcloneWaitSeconds: medianOrNull(series.runs.map((run) => run.partcloneWaitSeconds)),
    medianNetSeconds: round3(median(series.runs.map((run) => run.seconds - (run.partcloneWaitSeconds ?? 0)))),
  };
}

interface Ratio {
  value: number;
  goal: number;
  met: boolean;
}

type Ratios = Record<'capture' | 'deploy' | 'stored' | 'captureNet' | 'deployNet', Ratio>;

const ratio = (value: number, reference: number, goal: number): Ratio => ({
  value: round3(value / reference),
  goal,
  met: value / reference <= goal,
});

interface Report {
  machine: { cores: number; nproc: number; cpu: string; node: string; partclone: string; zstd: string };
  runs: number;
  idle: { limitSeconds: number; waitedSeconds: number; noisyRuns: number };
  disk: { sizeBytes: number; partitionBytes: number };
  rawStreamBytes: number;
  capture: { baseline: Summary; brume: Summary };
  deploy: { baseline: Summary; brume: Summary };
  stored: { brumeBytes: number; zstdBytes: number };
  peakRssSource: string;
  ratios: Ratios;
}

function formatReport(report: Report): string {
  const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
  const secs = (value: number | null): string => (value === null ? '-' : value.toFixed(2));
  const columns: [string, number][] = [
    ['', 16],
    ['wall s', 7],
    ['MB/s', 6],
    ['pc wait', 7],
    ['net s', 6],
    ['CPU s', 6],
    ['machine', 7],
    ['peak RSS', 8],
    ['self s', 6],
    ['flush', 6],
  ];
  const line = (cells: string[]): string =>
    cells
      .map((cell, index) => (index === 0 ? cell.padEnd(columns[0]?.[1] ?? 0) : cell.padStart(columns[index]?.[1] ?? 0)))
      .join('  ');
  const row = (name: string, summary: Summary, flush: boolean): string =>
    `${line([
      name,
      secs(summary.medianSeconds),
      summary.mbPerSecond.toFixed(1),
      secs(summary.medianPartcloneWaitSeconds),
      secs(summary.medianNetSeconds),
      secs(summary.medianCpuSeconds),
      secs(summary.medianMachineCpuSeconds),
      summary.peakRssKiB === null ? '-' : `${(summary.peakRssKiB / 1024).toFixed(0)} MiB`,
      secs(summary.medianSelfSeconds),
      flush ? `+${secs(summary.medianFlushSeconds)}` : '-',
    ])}   runs: ${summary.seconds.map((value) => value.toFixed(2)).join(' ')}`;
  const verdict = (name: string, r: Ratio, note = ''): string =>
    `  ${name.padEnd(34)} ${r.value.toFixed(3).padStart(6)}   goal ≤ ${r.goal.toFixed(2)}  ${r.met ? 'met' : 'MISSED'}${note}`;
  const { machine, idle, ratios } = report;
  const quiet =
    idle.limitSeconds === 0
      ? 'not waited for'
      : `waited ${idle.waitedSeconds} s in all${idle.noisyRuns > 0 ? `; ${idle.noisyRuns} runs started on a busy machine (noisy)` : ', every run started on an idle machine'}`;
  return [
    `machine: ${machine.cores} cores (nproc ${machine.nproc}), ${machine.cpu}; node ${machine.node}; ${machine.partclone}; ${machine.zstd}`,
    `disk: ${mb(report.disk.sizeBytes)} loop disk, ext4 partition ${mb(report.disk.partitionBytes)}; raw partclone stream ${mb(report.rawStreamBytes)} (${report.rawStreamBytes} bytes)`,
    `runs: ${report.runs} of each, page cache dropped before each; idle machine: ${quiet}`,
    '',
    line(columns.map(([title]) => title)),
    row('baseline capture', report.capture.baseline, true),
    row('brume capture', report.capture.brume, false),
    row('baseline deploy', report.deploy.baseline, true),
    row('brume deploy', report.deploy.brume, false),
    '',
    'medians. MB/s: raw stream bytes per wall second. pc wait: partclone idle in pthread_join on its progress thread (up to 2 s);',
    'net: wall minus that wait. CPU: user+sys of the process tree; machine: busy CPU of the whole machine meanwhile (kernel I/O included).',
    `peak RSS: ${report.peakRssSource}. self: brume's own timer (no Node start-up). flush: the baseline's dirty data, synced after it exited.`,
    '',
    `stored: brume ${mb(report.stored.brumeBytes)} (${report.stored.brumeBytes} bytes), plain zstd -3 ${mb(report.stored.zstdBytes)} (${report.stored.zstdBytes} bytes)`,
    '',
    'ratios (of medians):',
    verdict('capture brume ÷ baseline', ratios.capture),
    verdict('deploy brume ÷ baseline', ratios.deploy),
    verdict('stored brume ÷ plain zstd -3', ratios.stored),
    verdict('capture, net of partclone wait', ratios.captureNet, '  (for information)'),
    verdict('deploy, net of partclone wait', ratios.deployNet, '  (for information)'),
    '',
  ].join('\n');
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
