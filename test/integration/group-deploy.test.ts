// A room at once over HTTP: a group of three PCs, one `brume task deploy --group` from the admin CLI, and the
// three agents running at the same time against the real server on 127.0.0.1, each on its own loop disk. Every disk
// ends with the master's files and the batch lists three tasks done.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskBatchCreated, TaskCreated, TaskList } from '@brume/protocol';
import { runBrume } from '../support/brume-cli.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { compareWithSample } from '../support/sample-check.ts';
import { buildGptSample, type SampleDisk } from '../support/sample-disks.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

const MiB = 1024 * 1024;
const brume = fileURLToPath(new URL('../../bin/brume', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'brume-group-deploy-'));
const ROOM = ['lab-01', 'lab-02', 'lab-03'];
const disks: LoopDisk[] = [];
let server: ServerProcess;
let sample: SampleDisk;

/** The admin CLI as a technician types it, against this server; its --json output is one document. */
async function admin(...args: string[]): Promise<unknown> {
  const env = { ...process.env, BRUME_SERVER: server.url, BRUME_TOKEN: server.adminToken };
  const { stdout } = await promisify(execFile)(brume, [...args, '--json'], { env });
  return JSON.parse(stdout) as unknown;
}

const agent = (created: TaskCreated, disk: LoopDisk) =>
  runBrume([
    'agent',
    '--server',
    server.url,
    '--task',
    String(created.task.id),
    '--token',
    created.token,
    '--disk',
    disk.path,
    '--json',
    '--log-dir',
    mkdtempSync(join(work, 'logs-')),
  ]);

beforeAll(async () => {
  server = await startServerProcess(join(work, 'data'));
  const master = await createLoopDisk(work, 'master', 512 * MiB);
  disks.push(master);
  sample = await buildGptSample(master);
  await admin('host', 'add', 'master', '--mac', '52:54:00:00:60:01');
  for (const [index, name] of ROOM.entries()) await admin('host', 'add', name, '--mac', `52:54:00:00:60:1${index}`);
  await admin('group', 'add', 'lab', '--hosts', ROOM.join(','));
  const capture = TaskCreated.parse(await admin('task', 'capture', '--host', 'master', '--image', 'lab-image'));
  const captured = await agent(capture, master);
  expect(captured.code, captured.stderr).toBe(0);
});

afterAll(async () => {
  await server?.stop();
  for (const disk of disks) await disk.detach();
  rmSync(work, { recursive: true, force: true });
});

describe('a group deploy', () => {
  it("makes one task per PC under one batch; three agents at once each end with the master's files", async () => {
    const batch = TaskBatchCreated.parse(await admin('task', 'deploy', '--group', 'lab', '--image', 'lab-image'));
    expect(batch.tasks.map((created) => created.task.hostName).sort()).toEqual(ROOM);
    expect(new Set(batch.tasks.map((created) => created.task.batch))).toEqual(new Set([batch.batch]));

    const targets = await Promise.all(
      ROOM.map(async (name) => {
        const disk = await createLoopDisk(work, name, 512 * MiB);
        disks.push(disk);
        return disk;
      }),
    );
    const runs = await Promise.all(
      batch.tasks.map((created) => agent(created, targets[ROOM.indexOf(created.task.hostName)] as LoopDisk)),
    );
    for (const run of runs) expect(run.code, `${run.stderr}\n${JSON.stringify(run.result)}`).toBe(0);

    const listed = TaskList.parse(await admin('task', 'list', '--batch', String(batch.batch)));
    expect(listed.tasks.map((task) => [task.hostName, task.state]).sort()).toEqual(ROOM.map((name) => [name, 'done']));
    for (const task of listed.tasks) expect(task.bytes ?? 0, task.hostName).toBeGreaterThan(0);
    for (const disk of targets) expect((await compareWithSample(disk, sample)).mismatches, disk.path).toEqual([]);
  });
});
