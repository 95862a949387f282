// The server benchmark: Brume over HTTP against the bare tools, in one run, on this machine's loopback.
//
//   capture   brume agent → brume server (loopback)      ÷  partclone.ext4 -c -s P -o - | zstd -T0 -3 > file    goal ≤ 1.0
//   deploy    brume agent ← brume server (loopback)      ÷  zstd -dc file | partclone.ext4 -r -s - -o P         goal ≤ 1.0
//   download  curl GET /api/v1/images/N/files/F          ÷  curl of the same file from nginx (Debian's)         goal ≥ 0.8
//   progress  N simulated agents, one event a second each: p99 latency (goal < 50 ms), server CPU (goal < 1 core)
//
// Caches are dropped before every timed capture/deploy; downloads are timed warm (both servers read the page cache).
// It reports and never fails on a missed goal. Needs root (loop devices, drop_caches). See bench/README.md.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { createLoopDisk, type LoopDisk } from '../test/support/loop-disk.ts';
import { writePartitionTable } from '../test/support/partition-table.ts';
import { buildBenchDisk } from '../test/support/sample-disks.ts';
import { apiClient, freePort, startServerProcess, type ServerProcess } from '../test/support/server-process.ts';
import { tool } from '../test/support/tools.ts';
import { bash, dropCaches, measure, median, round3, shellQuote, waitForIdle } from './lib/measure.ts';

const MiB = 1024 * 1024;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BRUME = join(ROOT, 'bin', 'brume');
const NODE = join(ROOT, '.tools', 'node', 'bin', 'node');
const PARTCLONE = 'partclone.ext4';
const run = promisify(execFile);
const log = (text: string): void => void process.stderr.write(`bench: ${text}\n`);

interface Options {
  runs: number;
  sizeMiB: number;
  agents: number;
  seconds: number;
  downloads: number;
  idleWaitSeconds: number;
  dir: string;
  json: boolean;
}

const USAGE = `usage: npm run bench:server [-- --runs 2] [--size-mib 1024] [--agents 1000] [--seconds 60] [--downloads 5]
                              [--idle-wait 60] [--dir DIR] [--json]   (as root)
  Brume over HTTP on loopback against the bare tools and nginx, and 1000 simulated agents; see bench/README.md
`;

/** The options, or null when the user asked for the usage (--help). */
function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      runs: { type: 'string', default: '2' },
      'size-mib': { type: 'string', default: '1024' },
      agents: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '60' },
      downloads: { type: 'string', default: '5' },
      'idle-wait': { type: 'string', default: '60' },
      dir: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const integer = (name: string, text: string | undefined, min: number): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} takes an integer ≥ ${min}, not ${text}`);
    return value;
  };
  return {
    runs: integer('runs', values.runs, 1),
    sizeMiB: integer('size-mib', values['size-mib'], 64),
    agents: integer('agents', values.agents, 1),
    seconds: integer('seconds', values.seconds, 1),
    downloads: integer('downloads', values.downloads, 1),
    idleWaitSeconds: integer('idle-wait', values['idle-wait'], 0),
    dir: resolve(values.dir ?? tmpdir()),
    json: values.json,
  };
}

type Admin = ReturnType<typeof apiClient>;

async function expectOk<T>(answer: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const { status, body } = await answer;
  if (status >= 300) throw new Error(`${what}: HTTP ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Runs `brume agent` for a task under the timer, and checks the server recorded it as done. */
async function timedAgent(
  server: ServerProcess,
  admin: Admin,
  task: { id: number; token: string },
  disk: string,
  scratch: string,
): Promise<number> {
  const args = [
    'agent',
    '--server',
    server.url,
    '--task',
    String(task.id),
    '--token',
    task.token,
    '--disk',
    disk,
    '--json',
  ];
  const measured = await measure(BRUME, args, { useGnuTime: false, scratch, clockTicks: 100 });
  const state = (await expectOk(admin.get<{ state: string }>(`/tasks/${task.id}`), 'task show')).state;
  if (state !== 'done') throw new Error(`task ${task.id} ended ${state}`);
  return measured.seconds;
}

/** Bytes per second of one curl download, the file read from the page cache by whichever server. */
async function curlRate(url: string, headers: string[]): Promise<number> {
  const { stdout } = await run('curl', [
    '-sS',
    '--fail',
    '-o',
    '/dev/null',
    '-w',
    '%{size_download} %{time_total}',
    ...headers.flatMap((h) => ['-H', h]),
    url,
  ]);
  const [bytes = 0, seconds = 1] = stdout.trim().split(' ').map(Number);
  return bytes / seconds;
}

