// Wake-on-LAN on a subnet of network namespaces this test builds: a hub namespace holding a bridge (no
// address, no uplink), the Brume server in its own namespace and two PCs in theirs, each on 10.81.0.0/24 with its
// broadcast address. The magic packets go out of the real server's UDP socket to 10.81.0.255 and are caught by
// listeners in the PCs' namespaces. No packet leaves the namespaces.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleDetail, WakeReport, type Schedule } from '@brume/protocol';
import { deleteNamespace, ip, plugIntoHub, removeStaleNamespaces } from '../support/netns.ts';

const PREFIX = 'brume-wol-';
const SUBNET = '10.81.0';
const brume = resolve(import.meta.dirname, '../../bin/brume');
const work = mkdtempSync(join(tmpdir(), 'brume-wol-'));
const base = `${PREFIX}${process.pid}-`;
const hub = `${base}hub`;
const serverNs = `${base}srv`;
const pcs = [
  { ns: `${base}pc1`, address: `${SUBNET}.11`, host: 'pc-1', mac: '52:54:00:81:00:01' },
  { ns: `${base}pc2`, address: `${SUBNET}.12`, host: 'pc-2', mac: '52:54:00:81:00:02' },
];
const made: string[] = [];
const children: ChildProcess[] = [];
let url = '';
let token = '';
/** What each PC's listener caught, by PC; a test empties them before it sends. */
let caught: Caught[][] = [];

/** A namespace on the hub's bridge, remembered for the cleanup. */
function plug(ns: string, port: string, address: string): void {
  made.push(ns);
  plugIntoHub(hub, ns, port, address);
}

function inNamespace(ns: string, command: string, args: readonly string[]): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

/** The admin CLI, run in the server's namespace (the only place the server can be reached from). */
function admin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      'ip',
      ['netns', 'exec', serverNs, brume, ...args],
      { env: { ...process.env, BRUME_SERVER: url, BRUME_TOKEN: token } },
      (error, stdout, stderr) =>
        done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

interface Caught {
  from: string;
  port: number;
  hex: string;
}

