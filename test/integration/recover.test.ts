// File recovery on real loop devices, through the real server on 127.0.0.1 and `brume agent`: files with
// real headers are written to an ext4 partition and deleted, then PhotoRec finds them again. To the server: every
// deleted file comes back byte for byte (its sha256), the task's result counts them, and the source disk is unchanged.
// To a "USB disk" (a second loop device, found by its filesystem label): the files land in
// brume-recovered/<host>-task-<id>/ there. A destination on the source disk is refused and nothing is written.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecoveredList, Task, TaskCreated } from '@brume/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInteractive } from '../../agent/src/care/recover-interactive.ts';
import { runTool } from '../../agent/src/sys/exec.ts';
import { failureOf, runBrume } from '../support/brume-cli.ts';
import { bmpFile, pdfFile, pngFile, wavFile } from '../support/carvable-files.ts';
import { formatPartition } from '../support/format.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { withMount } from '../support/mount.ts';
import { rawHash } from '../support/raw-bytes.ts';
import { apiClient, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { tool } from '../support/tools.ts';

const MiB = 1024 * 1024;
const HOST = 'desk-07';
const work = mkdtempSync(join(tmpdir(), 'brume-recover-'));
const disks: LoopDisk[] = [];
let server: ServerProcess;
let admin: ReturnType<typeof apiClient>;
let source: LoopDisk;
let usb: LoopDisk;
let sourceHash: string;
/** The deleted files: name → sha256. */
const originals = new Map<string, string>();

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** A disk with one GPT partition holding an ext4 filesystem labelled `label`. */
async function ext4Disk(name: string, label: string): Promise<LoopDisk> {
  const disk = await createLoopDisk(work, name, 64 * MiB);
  disks.push(disk);
  await tool('sfdisk', ['-q', disk.path], { input: 'label: gpt\nstart=2048, size=100000, type=linux\n' });
  await disk.refreshPartitions();
  await formatPartition(disk.partition(1), 'ext4', label);
  return disk;
}

/** `brume task recover --host desk-07 [flags]`, as an admin types it. */
async function recoverTask(flags: string[] = []): Promise<{ id: number; token: string }> {
  const created = await runBrume(['task', 'recover', '--host', HOST, ...flags, '--json'], adminEnv());
  expect(created.code, created.stderr).toBe(0);
  const { task, token } = TaskCreated.parse(JSON.parse(created.stdout));
  return { id: task.id, token };
}

const runAgent = (task: { id: number; token: string }) =>
  runBrume([
    'agent',
    '--server',
    server.url,
    '--task',
    String(task.id),
    '--token',
    task.token,
    '--disk',
    source.path,
    '--json',
    '--staging',
    work,
  ]);

const adminEnv = (): Record<string, string> => ({ BRUME_SERVER: server.url, BRUME_TOKEN: server.adminToken });

beforeAll(async () => {
  server = await startServerProcess(join(work, 'data'));
  admin = apiClient(server.url, server.adminToken);
  expect((await admin.post('/hosts', { name: HOST, macs: ['52:54:00:00:0e:07'] })).status).toBe(201);
  source = await ext4Disk('source', 'DATA');
  const files = {
    'holiday.png': pngFile(320, 240),
    'scan.bmp': bmpFile(300, 260),
    'voice.wav': wavFile(280_000),
    'letter.pdf': pdfFile(220_000),
  };
  await withMount(source.partition(1), 'ext4', 'rw', async (dir) => {
    for (const [name, bytes] of Object.entries(files)) {
      writeFileSync(join(dir, name), bytes);
      originals.set(name, sha256(bytes));
    }
    // Written out before they are deleted (ext4 allocates late: a file deleted before writeback never reaches the
    // disk). syncfs of this filesystem only: a machine-wide sync waits for every other test's dirty pages.
    await tool('sync', ['-f', dir]);
    for (const name of Object.keys(files)) await unlink(join(dir, name));
    await tool('sync', ['-f', dir]);
  });
  sourceHash = await rawHash(source.path);
  usb = await ext4Disk('usb', 'BRUMEUSB');
});

afterAll(async () => {
  await server?.stop();
  for (const disk of disks) await disk.detach();
  rmSync(work, { recursive: true, force: true });
});

describe('recover to the server', () => {
  let task: { id: number; token: string };
  let shown: Task;
  let events: Record<string, unknown>[];

  beforeAll(async () => {
    task = await recoverTask();
    const run = await runAgent(task);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    events = run.events;
    shown = Task.parse((await admin.get(`/tasks/${task.id}`)).body);
  });

  it('brings every deleted file back byte for byte, kept on the server and fetched with `brume task recovered`', async () => {
    const listed = await runBrume(['task', 'recovered', String(task.id), '--json'], adminEnv());
    expect(listed.code, listed.stderr).toBe(0);
    const list = RecoveredList.parse(JSON.parse(listed.stdout));
    expect(list.dir).toBe(`recovered/task-${task.id}`);
    const fetched = new Set<string>();
    for (const file of list.files) {
      const out = join(work, `fetched-${file.name}`);
      const got = await runBrume(['task', 'recovered', String(task.id), '--get', file.name, '--out', out], adminEnv());
      expect(got.code, got.stderr).toBe(0);
      fetched.add(sha256(readFileSync(out)));
    }
    for (const [name, hash] of originals) expect(fetched.has(hash), `${name} (${hash}) was not recovered`).toBe(true);
  });

  it("the task's result counts the files by type, with their sizes and sha256s, and says where they are", () => {
    expect(shown.state).toBe('done');
    const result = shown.result as unknown as {
      files: number;
      bytes: number;
      byType: Record<string, { files: number }>;
      list: { name: string; bytes: number; sha256: string }[];
      destination: unknown;
      complete: boolean;
    };
    expect(result.destination).toEqual({ kind: 'server', dir: `recovered/task-${task.id}` });
    expect(result.complete).toBe(true);
    for (const type of ['png', 'bmp', 'wav', 'pdf'])
      expect(result.byType[type]?.files ?? 0, type).toBeGreaterThanOrEqual(1);
    expect(result.files).toBe(result.list.length);
    expect(result.bytes).toBe(result.list.reduce((sum, file) => sum + file.bytes, 0));
    const hashes = new Set(result.list.map((file) => file.sha256));
    for (const hash of originals.values()) expect(hashes.has(hash)).toBe(true);
  });

  it("reports progress: PhotoRec's reading of the whole disk, then the upload of every recovered byte", () => {
    const last = (phase: string): Record<string, unknown> | undefined =>
      events.findLast((event) => event['type'] === 'progress' && event['phase'] === phase);
    expect(last('recover')).toMatchObject({ target: 'photorec', bytesDone: 64 * MiB, bytesTotal: 64 * MiB });
    const bytes = (shown.result as { bytes: number }).bytes;
    expect(last('upload')).toMatchObject({ target: 'files', bytesDone: bytes, bytesTotal: bytes });
  });

  it("leaves the source disk unchanged, and PhotoRec's log is with the task's logs", async () => {
    expect(await rawHash(source.path)).toBe(sourceHash);
    const logs = (await admin.get<{ files: { name: string }[] }>(`/tasks/${task.id}/logs`)).body.files.map(
      (file) => file.name,
    );
    expect(logs).toContain('photorec.log');
  });
});

describe('recover to a USB disk found by its label', () => {
  it('writes the files of the chosen types into brume-recovered/<host>-task-<id>/ there, and nothing to the source', async () => {
    const task = await recoverTask(['--destination', 'usb:BRUMEUSB', '--types', 'png,bmp']);
    const run = await runAgent(task);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const result = Task.parse((await admin.get(`/tasks/${task.id}`)).body).result as {
      destination: unknown;
      byType: Record<string, unknown>;
    };
    expect(result.destination).toEqual({
      kind: 'usb',
      device: usb.partition(1),
      label: 'BRUMEUSB',
      dir: `brume-recovered/${HOST}-task-${task.id}`,
    });
    expect(Object.keys(result.byType).sort()).toEqual(['bmp', 'png']);
    // The agent unmounted it: the test mounts it itself to read what is there.
    const found = await withMount(usb.partition(1), 'ext4', 'ro', async (dir) => {
      const folder = join(dir, 'brume-recovered', `${HOST}-task-${task.id}`);
      return readdirSync(folder, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name !== 'report.xml')
        .map((entry) => sha256(readFileSync(join(entry.parentPath, entry.name))));
    });
    expect(found).toContain(originals.get('holiday.png'));
    expect(found).toContain(originals.get('scan.bmp'));
    expect(found).not.toContain(originals.get('voice.wav'));
    expect(await rawHash(source.path)).toBe(sourceHash);
  });
});

describe('a destination on the source disk', () => {
  it('is refused with RECOVER_DESTINATION_ON_SOURCE, and the disk is unchanged', async () => {
    const task = await recoverTask(['--destination', `usb:${source.partition(1)}`]);
    const run = await runAgent(task);
    expect(run.code).toBe(2);
    expect(failureOf(run).code).toBe('RECOVER_DESTINATION_ON_SOURCE');
    expect(Task.parse((await admin.get(`/tasks/${task.id}`)).body).state).toBe('failed');
    expect(await rawHash(source.path)).toBe(sourceHash);
  });
});

describe('TestDisk / PhotoRec from the menu, on the console', () => {
  it('mounts the USB disk named by its label, starts the tool in its folder there, and unmounts it when the tool exits', async () => {
    const calls: { command: string; args: readonly string[]; cwd: string }[] = [];
    // The console is the technician's: here a stand-in that leaves a file where PhotoRec would leave its log.
    const onConsole = async (command: string, args: readonly string[], cwd: string): Promise<number> => {
      calls.push({ command, args, cwd });
      writeFileSync(join(cwd, 'photorec.log'), 'PhotoRec exited normally.\n');
      return 0;
    };
    const lines = await runInteractive('photorec', 'BRUMEUSB', 'desk-07-photorec-1', {
      run: runTool,
      onConsole,
      workDir: work,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args).toEqual(['/log', '/d', join(calls[0]?.cwd ?? '', 'recup')]);
    expect(calls[0]?.cwd).toMatch(/\/brume-recovered\/desk-07-photorec-1$/);
    expect(lines.join('\n')).toContain('it is unmounted now');
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(calls[0]?.cwd ?? '?');
    const log = await withMount(usb.partition(1), 'ext4', 'ro', async (dir) =>
      readFileSync(join(dir, 'brume-recovered', 'desk-07-photorec-1', 'photorec.log'), 'utf8'),
    );
    expect(log).toBe('PhotoRec exited normally.\n');
  });

  it('refuses a USB disk that is not there, before the tool starts', async () => {
    const error = await runInteractive('testdisk', 'NOSUCHLABEL', 'x', {
      run: runTool,
      onConsole: async () => 0,
      workDir: work,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'DEVICE_NOT_FOUND' });
  });
});
