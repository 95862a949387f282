// Cancel against the real server on 127.0.0.1 and real `brume agent` processes on real loop disks: a deploy
// mid-partition, a capture mid-upload (through a slow link), a full wipe and a surface test of a 2 TiB disk mid-pass.
// Each stops once the technician cancels, ends `cancelled` with what it had written in its result, and leaves no tool
// of its own running. The latencies (cancel → tools gone → task ended → agent gone) are printed for the record.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, Host, ImageList, Task, TaskCreated, type TaskCreate } from '@brume/protocol';
import type { z } from 'zod';
import { runBrume, spawnBrume, type CliRun } from '../support/brume-cli.ts';
import { startCuttingProxy, type CuttingProxy } from '../support/cutting-proxy.ts';
import { rawHash } from '../support/file-tree.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { buildGptSample, type SampleDisk } from '../support/sample-disks.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { zeroHash } from '../support/zero-device.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** The slow link of the deploy and capture tests: the sample's streams take tens of seconds through it. */
const SLOW_LINK = 2 * MiB;
/** Tools the agent starts for long work; none may outlive a cancel. */
const TOOLS = /^(partclone\.|zstd$|dd$|photorec$|udp-receiver$|clamscan$)/;

const work = mkdtempSync(join(tmpdir(), 'brume-cancel-'));
const disks: LoopDisk[] = [];
let server: ServerProcess | undefined;
let proxy: CuttingProxy | undefined;
let adminToken = '';
let source: SampleDisk;
let sourceDisk: LoopDisk;

async function admin<S extends z.ZodType>(
  method: 'GET' | 'POST',
  path: string,
  schema: S,
  body?: unknown,
): Promise<z.infer<S>> {
  const response = await request(`${server?.url}${API_PREFIX}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${response.statusCode} ${text}`);
  return schema.parse(JSON.parse(text));
}

const createTask = (task: TaskCreate): Promise<TaskCreated> => admin('POST', '/tasks', TaskCreated, task);
const taskOf = (id: number): Promise<Task> => admin('GET', `/tasks/${id}`, Task);
const agentArgs = (url: string, created: TaskCreated, extra: string[]): string[] => [
  'agent',
  '--server',
  url,
  '--task',
  String(created.task.id),
  '--token',
  created.token,
  '--log-dir',
  mkdtempSync(join(work, 'logs-')),
  ...extra,
];

/** Every process below `pid`, by name (from /proc: the agent's own children and theirs). */
function descendants(pid: number): { pid: number; name: string }[] {
  const parents = new Map<number, { ppid: number; name: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), { ppid, name });
    } catch {
      // gone meanwhile
    }
  }
  const below = (parent: number): { pid: number; name: string }[] =>
    [...parents]
      .filter(([, info]) => info.ppid === parent)
      .flatMap(([child, info]) => [{ pid: child, name: info.name }, ...below(child)]);
  return below(pid);
}

interface Cancelled {
  run: CliRun;
  task: Task;
  /** The tools the agent ran when the cancel was asked (by name). */
  toolsAtCancel: string[];
  ms: { toolsGone: number; taskEnded: number; agentGone: number };
}

/**
 * Starts the agent, waits until the server shows the progress `ready` wants (mid-partition, mid-pass), cancels as a
 * technician does, and times what follows: the agent's tools gone, the task ended on the server, the agent gone.
 */
async function cancelMidway(
  created: TaskCreated,
  url: string,
  extra: string[],
  ready: (task: Task) => boolean,
): Promise<Cancelled> {
  const agent = spawnBrume(agentArgs(url, created, extra));
  const pid = agent.child.pid ?? 0;
  let exited = false;
  void agent.done.then(() => (exited = true));
  const deadline = Date.now() + 120_000;
  for (let task = await taskOf(created.task.id); !ready(task); task = await taskOf(created.task.id)) {
    if (exited || (task.state !== 'queued' && task.state !== 'running') || Date.now() > deadline) {
      throw new Error(
        `never caught mid-way: ${JSON.stringify(task)}\n${JSON.stringify(exited ? await agent.done : 'still running')}`,
      );
    }
    await sleep(100);
  }
  const toolsAtCancel = descendants(pid)
    .filter((child) => TOOLS.test(child.name))
    .map((child) => child.name);
  const asked = performance.now();
  const cancel = spawnBrume(['task', 'cancel', String(created.task.id)], {
    BRUME_SERVER: server?.url ?? '',
    BRUME_TOKEN: adminToken,
  });
  const ms = { toolsGone: -1, taskEnded: -1, agentGone: -1 };
  while (ms.agentGone < 0 || ms.taskEnded < 0) {
    const now = performance.now() - asked;
    if (ms.toolsGone < 0 && descendants(pid).every((child) => !TOOLS.test(child.name))) ms.toolsGone = now;
    if (ms.agentGone < 0 && exited) ms.agentGone = now;
    if (ms.taskEnded < 0 && (await taskOf(created.task.id)).state !== 'running')
      ms.taskEnded = performance.now() - asked;
    if (now > 60_000) throw new Error(`the agent did not stop within a minute of the cancel: ${JSON.stringify(ms)}`);
    await sleep(20);
  }
  const printed = await cancel.done;
  expect(printed.code, printed.stderr).toBe(0);
  expect(printed.stdout).toMatch(new RegExp(`^cancelled task ${created.task.id} \\(`));
  console.log(
    `cancel of ${created.task.kind} task ${created.task.id}: tools gone ${ms.toolsGone.toFixed(0)} ms, task ended ${ms.taskEnded.toFixed(0)} ms, agent gone ${ms.agentGone.toFixed(0)} ms (tools at cancel: ${toolsAtCancel.join(', ') || 'none'})`,
  );
  return { run: await agent.done, task: await taskOf(created.task.id), toolsAtCancel, ms };
}

