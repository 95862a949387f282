// Multicast deploys in a room of network namespaces this test builds (test/support/multicast-room.ts): the
// real server in its namespace runs udp-sender, each PC's `brume agent` in its own runs udp-receiver, every disk a loop
// device. No packet leaves the namespaces.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MulticastSession, MulticastStarted, Task, type TaskCreated } from '@brume/protocol';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { createRoom, type Room } from '../support/multicast-room.ts';
import { startTmux } from '../support/tmux.ts';
import { compareWithSample } from '../support/sample-check.ts';
import { buildGptSample, buildMbrSample, type SampleDisk } from '../support/sample-disks.ts';

const MiB = 1024 * 1024;
const brume = resolve(import.meta.dirname, '../../bin/brume');
const work = mkdtempSync(join(tmpdir(), 'brume-multicast-'));
const disks: LoopDisk[] = [];
let room: Room;
let server: ChildProcess;
let url = '';
let token = '';
let gpt: SampleDisk;
let mbr: SampleDisk;

/** The admin CLI, run in the server's namespace (the only place the server can be reached from). */
async function admin<T>(args: string[]): Promise<T> {
  const run = await room.run(room.serverNs, brume, [...args, '--json'], { BRUME_SERVER: url, BRUME_TOKEN: token });
  if (run.code !== 0) throw new Error(`brume ${args.join(' ')}: exit ${run.code}\n${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

interface AgentRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; stderr: string }>;
}

/** A PC's agent running its task in its namespace, on its loop disk. */
function startAgent(pc: number, created: TaskCreated, disk: LoopDisk): AgentRun {
  const child = room.spawn(room.pcs[pc - 1]!.ns, brume, [
    'agent',
    '--server',
    url,
    '--task',
    String(created.task.id),
    '--token',
    created.token,
    '--disk',
    disk.path,
    '--json',
    '--log-dir',
    mkdtempSync(join(work, `logs-pc${pc}-`)),
  ]);
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  child.stdout?.resume();
  return { child, done: new Promise((done) => child.once('exit', (code) => done({ code, stderr }))) };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds: number): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The partition a task works on now, from its last phase or progress event. */
const targetOf = (view: Task): string | undefined =>
  view.progress?.type === 'progress' && view.progress.ts > (view.phase?.ts ?? '')
    ? view.progress.target
    : view.phase?.type === 'phase'
      ? view.phase.target
      : undefined;
const session = async (id: number): Promise<MulticastSession> =>
  MulticastSession.parse(await admin(['multicast', 'show', String(id)]));
const task = async (id: number): Promise<Task> => Task.parse(await admin(['task', 'show', String(id)]));

async function capture(
  pc: number,
  host: string,
  image: string,
  build: (disk: LoopDisk) => Promise<SampleDisk>,
  sizeMiB: number,
): Promise<SampleDisk> {
  const master = await createLoopDisk(work, `${image}-master`, sizeMiB * MiB);
  disks.push(master);
  const sample = await build(master);
  const created = await admin<TaskCreated>([
    'task',
    'capture',
    '--host',
    host,
    '--image',
    image,
    '--disk',
    master.path,
  ]);
  const run = await room.run(room.pcs[pc - 1]!.ns, brume, [
    'agent',
    '--server',
    url,
    '--task',
    String(created.task.id),
    '--token',
    created.token,
    '--json',
    '--chunk-size',
    String(4 * MiB),
  ]);
  if (run.code !== 0) throw new Error(`capture of ${image}: ${run.stderr}`);
  return sample;
}

beforeAll(async () => {
  room = createRoom(5);
  const data = join(work, 'data');
  url = `http://${room.serverAddress}:8080`;
  server = room.spawn(room.serverNs, brume, ['server', '--data', data, '--listen', `${room.serverAddress}:8080`]);
  await new Promise<void>((listening, failed) => {
    createInterface({ input: server.stdout! }).on('line', (line) => line.includes('"msg":"listening"') && listening());
    server.once('exit', (code) => failed(new Error(`the server exited with ${code}`)));
  });
  token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
  for (let pc = 1; pc <= 5; pc++) await admin(['host', 'add', `pc-${pc}`, '--mac', `52:54:00:00:0c:0${pc}`]);
  gpt = await capture(1, 'pc-1', 'lab-gpt', (disk) => buildGptSample(disk), 512);
  mbr = await capture(2, 'pc-2', 'lab-mbr', (disk) => buildMbrSample(disk), 384);
});

