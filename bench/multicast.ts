// The multicast benchmark: how much longer a room takes than one PC, in a room of network namespaces built
// for the run (test/support/multicast-room.ts; no packet leaves them). Three ways of sending the same image, side by
// side, each timed for 1 receiver then for N:
//
//   udpcast   udp-sender --file F | N × udp-receiver > /dev/null, for each file of the image (the transport alone)
//   brume     brume multicast start … + N × brume agent: deploy verified to N loop disks
//   http      N × brume agent with plain deploy tasks, all at once (what multicast saves)
//
// The goal is brume N ÷ brume 1 ≤ 1.25 (udpcast's own claim: "10 receivers in under twice the time of one"). It also
// prints the bytes each receiver repaired over HTTP. A benchmark reports, it does not assert: it exits 0 once measured.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { createLoopDisk, type LoopDisk } from '../test/support/loop-disk.ts';
import { createRoom, type Room } from '../test/support/multicast-room.ts';
import { buildBenchDisk, buildGptSample } from '../test/support/sample-disks.ts';

const MiB = 1024 * 1024;
const BRUME = resolve(import.meta.dirname, '..', 'bin', 'brume');
const GOAL = 1.25;

const USAGE = `usage: npm run bench:multicast [-- --receivers 4] [--size-mib 512] [--json]   (as root)
  bare udpcast, Brume multicast and Brume over HTTP, for one PC and for N, in a room of network namespaces
`;
const { values } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h', default: false },
    receivers: { type: 'string', default: '4' },
    'size-mib': { type: 'string', default: '512' },
    json: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const receivers = Number(values.receivers);
const sizeMiB = Number(values['size-mib']);
const say = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

const work = mkdtempSync(join(tmpdir(), 'brume-bench-mc-'));
const disks: LoopDisk[] = [];
let room: Room | undefined;
let server: ChildProcess | undefined;