/** The server's last progress figure shows work under way on a target, not yet complete. */
const midway =
  (phase: string, target?: RegExp) =>
  (task: Task): boolean => {
    const progress = task.progress;
    return (
      task.state === 'running' &&
      progress?.type === 'progress' &&
      progress.phase === phase &&
      (target === undefined || target.test(progress.target)) &&
      progress.bytesDone > 0 &&
      progress.bytesDone < progress.bytesTotal
    );
  };

function expectStoppedPromptly(cancelled: Cancelled): void {
  expect(cancelled.ms.taskEnded, 'ms from the cancel to the task ended').toBeLessThan(5000);
  expect(cancelled.ms.toolsGone).toBeLessThan(5000);
  expect(cancelled.run.code, cancelled.run.stderr).toBe(1);
  if (cancelled.run.result === undefined) {
    // The console, as a technician at the PC reads it.
    expect(cancelled.run.stderr).toMatch(/cancelled by the server\n {2}\S/);
  } else {
    expect(cancelled.run.result).toMatchObject({
      state: 'cancelled',
      error: { code: 'TASK_CANCELLED', message: expect.stringMatching(/^cancelled by the server during /) },
      summary: { cancelledBy: 'server' },
    });
  }
  expect(cancelled.task).toMatchObject({
    state: 'cancelled',
    error: null,
    result: null,
    stopped: { cancelledBy: 'server' },
  });
  expect(cancelled.task.logFiles).toContain('agent.log');
}

beforeAll(async () => {
  server = await startServerProcess(join(work, 'data'));
  adminToken = server.adminToken;
  proxy = await startCuttingProxy(new URL(server.url), [], undefined, { bytesPerSecond: SLOW_LINK });
  sourceDisk = await createLoopDisk(work, 'source', 512 * MiB);
  disks.push(sourceDisk);
  source = await buildGptSample(sourceDisk);
  await admin('POST', '/hosts', Host, { name: 'pc1', macs: ['52:54:00:12:34:77'] });
  const capture = await createTask({ kind: 'capture', host: 'pc1', image: 'cancel-master', disk: sourceDisk.path });
  const captured = await runBrume(agentArgs(server.url, capture, ['--json', '--chunk-size', String(MiB)]));
  expect(captured.code, captured.stderr).toBe(0);
});

afterAll(async () => {
  await proxy?.close();
  await server?.stop();
  for (const disk of disks) await disk.detach();
  rmSync(work, { recursive: true, force: true });
});