/** A UDP listener on port 9 of every address of a PC's namespace: what a NIC's Wake-on-LAN logic would see. */
async function listen(ns: string): Promise<Caught[]> {
  const script = `const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => console.log(JSON.stringify({ from: r.address, port: r.port, hex: m.toString('hex') })));
s.bind(9, '0.0.0.0', () => console.log('ready'));`;
  const child = inNamespace(ns, process.execPath, ['-e', script]);
  const caught: Caught[] = [];
  await new Promise<void>((ready, failed) => {
    createInterface({ input: child.stdout! }).on('line', (line) =>
      line === 'ready' ? ready() : caught.push(JSON.parse(line) as Caught),
    );
    child.once('exit', (code) => failed(new Error(`the listener in ${ns} exited with ${code}`)));
  });
  return caught;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  seconds: number,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

const magic = (mac: string): string => `${'ff'.repeat(6)}${mac.replaceAll(':', '').repeat(16)}`;

beforeAll(async () => {
  removeStaleNamespaces(PREFIX);
  ip('netns', 'add', hub);
  made.push(hub);
  ip('-n', hub, 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', hub, 'link', 'set', 'br0', 'up');
  plug(serverNs, 'vsrv', `${SUBNET}.1`);
  pcs.forEach((pc, index) => plug(pc.ns, `vpc${index + 1}`, pc.address));

  const data = join(work, 'data');
  url = `http://${SUBNET}.1:8080`;
  const server = inNamespace(serverNs, brume, ['server', '--data', data, '--listen', `${SUBNET}.1:8080`]);
  await new Promise<void>((listening, failed) => {
    createInterface({ input: server.stdout! }).on('line', (line) => line.includes('"msg":"listening"') && listening());
    server.once('exit', (code) => failed(new Error(`the server exited with ${code}`)));
  });
  token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
  for (const pc of pcs) expect((await admin(['host', 'add', pc.host, '--mac', pc.mac])).code).toBe(0);
  expect((await admin(['group', 'add', 'lab', '--hosts', pcs.map((pc) => pc.host).join(',')])).code).toBe(0);
  caught = await Promise.all(pcs.map((pc) => listen(pc.ns)));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await Promise.all(
    children.map((child) =>
      child.exitCode === null && child.signalCode === null
        ? new Promise((done) => child.once('exit', done))
        : undefined,
    ),
  );
  for (const ns of made.reverse()) deleteNamespace(ns);
  rmSync(work, { recursive: true, force: true });
});

describe('Wake-on-LAN in a subnet of namespaces', () => {
  it('brume host wake sends the magic packet for the right MAC to the subnet broadcast, and the other PCs receive it', async () => {
    for (const list of caught) list.length = 0;
    const run = await admin(['host', 'wake', 'pc-1', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(WakeReport.parse(JSON.parse(run.stdout)).wake).toEqual([
      {
        host: 'pc-1',
        mac: pcs[0]!.mac,
        address: `${SUBNET}.255`,
        port: 9,
        via: 'listen-interface',
        sent: true,
        error: null,
      },
    ]);
    // A broadcast reaches every PC of the subnet; the packet names pc-1's MAC, so only pc-1's NIC would wake.
    for (const list of caught) {
      const [packet] = await until('the magic packet', () => (list.length > 0 ? list : undefined), 30);
      expect(packet).toMatchObject({ from: `${SUBNET}.1`, hex: magic(pcs[0]!.mac) });
      expect(Buffer.from(packet!.hex, 'hex').length).toBe(102);
    }
  });

  it('a whole group: one packet per PC, each with its own MAC', async () => {
    for (const list of caught) list.length = 0;
    const run = await admin(['host', 'wake', '--group', 'lab']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`pc-1\\s+${pcs[0]!.mac}\\s+${SUBNET}\\.255:9 \\(listen-interface\\)\\s+sent\\n`),
    );
    const packets = await until('two packets at pc-2', () => (caught[1]!.length >= 2 ? caught[1] : undefined), 30);
    expect(packets.map((packet) => packet.hex).sort()).toEqual(pcs.map((pc) => magic(pc.mac)).sort());
  });

  it('a schedule fires on the real clock: at the next minute, the group gets its batch and each PC its magic packet', async () => {
    for (const list of caught) list.length = 0;
    const at = new Date(Math.ceil((Date.now() + 5000) / 60_000) * 60_000).toISOString().slice(0, 16);
    const added = await admin([
      'schedule',
      'add',
      '--group',
      'lab',
      '--task',
      'inventory',
      '--at',
      at,
      '--tz',
      'UTC',
      '--json',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const { id } = JSON.parse(added.stdout) as Schedule;
    const shown = await until(
      'the firing',
      async () => {
        const detail = ScheduleDetail.parse(
          JSON.parse((await admin(['schedule', 'show', String(id), '--json'])).stdout),
        );
        return detail.firings.length > 0 ? detail : undefined;
      },
      120,
    );
    expect(shown).toMatchObject({
      state: 'ended',
      nextAt: null,
      firings: [{ occurrence: `${at}:00.000Z`, outcome: 'fired' }],
    });
    const listed = JSON.parse(
      (await admin(['task', 'list', '--batch', String(shown.firings[0]!.batch), '--json'])).stdout,
    ) as { tasks: { hostName: string; kind: string }[] };
    expect(listed.tasks.map((task) => [task.hostName, task.kind]).sort()).toEqual([
      ['pc-1', 'inventory'],
      ['pc-2', 'inventory'],
    ]);
    expect(shown.firings[0]!.wake.map((sent) => [sent.host, sent.address, sent.sent])).toEqual([
      ['pc-1', `${SUBNET}.255`, true],
      ['pc-2', `${SUBNET}.255`, true],
    ]);
    const packets = await until('both packets at pc-1', () => (caught[0]!.length >= 2 ? caught[0] : undefined), 30);
    expect(packets.map((packet) => packet.hex).sort()).toEqual(pcs.map((pc) => magic(pc.mac)).sort());
  });
});