async function startNginx(work: string, root: string): Promise<{ url: string; stop(): Promise<void> }> {
  const missing = [
    ['/usr/sbin/nginx', 'nginx-light'],
    ['/usr/bin/curl', 'curl'],
  ]
    .filter(([path]) => !existsSync(path ?? ''))
    .map(([, pkg]) => pkg ?? '');
  if (missing.length > 0) {
    log(`installing ${missing.join(' ')} (Debian) for the download comparison`);
    await tool('apt-get', ['update', '-qq']);
    await tool('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
      env: { DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  const prefix = join(work, 'nginx');
  await mkdir(join(prefix, 'logs'), { recursive: true });
  const port = await freePort();
  // What a tuned static file server does by default: sendfile, no access log, one worker per core. `user root`: the
  // benchmark's directory is private to root (mkdtemp), and nginx would otherwise read it as nobody.
  const conf = `daemon off; user root; worker_processes auto; pid ${prefix}/nginx.pid; error_log ${prefix}/logs/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; types { } default_type application/octet-stream;
  server { listen 127.0.0.1:${port}; root ${root}; } }\n`;
  await writeFile(join(prefix, 'nginx.conf'), conf);
  const child = spawn('/usr/sbin/nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 50; attempt++) {
    if (
      await run('curl', ['-sS', '-o', '/dev/null', `http://127.0.0.1:${port}/`]).then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((done) => setTimeout(done, 100));
  }
  return { url: `http://127.0.0.1:${port}`, stop: async () => void child.kill('SIGQUIT') };
}

async function processCpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function progressLoad(server: ServerProcess, admin: Admin, image: string, options: Options, work: string) {
  log(`progress load: creating ${options.agents} hosts and deploy tasks`);
  const tasks: Array<{ id: number; token: string }> = [];
  for (let index = 0; index < options.agents; index++) {
    const mac = `02:00:00:${[index >> 16, index >> 8, index].map((byte) => (byte & 0xff).toString(16).padStart(2, '0')).join(':')}`;
    await expectOk(admin.post('/hosts', { name: `load-${index}`, macs: [mac] }), 'host add');
    tasks.push(await admin.createTask('deploy', `load-${index}`, image));
  }
  const tasksFile = join(work, 'load-tasks.json');
  await writeFile(tasksFile, JSON.stringify(tasks));
  const pid = server.process.pid ?? 0;
  const cpuBefore = await processCpuSeconds(pid);
  const started = performance.now();
  log(`progress load: ${options.agents} agents × 1 event/s for ${options.seconds} s`);
  const { stdout } = await run(
    NODE,
    [join(ROOT, 'bench', 'lib', 'progress-load.ts'), server.url, tasksFile, String(options.seconds)],
    { maxBuffer: 16 * MiB },
  );
  const wall = (performance.now() - started) / 1000;
  const serverCores = (await processCpuSeconds(pid)) - cpuBefore;
  return { ...(JSON.parse(stdout) as Record<string, unknown>), serverCores: round3(serverCores / wall) };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === null) return void process.stdout.write(USAGE);
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root: loop devices and /proc/sys/vm/drop_caches');
  const work = await mkdtemp(join(options.dir, 'brume-bench-server-'));
  const disks: LoopDisk[] = [];
  let server: ServerProcess | undefined;
  let nginx: { stop(): Promise<void> } | undefined;
  const cleanup = async (): Promise<void> => {
    await nginx?.stop();
    await server?.stop();
    for (const disk of disks.splice(0)) await disk.detach().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  };
  try {
    log(`building a ${options.sizeMiB} MiB bench disk (GPT, one ext4 partition, ~60 % used)`);
    const source = await createLoopDisk(work, 'source.img', options.sizeMiB * MiB);
    disks.push(source);
    await buildBenchDisk(source);
    const target = await createLoopDisk(work, 'target.img', options.sizeMiB * MiB);
    disks.push(target);
    const dump = (await tool('sfdisk', ['-d', source.path])).stdout;
    const scratch = join(work, 'scratch');
    await mkdir(scratch);
    const dataDir = join(work, 'server');
    server = await startServerProcess(dataDir);
    const admin = apiClient(server.url, server.adminToken);
    await expectOk(admin.post('/hosts', { name: 'bench-source', macs: ['02:00:00:aa:00:01'] }), 'host add');
    await expectOk(admin.post('/hosts', { name: 'bench-target', macs: ['02:00:00:aa:00:02'] }), 'host add');

    const zstdFile = join(work, 'baseline.pc.zst');
    const context = { useGnuTime: false, scratch, clockTicks: 100 };
    const times = {
      baselineCapture: [] as number[],
      brumeCapture: [] as number[],
      baselineDeploy: [] as number[],
      brumeDeploy: [] as number[],
    };
    const settle = async (): Promise<void> => {
      await dropCaches();
      await waitForIdle(options.idleWaitSeconds);
    };
    for (let round = 1; round <= options.runs; round++) {
      log(`run ${round}/${options.runs}: capture`);
      await rm(zstdFile, { force: true });
      await settle();
      const capture = [PARTCLONE, '-c', '-s', source.partition(1), '-o', '-', '-q', '-L', join(scratch, 'c.log')]
        .map(shellQuote)
        .join(' ');
      times.baselineCapture.push(
        (await measure(...bash(`${capture} | zstd -q -T0 -3 > ${shellQuote(zstdFile)}`), context)).seconds,
      );
      await settle();
      times.brumeCapture.push(
        await timedAgent(
          server,
          admin,
          await admin.createTask('capture', 'bench-source', `bench-${round}`),
          source.path,
          scratch,
        ),
      );

      log(`run ${round}/${options.runs}: deploy`);
      await tool('partx', ['-d', target.path], { okCodes: [1] });
      await writePartitionTable(target.path, dump);
      await target.refreshPartitions();
      await settle();
      const restore = [PARTCLONE, '-r', '-s', '-', '-o', target.partition(1), '-q', '-L', join(scratch, 'r.log')]
        .map(shellQuote)
        .join(' ');
      times.baselineDeploy.push(
        (await measure(...bash(`zstd -q -dc ${shellQuote(zstdFile)} | ${restore}`), context)).seconds,
      );
      await tool('e2fsck', ['-fn', target.partition(1)]);
      await settle();
      times.brumeDeploy.push(
        await timedAgent(
          server,
          admin,
          await admin.createTask('deploy', 'bench-target', 'bench-1'),
          target.path,
          scratch,
        ),
      );
      await tool('e2fsck', ['-fn', target.partition(1)]);
      log(
        `run ${round}: ${Object.entries(times)
          .map(([key, values]) => `${key} ${values.at(-1)?.toFixed(2)} s`)
          .join(', ')}`,
      );
    }

    log('download: brume server against nginx, the same file, warm cache');
    const imageDir = join(dataDir, 'images', 'bench-1');
    const files = await Promise.all(
      (await readdir(imageDir)).map(async (name) => ({ name, bytes: (await stat(join(imageDir, name))).size })),
    );
    const biggest = files.sort((a, b) => b.bytes - a.bytes)[0];
    if (biggest === undefined) throw new Error(`${imageDir} is empty`);
    const started = await startNginx(work, join(dataDir, 'images'));
    nginx = started;
    const brumeUrl = `${server.url}/api/v1/images/bench-1/files/${biggest.name}`;
    const nginxUrl = `${started.url}/bench-1/${biggest.name}`;
    const auth = [`Authorization: Bearer ${server.adminToken}`];
    await curlRate(brumeUrl, auth);
    await curlRate(nginxUrl, []);
    const rates = { brume: [] as number[], nginx: [] as number[] };
    for (let index = 0; index < options.downloads; index++) {
      rates.brume.push(await curlRate(brumeUrl, auth));
      rates.nginx.push(await curlRate(nginxUrl, []));
    }

    const load = await progressLoad(server, admin, 'bench-1', options, work);
    const report = {
      machine: { cores: availableParallelism(), node: process.version },
      runs: options.runs,
      seconds: Object.fromEntries(Object.entries(times).map(([key, values]) => [key, values.map(round3)])),
      download: {
        file: biggest.name,
        bytes: biggest.bytes,
        brumeMBps: round3(median(rates.brume) / 1e6),
        nginxMBps: round3(median(rates.nginx) / 1e6),
      },
      progress: load,
      ratios: {
        capture: { value: round3(median(times.brumeCapture) / median(times.baselineCapture)), goal: '≤ 1.0' },
        deploy: { value: round3(median(times.brumeDeploy) / median(times.baselineDeploy)), goal: '≤ 1.0' },
        download: { value: round3(median(rates.brume) / median(rates.nginx)), goal: '≥ 0.8' },
      },
    };
    process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  } finally {
    await cleanup();
  }
}

function formatReport(report: {
  seconds: Record<string, number[]>;
  download: Record<string, unknown>;
  progress: Record<string, unknown>;
  ratios: Record<string, { value: number; goal: string }>;
}): string {
  const latency = report.progress['latencyMs'] as Record<string, number>;
  const lines = [
    'wall seconds per run:',
    ...Object.entries(report.seconds).map(([key, values]) => `  ${key.padEnd(16)} ${values.join('  ')}`),
    `download ${String(report.download['file'])} (${String(report.download['bytes'])} bytes): brume ${String(report.download['brumeMBps'])} MB/s, nginx ${String(report.download['nginxMBps'])} MB/s`,
    `progress: ${String(report.progress['agents'])} agents for ${String(report.progress['seconds'])} s, ${String(report.progress['ok'])}/${String(report.progress['requests'])} ok, failures ${JSON.stringify(report.progress['failures'])}`,
    `  latency ms p50 ${latency['p50']} p90 ${latency['p90']} p99 ${latency['p99']} max ${latency['max']} (goal p99 < 50); server CPU ${String(report.progress['serverCores'])} cores (goal < 1)`,
    'ratios (of medians):',
    ...Object.entries(report.ratios).map(
      ([key, ratio]) => `  ${key.padEnd(10)} ${ratio.value.toFixed(3)}  goal ${ratio.goal}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

await main();