describe('a cancel of a running task', () => {
  it('stops a deploy mid-partition: complete, partial and untouched partitions in its result, the untouched ones still blank', async () => {
    const target = await createLoopDisk(work, 'deploy-target', 512 * MiB);
    disks.push(target);
    const created = await createTask({ kind: 'deploy', host: 'pc1', image: 'cancel-master' });
    const cancelled = await cancelMidway(
      created,
      proxy?.url ?? '',
      ['--json', '--disk', target.path],
      midway('restore', /^d1p[23]$/),
    );
    expectStoppedPromptly(cancelled);
    expect(cancelled.toolsAtCancel.some((name) => name.startsWith('partclone.'))).toBe(true);
    const state = cancelled.task.stopped?.['partitions'] as {
      complete: string[];
      partial: string | null;
      untouched: string[];
    };
    expect(state.partial).toMatch(/^d1p[23]$/);
    expect(state.complete).toContain('d1p1');
    expect([...state.complete, state.partial, ...state.untouched].sort()).toEqual(
      source.partitions.map((p) => `d1p${p.number}`).sort(),
    );
    expect(cancelled.task.stopped?.['tableWritten']).toBe(true);
    // Nothing writes on after the end: the partial partition reads the same now and a second later.
    const partial = source.partitions.find((p) => `d1p${p.number}` === state.partial);
    if (partial === undefined) throw new Error(`no partition ${state.partial}`);
    const settled = await rawHash(target.path, partial.startBytes, partial.sizeBytes);
    await sleep(1000);
    expect(await rawHash(target.path, partial.startBytes, partial.sizeBytes)).toBe(settled);
    // What it says is untouched is: the partitions after the partial one hold nothing yet.
    for (const name of state.untouched) {
      const partition = source.partitions.find((p) => `d1p${p.number}` === name);
      if (partition === undefined) throw new Error(`no partition ${name}`);
      expect(await rawHash(target.path, partition.startBytes, MiB), `${name} untouched`).toBe(zeroHash(MiB));
    }
  });

  it("stops a capture mid-upload: no image is published and the upload is dropped from the server's disk", async () => {
    const created = await createTask({ kind: 'capture', host: 'pc1', image: 'cancel-capture', disk: sourceDisk.path });
    const cancelled = await cancelMidway(
      created,
      proxy?.url ?? '',
      ['--json', '--chunk-size', String(MiB)],
      midway('capture', /^d1p[23]$/),
    );
    expectStoppedPromptly(cancelled);
    expect(cancelled.task.stopped).toMatchObject({
      published: false,
      uploaded: expect.arrayContaining(['d1p1.pc.zst']),
      partial: expect.stringMatching(/^d1p[23]$/),
    });
    expect((await admin('GET', '/images', ImageList)).images.map((image) => image.name)).not.toContain(
      'cancel-capture',
    );
    expect(existsSync(join(work, 'data', 'uploads', `task-${created.task.id}`))).toBe(false);
    expect(readdirSync(join(work, 'data', 'uploads'))).toEqual([]);
  });

  it("stops a full wipe mid-pass: how far its random pass got, and the end of the disk still holds the user's bytes", async () => {
    const doomed = await createLoopDisk(work, 'wipe-target', 32 * GiB);
    disks.push(doomed);
    const tail = randomBytes(MiB);
    const device = await open(doomed.path, 'r+');
    await device.write(tail, 0, MiB, 32 * GiB - MiB);
    await device.close();
    const created = await createTask({ kind: 'wipe', host: 'pc1', params: { mode: 'full' } });
    const cancelled = await cancelMidway(
      created,
      server?.url ?? '',
      ['--json', '--disk', doomed.path],
      midway('wipe', /^random$/),
    );
    expectStoppedPromptly(cancelled);
    const wipe = cancelled.task.stopped?.['wipe'] as {
      passesDone: string[];
      stoppedPass: string;
      bytesDone: number;
      bytesTotal: number;
    };
    expect(wipe).toMatchObject({ passesDone: [], stoppedPass: 'random', bytesTotal: 32 * GiB });
    expect(wipe.bytesDone).toBeGreaterThan(0);
    expect(wipe.bytesDone).toBeLessThan(32 * GiB);
    expect(await rawHash(doomed.path, 32 * GiB - MiB, MiB)).toBe(rawHashOf(tail));
  });

  it('stops a surface test of a 2 TiB disk mid-scan: the byte it had reached is in its result', async () => {
    const huge = await createLoopDisk(work, 'surface-target', 2048 * GiB);
    disks.push(huge);
    const created = await createTask({ kind: 'surface-test', host: 'pc1', params: {} });
    const cancelled = await cancelMidway(
      created,
      server?.url ?? '',
      ['--disk', huge.path, '--after', 'none'],
      midway('scan'),
    );
    expectStoppedPromptly(cancelled);
    expect(cancelled.run.stderr).toMatch(/surface \(scan\): partial, \d+ of 2199023255552 bytes/);
    const scan = cancelled.task.stopped?.['scan'] as { bytesRead: number; bytesTotal: number };
    expect(scan.bytesTotal).toBe(2048 * GiB);
    expect(scan.bytesRead).toBeGreaterThan(0);
    expect(scan.bytesRead).toBeLessThan(scan.bytesTotal);
  });

  it('stops a file recovery mid-search: PhotoRec is stopped, nothing is kept on the server', async () => {
    const huge = await createLoopDisk(work, 'recover-source', 2048 * GiB);
    disks.push(huge);
    const created = await createTask({ kind: 'recover', host: 'pc1', params: { destination: 'server' } });
    const cancelled = await cancelMidway(
      created,
      server?.url ?? '',
      ['--json', '--disk', huge.path, '--staging', work],
      midway('recover'),
    );
    expectStoppedPromptly(cancelled);
    expect(cancelled.toolsAtCancel).toContain('photorec');
    expect(cancelled.task.stopped).toMatchObject({
      targets: [expect.objectContaining({ target: 'photorec', state: 'partial' })],
    });
    expect(existsSync(join(work, 'data', 'recovered', `task-${created.task.id}`))).toBe(false);
  });
});

const rawHashOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
