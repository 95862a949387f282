// The capture/deploy benchmark: Brume against the plain pipelines it replaces, on the same 1 GiB loop disk (GPT: ESP,
// ext4, NTFS, raw, as the round-trip tests build it), in one run.
//
//   baseline capture  for each partition N: partclone.FS -c -s /dev/loopXpN -o - | zstd -T0 -3 > pN.zst
//   brume capture     bin/brume capture --disk /dev/loopX --to DIR --json
//   baseline deploy   for each partition N: zstd -dc pN.zst | partclone.FS -r -s - -o /dev/loopYpN
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
import { buildGptSample, type SamplePartition } from '../test/support/sample-disks.ts';
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
/** The goals of the issue: wall and CPU ratios to the bare pipelines, the peak RSS, the stored size. */
const GOALS = { capture: 1.0, captureCpu: 1.15, deploy: 0.8, deployCpu: 1.15, peakRssMiB: 256, stored: 1.02 } as const;

/** The partclone each of the sample's filesystems is copied with (Brume's adapters pick the same). */
const TOOLS: Partial<Record<SamplePartition['fs'], string>> = {
  vfat: 'partclone.fat',
  ext4: 'partclone.ext4',
  ntfs: 'partclone.ntfs',
  raw: 'partclone.dd',
};
const toolFor = (partition: SamplePartition): string => {
  const name = TOOLS[partition.fs];
  if (name === undefined) throw new Error(`the bench has no partclone for ${partition.fs}`);
  return name;
};
/** partclone.dd streams raw bytes and takes no -c / -r, as in agent/src/imaging/partclone.ts. */
const modeFlag = (name: string, mode: '-c' | '-r'): string[] => (name === 'partclone.dd' ? [] : [mode]);

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
  // The GPT sample needs its ESP, ext4 and raw partitions, the table's 2 MiB and at least 8 MiB of NTFS.
  if (!Number.isInteger(sizeMiB) || sizeMiB < 300)
    throw new Error(`--size-mib takes an integer of at least 300, not ${values['size-mib']}`);
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

