// The agent against the real server on 127.0.0.1: a capture task uploads the GPT sample disk as an image, a deploy task
// puts it on a second disk, every file and the boot area match, both tasks end `done` with their logs on the server;
// a task cancelled before its agent starts is refused at once.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, Host, HostDetail, ImageList, Task, TaskCreated, TaskLogs, type TaskCreate } from '@brume/protocol';
import type { z } from 'zod';
import { runBrume } from '../support/brume-cli.ts';
import { rawHash } from '../support/file-tree.ts';
import { zeroHash } from '../support/zero-device.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { buildGptSample, type SampleDisk } from '../support/sample-disks.ts';
import { compareWithSample } from '../support/sample-check.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

const MiB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'brume-agent-http-'));
const disks: LoopDisk[] = [];
let server: ServerProcess | undefined;
let url = '';
let adminToken = '';
let source: SampleDisk;
let sourceDisk: LoopDisk;

async function admin<S extends z.ZodType>(
  method: 'GET' | 'POST',
  path: string,
  schema: S,
  body?: unknown,
): Promise<z.infer<S>> {
  const response = await request(`${url}${API_PREFIX}${path}`, {
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
const agent = (created: TaskCreated, extra: string[] = []) =>
  runBrume([
    'agent',
    '--server',
    url,
    '--task',
    String(created.task.id),
    '--token',
    created.token,
    '--json',
    '--log-dir',
    mkdtempSync(join(work, 'logs-')),
    ...extra,
  ]);

beforeAll(async () => {
  server = await startServerProcess(join(work, 'data'));
  ({ url, adminToken } = server);
  sourceDisk = await createLoopDisk(work, 'source', 512 * MiB);
  disks.push(sourceDisk);
  source = await buildGptSample(sourceDisk);
  await admin('POST', '/hosts', Host, { name: 'pc1', macs: ['52:54:00:12:34:56'] });
});

afterAll(async () => {
  await server?.stop();
  for (const disk of disks) await disk.detach();
  rmSync(work, { recursive: true, force: true });
});

describe('brume agent over HTTP', () => {
  it('captures a disk into an image on the server, then deploys it to another disk, file for file', async () => {
    // Capture: the task names the disk.
    const capture = await createTask({ kind: 'capture', host: 'pc1', image: 'lab-gpt', disk: sourceDisk.path });
    const captured = await agent(capture, ['--chunk-size', String(4 * MiB)]);
    expect(captured.code, `${captured.stderr}\n${JSON.stringify(captured.result)}`).toBe(0);
    expect(captured.events.some((event) => event['type'] === 'progress')).toBe(true);
    const images = await admin('GET', '/images', ImageList);
    expect(images.images.map((image) => image.name)).toContain('lab-gpt');
    const captureTask = await admin('GET', `/tasks/${capture.task.id}`, Task);
    expect(captureTask.state).toBe('done');
    expect(captureTask.phase?.type).toBe('phase');
    const captureLogs = await admin('GET', `/tasks/${capture.task.id}/logs`, TaskLogs);
    const captureNames = captureLogs.files.map((file) => file.name);
    expect(captureNames).toEqual(
      expect.arrayContaining(['agent.log', 'disk.sfdisk.txt', 'd1p2.capture.log', 'd1p3.capture.log']),
    );
    expect(captureLogs.files.find((file) => file.name === 'agent.log')?.content).toMatch(/"type":"phase"/);

    // Deploy: the disk comes from the flag; the task itself is the consent to overwrite it.
    const target = await createLoopDisk(work, 'target', 512 * MiB);
    disks.push(target);
    const deploy = await createTask({ kind: 'deploy', host: 'pc1', image: 'lab-gpt' });
    const deployed = await agent(deploy, ['--disk', target.path]);
    expect(deployed.code, `${deployed.stderr}\n${JSON.stringify(deployed.result)}`).toBe(0);
    expect((await admin('GET', `/tasks/${deploy.task.id}`, Task)).state).toBe('done');
    const deployNames = (await admin('GET', `/tasks/${deploy.task.id}/logs`, TaskLogs)).files.map((file) => file.name);
    expect(deployNames).toEqual(
      expect.arrayContaining(['agent.log', 'disk.sfdisk.txt', 'dmesg.txt', 'lsblk.json', 'd1p2.restore.log']),
    );

    expect((await compareWithSample(target, source)).mismatches).toEqual([]);
  });

  it('a debug deploy waits for the technician, runs step by step in order, refuses steps out of order, and ends verified', async () => {
    const target = await createLoopDisk(work, 'debug-target', 512 * MiB);
    disks.push(target);
    const untouched = await rawHash(target.path, 0, 4 * MiB);
    const created = await createTask({ kind: 'deploy', host: 'pc1', image: 'lab-gpt', debug: true });
    expect(created.cmdline).toMatch(/ brume\.debug=1$/);
    // The steps of one debug session share a log directory, as they do in the ramdisk (/tmp/brume-logs/task-N-debug).
    const logDir = mkdtempSync(join(work, 'debug-logs-'));
    const step = (...words: string[]) =>
      runBrume([
        'agent',
        '--server',
        url,
        '--task',
        String(created.task.id),
        '--token',
        created.token,
        '--disk',
        target.path,
        '--log-dir',
        logDir,
        ...(words.length > 0 ? ['--step', ...words] : []),
      ]);
    const state = async () => (await admin('GET', `/tasks/${created.task.id}`, Task)).state;

    // Booted: the banner with the steps, nothing written, the task running on the server.
    const booted = await step();
    expect(booted.code, booted.stderr).toBe(0);
    expect(booted.stderr).toContain(
      `Brume debug task ${created.task.id}: deploy of image lab-gpt on ${target.path}. Nothing has been written.`,
    );
    expect(booted.stderr).toMatch(/brume agent --step partition N +restore partition N/);
    expect(await state()).toBe('running');

    // Out of order: refused, nothing written, the task still running.
    const early = await step('partition', '2');
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/STEP_ORDER[\s\S]*run `brume agent --step table` first/);
    const unfinished = await step('finish');
    expect(unfinished.code).toBe(2);
    expect(unfinished.stderr).toContain('no table was written in this debug session');
    const plan = await step('plan');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toMatch(/gpt table on 512.0 MiB \(512-byte sectors\)[\s\S]*step plan done/);
    expect(await rawHash(target.path, 0, 4 * MiB)).toBe(untouched);
    expect(await state()).toBe('running');

    // In order: the table, each partition, then finish; a missing partition is named before finish accepts.
    expect((await step('table')).code).toBe(0);
    const numbers = [...plan.stderr.matchAll(/^ {2}p(\d+) /gm)].map((match) => Number(match[1]));
    expect(numbers.length).toBeGreaterThan(1);
    for (const number of numbers.slice(0, -1)) {
      const restored = await step('partition', String(number));
      expect(restored.code, restored.stderr).toBe(0);
    }
    const last = numbers.at(-1);
    const incomplete = await step('finish');
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toContain(`run \`brume agent --step partition ${last}\` first`);
    expect((await step('partition', String(last))).code).toBe(0);
    const finished = await step('finish');
    expect(finished.code, finished.stderr).toBe(0);

    const task = await admin('GET', `/tasks/${created.task.id}`, Task);
    expect(task.state).toBe('done');
    expect(task.result?.['debug']).toBe(true);
    const logs = (await admin('GET', `/tasks/${created.task.id}/logs`, TaskLogs)).files.map((file) => file.name);
    expect(logs).toEqual(expect.arrayContaining(['agent.log', `d1p${last}.restore.log`]));
    expect((await compareWithSample(target, source)).mismatches).toEqual([]);
  });

  it('--step on a task that is not a debug task is refused and leaves the task queued', async () => {
    const created = await createTask({ kind: 'deploy', host: 'pc1', image: 'lab-gpt' });
    const run = await agent(created, ['--step', 'table']);
    expect(run.code).toBe(2);
    expect((run.result?.['error'] as { message: string } | undefined)?.message).toContain('is not a debug task');
    expect((await admin('GET', `/tasks/${created.task.id}`, Task)).state).toBe('queued');
    await admin('POST', `/tasks/${created.task.id}/cancel`, Task);
  });

  it("a wipe task (normal) leaves every byte of the named disk zero; its passes and read-back are the task's result", async () => {
    const doomed = await createLoopDisk(work, 'doomed', 128 * MiB);
    disks.push(doomed);
    // A user's data: random bytes at the start, the middle and the end.
    const device = await open(doomed.path, 'r+');
    for (const offset of [0, 64 * MiB, 127 * MiB]) await device.write(randomBytes(MiB), 0, MiB, offset);
    await device.close();
    expect(await rawHash(doomed.path)).not.toBe(zeroHash(128 * MiB));
    const refusedMode = await admin('POST', '/tasks', TaskCreated, {
      kind: 'wipe',
      host: 'pc1',
      params: { mode: 'gentle' },
    }).catch((error: Error) => error.message);
    expect(refusedMode).toMatch(/HTTP 400 .*a wipe task: /);
    const created = await createTask({ kind: 'wipe', host: 'pc1', params: { mode: 'normal' } });
    const run = await agent(created, ['--disk', doomed.path]);
    expect(run.code, `${run.stderr}\n${JSON.stringify(run.result)}`).toBe(0);
    expect(await rawHash(doomed.path)).toBe(zeroHash(128 * MiB));
    const task = await admin('GET', `/tasks/${created.task.id}`, Task);
    expect(task.state).toBe('done');
    expect(task.result).toMatchObject({
      mode: 'normal',
      disk: doomed.path,
      bytes: 128 * MiB,
      readBack: { allZero: true },
    });
  });

  it('a surface test task reads the named disk whole and changes nothing; its regions and bad sectors are the result', async () => {
    const scanned = await createLoopDisk(work, 'scanned', 64 * MiB);
    disks.push(scanned);
    const device = await open(scanned.path, 'r+');
    await device.write(randomBytes(MiB), 0, MiB, 32 * MiB);
    await device.close();
    const before = await rawHash(scanned.path);
    const created = await createTask({ kind: 'surface-test', host: 'pc1', params: { regions: 8 } });
    const run = await agent(created, ['--disk', scanned.path]);
    expect(run.code, `${run.stderr}\n${JSON.stringify(run.result)}`).toBe(0);
    const task = await admin('GET', `/tasks/${created.task.id}`, Task);
    expect(task.result).toMatchObject({ disk: scanned.path, bytes: 64 * MiB, badSectors: [], badSectorCount: 0 });
    expect((task.result?.['throughput'] as unknown[]).length).toBe(8);
    expect(await rawHash(scanned.path)).toBe(before);
  });

  it('an inventory task needs no disk, reads this PC, and joins the host history', async () => {
    const created = await createTask({ kind: 'inventory', host: 'pc1' });
    const run = await agent(created);
    expect(run.code, `${run.stderr}\n${JSON.stringify(run.result)}`).toBe(0);
    const detail = await admin('GET', '/hosts/pc1', HostDetail);
    expect(detail.inventories[0]?.source).toBe('inventory');
    expect(detail.inventories[0]?.inventory.nics.length).toBeGreaterThan(0);
    expect((await admin('GET', `/tasks/${created.task.id}`, Task)).state).toBe('done');
  });

  it('a capture cancelled on the server while it runs stops promptly, says so, and publishes nothing', async () => {
    const capture = await createTask({ kind: 'capture', host: 'pc1', image: 'lab-cancelled', disk: sourceDisk.path });
    const running = agent(capture, ['--chunk-size', String(MiB)]);
    const deadline = Date.now() + 30_000;
    for (
      let task = await admin('GET', `/tasks/${capture.task.id}`, Task);
      task.state !== 'running';
      task = await admin('GET', `/tasks/${capture.task.id}`, Task)
    ) {
      if (task.state !== 'queued' || Date.now() > deadline)
        throw new Error(`the capture never ran: ${JSON.stringify(task)}\n${JSON.stringify(await running)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await admin('POST', `/tasks/${capture.task.id}/cancel`, Task);
    const cancelledAt = performance.now();
    const run = await running;
    expect(performance.now() - cancelledAt, 'seconds from cancel to exit').toBeLessThan(10_000);
    expect(run.code).toBe(1);
    const error = run.result?.['error'] as { code: string; message: string } | undefined;
    expect(error?.code).toBe('TASK_CANCELLED');
    expect(error?.message).toMatch(/cancelled/);
    expect((await admin('GET', `/tasks/${capture.task.id}`, Task)).state).toBe('cancelled');
    expect((await admin('GET', '/images', ImageList)).images.map((image) => image.name)).not.toContain('lab-cancelled');
  });

  it('a task cancelled on the server is refused at once, with a clear message and nothing written', async () => {
    const fresh = await createLoopDisk(work, 'fresh', 512 * MiB);
    disks.push(fresh);
    const before = await rawHash(fresh.path, 0, MiB);
    const deploy = await createTask({ kind: 'deploy', host: 'pc1', image: 'lab-gpt' });
    await admin('POST', `/tasks/${deploy.task.id}/cancel`, Task);
    const run = await agent(deploy, ['--disk', fresh.path]);
    expect(run.code).toBe(2);
    expect((run.result?.['error'] as { code: string } | undefined)?.code).toBe('UNAUTHORIZED');
    expect(await rawHash(fresh.path, 0, MiB)).toBe(before);
    expect((await admin('GET', `/tasks/${deploy.task.id}`, Task)).state).toBe('cancelled');
  });
});