afterAll(async () => {
  server?.kill('SIGTERM');
  await room?.destroy();
  for (const disk of disks) await disk.detach();
  rmSync(work, { recursive: true, force: true });
});

describe('multicast in a room of namespaces', () => {
  it('three PCs, one late, one killed mid-stream and restarted: every disk ends identical to the image', async () => {
    const started = MulticastStarted.parse(
      await admin([
        'multicast',
        'start',
        '--image',
        'lab-gpt',
        '--hosts',
        'pc-1,pc-2,pc-3',
        '--min-receivers',
        '2',
        '--max-wait',
        '10',
      ]),
    );
    const byHost = new Map(started.tasks.map((created) => [created.task.hostName, created]));
    const targets = await Promise.all(
      [1, 2, 3].map(async (pc) => {
        const disk = await createLoopDisk(work, `pc${pc}`, 512 * MiB);
        disks.push(disk);
        return disk;
      }),
    );
    const first = startAgent(1, byHost.get('pc-1')!, targets[0]!);
    const killed = startAgent(2, byHost.get('pc-2')!, targets[1]!);

    // pc-3 comes once the first file is under way: it takes that file over HTTP and joins the next ones.
    await until(
      'the first file starts',
      async () => ((await session(started.session.id)).files[0]?.state === 'waiting' ? undefined : true),
      120,
    );
    const late = startAgent(3, byHost.get('pc-3')!, targets[2]!);

    // pc-2 dies while it restores the second partition, then boots again and runs its task from the start.
    const pc2Task = byHost.get('pc-2')!.task.id;
    await until('pc-2 reaches d1p2', async () => (targetOf(await task(pc2Task)) === 'd1p2' ? true : undefined), 180);
    killed.child.kill('SIGKILL');
    await killed.done;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const restarted = startAgent(2, byHost.get('pc-2')!, targets[1]!);

    for (const [name, run] of [
      ['pc-1', first],
      ['pc-3', late],
      ['pc-2', restarted],
    ] as const) {
      const ended = await run.done;
      expect(ended.code, `${name}: ${ended.stderr}`).toBe(0);
    }
    const results = new Map<string, Task>();
    for (const name of ['pc-1', 'pc-2', 'pc-3']) results.set(name, await task(byHost.get(name)!.task.id));
    for (const [name, result] of results) expect(result.state, name).toBe('done');
    for (const disk of targets) expect((await compareWithSample(disk, gpt)).mismatches).toEqual([]);

    const stats = (name: string) =>
      results.get(name)?.result?.['multicast'] as {
        receivedBytes: number;
        repairedBytes: number;
        files: { file: string; repairs: string[] }[];
      };
    process.stderr.write(
      `multicast: ${[...results.keys()].map((name) => `${name} received ${stats(name).receivedBytes} repaired ${stats(name).repairedBytes}`).join('; ')}\n`,
    );
    expect(stats('pc-1').receivedBytes).toBeGreaterThan(0);
    expect(stats('pc-3').repairedBytes).toBeGreaterThan(0);
    expect(stats('pc-2').repairedBytes).toBeGreaterThan(0);
    expect(
      (
        await until(
          'the session ends',
          async () => {
            const now = await session(started.session.id);
            return now.state === 'waiting' || now.state === 'sending' ? undefined : now;
          },
          300,
        )
      ).state,
    ).toBe('done');
  });

  it("a PC on another session's stream knows it by the header, takes its image over HTTP, and writes none of the other", async () => {
    // Session A (lab-mbr) waits for its PC, which never comes; session B (lab-gpt) is given A's ports, as a second
    // imaging server or a mistyped --portbase would: B's sender queues behind A's, and pc-5 meets A's stream.
    const sessionA = MulticastStarted.parse(
      await admin([
        'multicast',
        'start',
        '--image',
        'lab-mbr',
        '--hosts',
        'pc-4',
        '--max-wait',
        '60',
        '--portbase',
        '9100',
      ]),
    );
    await until(
      "A's sender is up",
      async () => ((await session(sessionA.session.id)).files[0]?.state === 'waiting' ? true : undefined),
      30,
    );
    const sessionB = MulticastStarted.parse(
      await admin([
        'multicast',
        'start',
        '--image',
        'lab-gpt',
        '--hosts',
        'pc-5',
        '--max-wait',
        '10',
        '--portbase',
        '9100',
      ]),
    );
    const target = await createLoopDisk(work, 'pc5', 512 * MiB);
    disks.push(target);
    const ended = await startAgent(5, sessionB.tasks[0]!, target).done;
    expect(ended.code, ended.stderr).toBe(0);

    const result = await task(sessionB.tasks[0]!.task.id);
    expect(result.state).toBe('done');
    const stats = result.result?.['multicast'] as {
      receivedBytes: number;
      files: { file: string; repairs: string[] }[];
    };
    expect(stats.files[0]?.repairs[0]).toBe(
      `the stream is session ${sessionA.session.id}'s lab-mbr d1p1.pc.zst, not session ${sessionB.session.id}'s lab-gpt d1p1.pc.zst`,
    );
    expect(stats.receivedBytes).toBe(0);
    expect((await compareWithSample(target, gpt)).mismatches).toEqual([]);
    expect(mbr.partitions.length).toBeGreaterThan(0);
    for (const id of [sessionA.session.id, sessionB.session.id])
      await admin(['multicast', 'cancel', String(id)]).catch(() => undefined);
  });

  it('a technician joins a PC to a session from its menu, with a PIN: it registers, joins, receives, and ends verified', async () => {
    const { pin } = await admin<{ pin: string }>(['tech', 'pin']);
    // The session waits for one receiver: pc-1 is listed but never boots; the menu's PC is the one that comes.
    const started = MulticastStarted.parse(
      await admin([
        'multicast',
        'start',
        '--image',
        'lab-gpt',
        '--hosts',
        'pc-1',
        '--min-receivers',
        '1',
        '--max-wait',
        '5',
      ]),
    );
    const target = await createLoopDisk(work, 'menu-pc', 512 * MiB);
    disks.push(target);
    const menu = await startTmux({
      command: [
        'ip',
        'netns',
        'exec',
        room.pcs[3]!.ns,
        brume,
        'agent',
        '--server',
        url,
        '--menu',
        '--disk',
        target.path,
        '--retry-deadline',
        '5',
      ],
      env: { TERM: 'linux', PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, LANG: 'C.UTF-8' },
      columns: 80,
      rows: 25,
    });
    try {
      await menu.waitForText('this PC is not registered', 60);
      await menu.sendKeys('1');
      await menu.waitForText(/registered as pc-/, 30);
      await menu.sendKeys('Enter');
      await menu.waitForText(/this PC: pc-/, 20);
      await menu.sendKeys('4');
      await menu.waitForText('Technician login', 20);
      await menu.type(pin);
      await menu.sendKeys('Enter', 'Enter', 'Enter', 'Enter');
      await menu.waitForText('Which session?', 20);
      await menu.waitForText(`session ${started.session.id}: lab-gpt`, 5);
      await menu.sendKeys('1');
      await menu.waitForText(`Join session ${started.session.id}: lab-gpt to pc-`, 20);
      await menu.sendKeys('1');
      expect(await menu.waitForExit(240)).toBe(0);
    } finally {
      await menu.kill();
    }
    const joined = (await session(started.session.id)).receivers.find((receiver) => receiver.host !== 'pc-1');
    expect(joined?.taskState).toBe('done');
    const result = await task(joined!.taskId);
    expect((result.result?.['multicast'] as { receivedBytes: number }).receivedBytes).toBeGreaterThan(0);
    expect((await compareWithSample(target, gpt)).mismatches).toEqual([]);
    await admin(['multicast', 'cancel', String(started.session.id)]).catch(() => undefined);
  });
});
