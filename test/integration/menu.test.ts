// The technician's menu, driven as a person would: `brume agent --server URL --menu` runs on the host under
// tmux (80×25, TERM=linux, the ramdisk's console) against the real server on 127.0.0.1. The "PC" is this machine (its
// real MACs and inventory); its target disk is a loop device named with --disk. Full registration through the form,
// a deploy with a technician's PIN that leaves the disk identical to the image's source, and a deploy that fails and
// shows why, with its logs already on the server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HostDetail, PinCreated, TaskLogs, type Task } from '@brume/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBrume } from '../support/brume-cli.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { compareWithSample } from '../support/sample-check.ts';
import { buildGptSample, type SampleDisk } from '../support/sample-disks.ts';
import { apiClient, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { startTmux, type TmuxSession } from '../support/tmux.ts';

const MiB = 1024 * 1024;
const brume = resolve(import.meta.dirname, '../../bin/brume');
const work = mkdtempSync(join(tmpdir(), 'brume-menu-'));
const disks: LoopDisk[] = [];
let server: ServerProcess;
let admin: ReturnType<typeof apiClient>;
let source: SampleDisk;

/** The menu on the "PC", deploys going to `disk`. */
function openMenu(disk: LoopDisk): Promise<TmuxSession> {
  return startTmux({
    command: [brume, 'agent', '--server', server.url, '--menu', '--disk', disk.path, '--retry-deadline', '5'],
    env: { TERM: 'linux', PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, LANG: 'C.UTF-8' },
    columns: 80,
    rows: 25,
  });
}

async function newPin(): Promise<string> {
  return PinCreated.parse((await admin.post('/techs/pins', { ttlMinutes: 10, uses: 5 })).body).pin;
}

/** The login form: PIN, name, password, then the button; Enter moves on, and on the button submits. */
async function logInWithPin(menu: TmuxSession, pin: string): Promise<void> {
  await menu.waitForText('Technician login', 30);
  await menu.type(pin);
  await menu.sendKeys('Enter', 'Enter', 'Enter', 'Enter');
}

/** From the main menu of the registered PC: Deploy, a PIN, the first image, then the confirmation's Deploy button. */
async function deployFirstImage(menu: TmuxSession): Promise<void> {
  await menu.waitForText('this PC: desk-01', 60);
  await menu.sendKeys('3');
  await logInWithPin(menu, await newPin());
  await menu.waitForText('Which image?', 20);
  await menu.sendKeys('1');
  await menu.waitForText('Deploy lab-gpt to desk-01?', 20);
  await menu.sendKeys('1');
}

beforeAll(async () => {
  server = await startServerProcess(join(work, 'data'));
  admin = apiClient(server.url, server.adminToken);
  const master = await createLoopDisk(work, 'master', 512 * MiB);
  disks.push(master);
  source = await buildGptSample(master);
  expect((await admin.post('/hosts', { name: 'master', macs: ['52:54:00:00:09:01'] })).status).toBe(201);
  const capture = await admin.createTask('capture', 'master', 'lab-gpt');
  const captured = await runBrume([
    'agent',
    '--server',
    server.url,
    '--task',
    String(capture.id),
    '--token',
    capture.token,
    '--disk',
    master.path,
    '--json',
    '--chunk-size',
    String(4 * MiB),
  ]);
  expect(captured.code, captured.stderr).toBe(0);
});

afterAll(async () => {
  await server?.stop();
  for (const disk of disks) await disk.detach();
  rmSync(work, { recursive: true, force: true });
});

describe('the technician menu under tmux (TERM=linux, 80×25)', () => {
  it("full registration: the form creates the host with the typed name, group and image, and this PC's inventory", async () => {
    const target = await createLoopDisk(work, 'target', 512 * MiB);
    disks.push(target);
    expect((await admin.post('/groups', { name: 'lab-1' })).status).toBe(200);
    const menu = await openMenu(target);
    try {
      await menu.waitForText('this PC is not registered', 60);
      await menu.sendKeys('2');
      await menu.waitForText('host name', 10);
      // A name the server refuses first: the form says why and keeps what was typed. Enter moves field to field.
      await menu.type('Desk 01');
      await menu.sendKeys('Enter');
      await menu.type('lab-1');
      await menu.sendKeys('Enter');
      await menu.type('lab-gpt');
      await menu.sendKeys('Enter', 'Enter', 'Enter');
      await menu.waitForText('a host name: lowercase letters', 10);
      // Focus stays on the button: back to the name, clear it, type it right, and submit again.
      await menu.sendKeys('BTab', 'BTab', 'BTab', 'BTab', 'C-u');
      await menu.type('desk-01');
      await menu.sendKeys('Tab', 'Tab', 'Tab', 'Tab', 'Enter');
      await menu.waitForText('registered as desk-01, image lab-gpt', 20);
      await menu.sendKeys('Enter');
      await menu.waitForText('this PC: desk-01', 20);
      await menu.sendKeys('9');
      expect(await menu.waitForExit(20)).toBe(0);
    } finally {
      await menu.kill();
    }
    const host = HostDetail.parse((await admin.get('/hosts/desk-01')).body);
    expect([host.groups, host.image]).toEqual([['lab-1'], 'lab-gpt']);
    expect(host.inventories).toHaveLength(1);
    const inventory = host.inventories[0]!.inventory;
    expect(host.macs.sort()).toEqual(inventory.nics.map((nic) => nic.mac).sort());
    expect(inventory.cpu.threads).toBeGreaterThan(0);
  });

  it("deploy with a technician PIN: the image goes to this PC's disk, file for file, and the task is done", async () => {
    const target = disks.find((disk) => disk.path !== disks[0]?.path)!;
    const menu = await openMenu(target);
    try {
      await deployFirstImage(menu);
      expect(await menu.waitForExit(180)).toBe(0);
    } finally {
      await menu.kill();
    }
    const tasks = (await admin.get<{ tasks: Task[] }>('/tasks?host=desk-01')).body.tasks;
    expect(tasks.map((task) => [task.kind, task.image, task.state])).toEqual([['deploy', 'lab-gpt', 'done']]);
    expect((await compareWithSample(target, source)).mismatches).toEqual([]);
  });

  it('a deploy that fails shows the step, the code, the log tail, and its logs are on the server already', async () => {
    const small = await createLoopDisk(work, 'small', 64 * MiB);
    disks.push(small);
    const menu = await openMenu(small);
    try {
      await deployFirstImage(menu);
      const screen = await menu.waitForText(/Task \d+ failed/, 120);
      expect(screen).toContain('DISK_TOO_SMALL');
      expect(screen).toMatch(/logs: +on the server \(brume task logs \d+\)/);
      expect(screen).toContain('Retry');
      const id = Number(/Task (\d+) failed/.exec(screen)?.[1]);
      const logs = TaskLogs.parse((await admin.get(`/tasks/${id}/logs`)).body);
      expect(logs.files.map((file) => file.name)).toContain('agent.log');
      expect((await admin.get<Task>(`/tasks/${id}`)).body.state).toBe('failed');
      // Back to the menu, then leave it.
      await menu.sendKeys('4');
      await menu.waitForText('this PC: desk-01', 20);
      await menu.sendKeys('9');
      expect(await menu.waitForExit(20)).toBe(0);
    } finally {
      await menu.kill();
    }
  });

  it('disk care: the entries are there, and a surface test the technician starts runs on this PC at once', async () => {
    const disk = await createLoopDisk(work, 'care', 64 * MiB);
    disks.push(disk);
    const menu = await openMenu(disk);
    try {
      await menu.waitForText('this PC: desk-01', 60);
      await menu.sendKeys('5');
      const entries = await menu.waitForText('TestDisk / PhotoRec (interactive', 20);
      for (const entry of [
        'Surface test of the disk',
        'Virus scan of the disk',
        'Recover deleted files (PhotoRec)',
        'Wipe the disk',
      ])
        expect(entries).toContain(entry);
      await menu.sendKeys('1');
      await logInWithPin(menu, await newPin());
      await menu.waitForText(`Surface test of the disk (read-only): ${disk.path} of desk-01?`, 20);
      await menu.sendKeys('1');
      await menu.waitForText(/Task \d+ \(surface-test\) done/, 120);
      await menu.sendKeys('Enter');
      await menu.waitForText('TestDisk / PhotoRec (interactive', 20);
      await menu.sendKeys('Escape');
      await menu.waitForText('this PC: desk-01', 20);
      await menu.sendKeys('9');
      expect(await menu.waitForExit(20)).toBe(0);
    } finally {
      await menu.kill();
    }
    const tasks = (await admin.get<{ tasks: Task[] }>('/tasks?host=desk-01')).body.tasks.filter(
      (task) => task.kind === 'surface-test',
    );
    expect(tasks.map((task) => [task.state, task.result?.['disk'], task.result?.['bytes']])).toEqual([
      ['done', disk.path, 64 * MiB],
    ]);
  });
});