async function main(): Promise<void> {
  room = createRoom(receivers);
  const url = `http://${room.serverAddress}:8080`;
  const data = join(work, 'data');
  server = room.spawn(room.serverNs, BRUME, ['server', '--data', data, '--listen', `${room.serverAddress}:8080`]);
  const listening = createInterface({ input: server.stdout! });
  await new Promise<void>((resolve) => listening.on('line', (line) => line.includes('"msg":"listening"') && resolve()));
  const env = { BRUME_SERVER: url, BRUME_TOKEN: readFileSync(join(data, 'admin.token'), 'utf8').trim() };
  const admin = async <T>(args: string[]): Promise<T> => {
    const run = await room!.run(room!.serverNs, BRUME, [...args, '--json'], env);
    if (run.code !== 0) throw new Error(`brume ${args.join(' ')}: ${run.stderr}`);
    return JSON.parse(run.stdout) as T;
  };
  for (let pc = 1; pc <= receivers; pc++)
    await admin(['host', 'add', `pc-${pc}`, '--mac', `52:54:00:00:0d:${String(pc).padStart(2, '0')}`]);

  say(`capturing a ${sizeMiB} MiB sample disk into image "bench"`);
  const master = await createLoopDisk(work, 'master', sizeMiB * MiB);
  disks.push(master);
  if (sizeMiB >= 1024) await buildBenchDisk(master);
  else await buildGptSample(master);
  const capture = await admin<{ task: { id: number }; token: string }>([
    'task',
    'capture',
    '--host',
    'pc-1',
    '--image',
    'bench',
    '--disk',
    master.path,
  ]);
  await agent(1, capture, master.path);
  const files = readdirSync(join(data, 'images', 'bench'))
    .filter((name) => name.endsWith('.pc.zst'))
    .sort();
  const targets = await Promise.all(
    Array.from({ length: receivers }, async (_, index) => {
      const disk = await createLoopDisk(work, `pc${index + 1}`, sizeMiB * MiB);
      disks.push(disk);
      return disk;
    }),
  );

  const udpcast = async (count: number): Promise<number> => {
    const started = performance.now();
    for (const file of files) {
      const sinks = room!.pcs
        .slice(0, count)
        .map((pc) =>
          room!.spawn(pc.ns, 'udp-receiver', [
            '--nokbd',
            '--interface',
            'eth0',
            '--portbase',
            '9200',
            '--start-timeout',
            '60',
          ]),
        );
      for (const sink of sinks) sink.stdout?.resume();
      const sender = room!.spawn(room!.serverNs, 'udp-sender', [
        '--nokbd',
        '--interface',
        'eth0',
        '--portbase',
        '9200',
        '--min-receivers',
        String(count),
        '--max-bitrate',
        '800m',
        '--nopointopoint',
        '--file',
        join(data, 'images', 'bench', file),
      ]);
      await Promise.all([sender, ...sinks].map((child) => once(child, 'exit')));
    }
    return (performance.now() - started) / 1000;
  };

  const brumeMulticast = async (count: number): Promise<{ seconds: number; repaired: number[] }> => {
    const hosts = Array.from({ length: count }, (_, index) => `pc-${index + 1}`);
    const started = performance.now();
    const session = await admin<{ tasks: { task: { id: number; hostName: string }; token: string }[] }>([
      'multicast',
      'start',
      '--image',
      'bench',
      '--hosts',
      hosts.join(','),
      '--max-wait',
      '30',
    ]);
    await Promise.all(session.tasks.map((created, index) => agent(index + 1, created, targets[index]!.path)));
    const seconds = (performance.now() - started) / 1000;
    const repaired = await Promise.all(
      session.tasks.map(async (created) => {
        const task = await admin<{ result: { multicast?: { repairedBytes: number } } | null }>([
          'task',
          'show',
          String(created.task.id),
        ]);
        return task.result?.multicast?.repairedBytes ?? Number.NaN;
      }),
    );
    return { seconds, repaired };
  };

  const http = async (count: number): Promise<number> => {
    const tasks = [];
    for (let pc = 1; pc <= count; pc++)
      tasks.push(
        await admin<{ task: { id: number }; token: string }>([
          'task',
          'deploy',
          '--host',
          `pc-${pc}`,
          '--image',
          'bench',
        ]),
      );
    const started = performance.now();
    await Promise.all(tasks.map((created, index) => agent(index + 1, created, targets[index]!.path)));
    return (performance.now() - started) / 1000;
  };

  const figures = {
    receivers,
    sizeMiB,
    files: files.length,
    udpcast: { one: 0, many: 0 },
    brume: { one: 0, many: 0, repairedBytes: [] as number[] },
    http: { one: 0, many: 0 },
  };
  say('udpcast, 1 receiver');
  figures.udpcast.one = await udpcast(1);
  say(`udpcast, ${receivers} receivers`);
  figures.udpcast.many = await udpcast(receivers);
  say('brume multicast, 1 receiver');
  figures.brume.one = (await brumeMulticast(1)).seconds;
  say(`brume multicast, ${receivers} receivers`);
  const many = await brumeMulticast(receivers);
  figures.brume.many = many.seconds;
  figures.brume.repairedBytes = many.repaired;
  say('http, 1 deploy');
  figures.http.one = await http(1);
  say(`http, ${receivers} deploys at once`);
  figures.http.many = await http(receivers);

  const ratio = (side: { one: number; many: number }): number => Math.round((side.many / side.one) * 100) / 100;
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ ...figures, ratios: { udpcast: ratio(figures.udpcast), brume: ratio(figures.brume), http: ratio(figures.http) }, goal: GOAL })}\n`,
    );
    return;
  }
  const row = (name: string, side: { one: number; many: number }): string =>
    `${name.padEnd(18)} ${side.one.toFixed(1).padStart(8)} s ${side.many.toFixed(1).padStart(8)} s ${ratio(side).toFixed(2).padStart(8)}`;
  process.stdout.write(
    [
      `multicast benchmark: image of a ${sizeMiB} MiB disk (${files.length} partition files), ${receivers} receivers; server and PCs in network namespaces on one bridge, all on this machine's CPUs`,
      `${''.padEnd(18)} ${'1 PC'.padStart(10)} ${`${receivers} PCs`.padStart(10)} ${'ratio'.padStart(8)}`,
      row('udpcast (bare)', figures.udpcast),
      row('brume multicast', figures.brume),
      row('brume over http', figures.http),
      `goal: brume ${receivers} ÷ 1 ≤ ${GOAL}: ${ratio(figures.brume) <= GOAL ? 'met' : 'MISSED'}`,
      `bytes repaired over HTTP per receiver: ${figures.brume.repairedBytes.join(', ')}`,
      '',
    ].join('\n'),
  );
}

/** One PC's agent, in its namespace, to its end. */
async function agent(pc: number, created: { task: { id: number }; token: string }, disk: string): Promise<void> {
  const run = await room!.run(room!.pcs[pc - 1]!.ns, BRUME, [
    'agent',
    '--server',
    `http://${room!.serverAddress}:8080`,
    '--task',
    String(created.task.id),
    '--token',
    created.token,
    '--disk',
    disk,
    '--json',
    '--log-dir',
    mkdtempSync(join(work, 'logs-')),
  ]);
  if (run.code !== 0) throw new Error(`agent on pc-${pc}: exit ${run.code}\n${run.stderr.slice(-2000)}`);
}

try {
  await main();
} finally {
  server?.kill('SIGTERM');
  await room?.destroy();
  for (const disk of disks) await disk.detach();
  rmSync(work, { recursive: true, force: true });
}