/** A deploy that left a damaged filesystem would have been timed for nothing: the ESP and the ext4 must check clean. */
async function checkFilesystems(disk: LoopDisk, partitions: readonly { number: number; fs: string }[]): Promise<void> {
  for (const partition of partitions) {
    if (partition.fs === 'ext4') await tool('e2fsck', ['-fn', disk.partition(partition.number)]);
    if (partition.fs === 'vfat') await tool('fsck.vfat', ['-n', disk.partition(partition.number)]);
  }
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
    log(
      `building a ${options.sizeMiB} MiB bench disk in ${work} (GPT: ESP, ext4, NTFS, raw; ext4 and NTFS ~60 % used)`,
    );
    const source = await createLoopDisk(work, 'source.img', sizeBytes);
    disks.push(source);
    const sample = await buildGptSample(source, { fillRatio: 0.6 });
    const partitions = sample.partitions.map((partition) => ({
      number: partition.number,
      fs: partition.fs,
      tool: toolFor(partition),
      sizeBytes: partition.sizeBytes,
    }));
    const target = await createLoopDisk(work, 'target.img', sizeBytes);
    disks.push(target);
    const dump = (await tool('sfdisk', ['-d', source.path])).stdout;
    // `sfdisk -d SRC | sfdisk TARGET`, then the partition nodes (no udev here): partclone restores into same-size partitions.
    const prepareTarget = async (): Promise<void> => {
      await tool('partx', ['-d', target.path], { okCodes: [1] });
      await writePartitionTable(target.path, dump);
      await target.refreshPartitions();
    };

    const zstdFile = (number: number): string => join(work, `baseline-p${number}.pc.zst`);
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

    // One bash runs the partitions one after the other, as a technician's script (or FOG) does.
    const baselineCapture = async (): Promise<void> => {
      await Promise.all(partitions.map((partition) => rm(zstdFile(partition.number), { force: true })));
      await settle();
      // The same partclone flags brume passes (-q, -L log): only what happens to the stream differs.
      const steps = partitions.map((partition) => {
        const partclone = [
          partition.tool,
          ...modeFlag(partition.tool, '-c'),
          '-s',
          source.partition(partition.number),
          '-o',
          '-',
          '-q',
          '-L',
          join(logDir, `baseline-capture-p${partition.number}.log`),
        ];
        return `${partclone.map(shellQuote).join(' ')} | zstd -q -T0 -3 > ${shellQuote(zstdFile(partition.number))}`;
      });
      const [command, args] = bash(steps.join(' && '));
      const run = await measure(command, args, context);
      const flushStarted = performance.now();
      await tool(
        'sync',
        partitions.map((partition) => zstdFile(partition.number)),
      );
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
      const steps = partitions.map((partition) => {
        const partclone = [
          partition.tool,
          ...modeFlag(partition.tool, '-r'),
          '-s',
          '-',
          '-o',
          target.partition(partition.number),
          '-q',
          '-L',
          join(logDir, `baseline-restore-p${partition.number}.log`),
        ];
        return `zstd -q -dc ${shellQuote(zstdFile(partition.number))} | ${partclone.map(shellQuote).join(' ')}`;
      });
      const [command, args] = bash(steps.join(' && '));
      const run = await measure(command, args, context);
      const flushStarted = performance.now();
      await tool('blockdev', ['--flushbufs', target.path]);
      record(series.baselineDeploy, run, null, (performance.now() - flushStarted) / 1000);
      await checkFilesystems(target, partitions);
    };
    const brumeDeploy = async (): Promise<void> => {
      await settle();
      const run = await measure(
        BRUME,
        ['deploy', '--from', imageDir, '--disk', target.path, '--yes', '--json', '--log-dir', logDir],
        context,
      );
      record(series.brumeDeploy, run, Number(brumeSummary(run.stdout)['seconds']), null);
      await checkFilesystems(target, partitions);
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
    const zstdFiles = partitions.map((partition) => shellQuote(zstdFile(partition.number))).join(' ');
    const baselineRaw = Number(
      (await tool('bash', ['-c', `set -o pipefail; cat ${zstdFiles} | zstd -q -dc | wc -c`])).stdout.trim(),
    );
    if (baselineRaw !== rawBytes)
      throw new Error(
        `the two captures streamed different byte counts: partclone|zstd ${baselineRaw}, brume ${rawBytes}`,
      );
    const zstdBytes = (
      await Promise.all(partitions.map(async (partition) => (await stat(zstdFile(partition.number))).size))
    ).reduce((sum, size) => sum + size, 0);

    const figures: Omit<Report, 'ratios'> = {
      machine: {
        cores: availableParallelism(),
        nproc: Number((await tool('nproc', [])).stdout.trim()),
        cpu: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        partclone: await toolVersion('partclone.ext4', ['--version']),
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
        partitions: partitions.map(({ number, fs, tool: name, sizeBytes: bytes }) => ({
          number,
          fs,
          tool: name,
          sizeBytes: bytes,
        })),
      },
      rawStreamBytes: rawBytes,
      capture: {
        baseline: summarize(series.baselineCapture, rawBytes),
        brume: summarize(series.brumeCapture, rawBytes),
      },
      deploy: { baseline: summarize(series.baselineDeploy, rawBytes), brume: summarize(series.brumeDeploy, rawBytes) },
      stored: { brumeBytes: await storedFileBytes(imageDir), zstdBytes },
      peakRssSource: useGnuTime
        ? '/usr/bin/time -f %M: the largest single process of the tree'
        : 'VmHWM of the process started, polled every 20 ms',
    };
    const { capture, deploy, stored } = figures;
    const ratios: Ratios = {
      capture: ratio(capture.brume.medianSeconds, capture.baseline.medianSeconds, GOALS.capture),
      captureCpu: cpuRatio(capture.brume, capture.baseline, GOALS.captureCpu),
      deploy: ratio(deploy.brume.medianSeconds, deploy.baseline.medianSeconds, GOALS.deploy),
      deployCpu: cpuRatio(deploy.brume, deploy.baseline, GOALS.deployCpu),
      captureRss: ratio((capture.brume.peakRssKiB ?? Number.NaN) / 1024, 1, GOALS.peakRssMiB),
      deployRss: ratio((deploy.brume.peakRssKiB ?? Number.NaN) / 1024, 1, GOALS.peakRssMiB),
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

type Ratios = Record<
  | 'capture'
  | 'captureCpu'
  | 'deploy'
  | 'deployCpu'
  | 'captureRss'
  | 'deployRss'
  | 'stored'
  | 'captureNet'
  | 'deployNet',
  Ratio
>;

/** `met` is false when a figure could not be measured (NaN): a missing figure never passes. */
const ratio = (value: number, reference: number, goal: number): Ratio => ({
  value: round3(value / reference),
  goal,
  met: value / reference <= goal,
});
const cpuRatio = (brume: Summary, baseline: Summary, goal: number): Ratio =>
  ratio(brume.medianCpuSeconds ?? Number.NaN, baseline.medianCpuSeconds ?? Number.NaN, goal);

interface Report {
  machine: { cores: number; nproc: number; cpu: string; node: string; partclone: string; zstd: string };
  runs: number;
  idle: { limitSeconds: number; waitedSeconds: number; noisyRuns: number };
  disk: { sizeBytes: number; partitions: { number: number; fs: string; tool: string; sizeBytes: number }[] };
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
    `  ${name.padEnd(34)} ${r.value.toFixed(3).padStart(6)}   goal ≤ ${r.goal.toFixed(2)}  ${r.met ? 'MET' : 'MISSED'}${note}`;
  const mib = (name: string, r: Ratio): string =>
    `  ${name.padEnd(34)} ${r.value.toFixed(0).padStart(6)}   goal ≤ ${r.goal.toFixed(0)}   ${r.met ? 'MET' : 'MISSED'}`;
  const { machine, idle, ratios } = report;
  const quiet =
    idle.limitSeconds === 0
      ? 'not waited for'
      : `waited ${idle.waitedSeconds} s in all${idle.noisyRuns > 0 ? `; ${idle.noisyRuns} runs started on a busy machine (noisy)` : ', every run started on an idle machine'}`;
  return [
    `machine: ${machine.cores} cores (nproc ${machine.nproc}), ${machine.cpu}; node ${machine.node}; ${machine.partclone}; ${machine.zstd}`,
    `disk: ${mb(report.disk.sizeBytes)} loop disk, ${report.disk.partitions.map((p) => `p${p.number} ${p.fs} ${mb(p.sizeBytes)}`).join(', ')}; raw partclone streams ${mb(report.rawStreamBytes)} (${report.rawStreamBytes} bytes)`,
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
    verdict('capture wall brume ÷ baseline', ratios.capture),
    verdict('capture CPU brume ÷ baseline', ratios.captureCpu),
    verdict('deploy wall brume ÷ baseline', ratios.deploy),
    verdict('deploy CPU brume ÷ baseline', ratios.deployCpu),
    mib('capture peak RSS (MiB)', ratios.captureRss),
    mib('deploy peak RSS (MiB)', ratios.deployRss),
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
