// The classroom network and a crashing server: `brume agent` against the real `brume server` on loopback, with real
// loop disks. Connections are cut mid-capture and mid-deploy by a TCP proxy, the server is SIGKILLed during an upload
// and during a commit, an image file is damaged on the server's disk. Every run must end verified, or fail naming the
// damage with nothing unverified written; a half-written image is never listed.
import { readFileSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync, closeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@brume/protocol';
import { spawnBrume, type CliRun } from '../support/brume-cli.ts';
import { startCuttingProxy, type CuttingProxy } from '../support/cutting-proxy.ts';
import { rawHash } from '../support/file-tree.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { buildGptSample, type SampleDisk } from '../support/sample-disks.ts';
import { compareWithSample } from '../support/sample-check.ts';
import { apiClient, freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { zeroHash } from '../support/zero-device.ts';

const MiB = 1024 * 1024;
const CHUNK = String(2 * MiB);
const work = mkdtempSync(join(tmpdir(), 'brume-faults-'));
const dataDir = join(work, 'server');
const disks: LoopDisk[] = [];
let port: number;
let server: ServerProcess;
let source: SampleDisk;
let admin: ReturnType<typeof apiClient>;

interface CreatedTask {
  id: number;
  token: string;
}

const createTask = (kind: 'capture' | 'deploy', host: string, image: string): Promise<CreatedTask> =>
  admin.createTask(kind, host, image);

function runAgent(task: CreatedTask, disk: string, serverUrl: string) {
  return spawnBrume([
    'agent',
    '--server',
    serverUrl,
    '--task',
    String(task.id),
    '--token',
    task.token,
    '--disk',
    disk,
    '--chunk-size',
    CHUNK,
    '--json',
  ]);
}

async function taskOf(
  id: number,
): Promise<{ state: string; error: { code: string; message: string } | null; logFiles: string[] }> {
  const answer = await admin.get<{
    state: string;
    error: { code: string; message: string } | null;
    logFiles: string[];
  }>(`/tasks/${id}`);
  expect(answer.status).toBe(200);
  return answer.body;
}

async function expectVerifiedImage(name: string): Promise<Manifest> {
  const verify = await admin.post<{ ok: boolean; problems: unknown[] }>(`/images/${name}/verify`);
  expect(verify.status).toBe(200);
  expect(verify.body.problems).toEqual([]);
  expect(verify.body.ok).toBe(true);
  const detail = await admin.get<{ manifest: Manifest }>(`/images/${name}`);
  return detail.body.manifest;
}

/** Every file of every partition on `disk` has the source's sha256; the raw partition and the boot area too. */
async function expectSameFiles(disk: LoopDisk): Promise<void> {
  const comparison = await compareWithSample(disk, source);
  expect(comparison.mismatches).toEqual([]);
  expect(comparison.files).toBeGreaterThan(100);
}

/** Only complete images exist in the store: every directory in DATA/images has its manifest. */
function expectNoHalfImage(): void {
  const images = join(dataDir, 'images');
  if (!existsSync(images)) return;
  for (const name of readdirSync(images))
    expect(existsSync(join(images, name, 'manifest.json')), `${name} lacks its manifest`).toBe(true);
}

/** From the server's log: the PUTs it answered, and those it answered 200 (held already: sent twice for nothing). */
function putAnswers(log: string[]): { puts: number; heldAgain: string[] } {
  const urls = new Map<string, string>();
  const repeats: string[] = [];
  let puts = 0;
  for (const line of log.flatMap((text) => text.split('\n'))) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as {
      reqId?: string;
      req?: { method?: string; url?: string };
      res?: { statusCode?: number };
    };
    if (entry.reqId === undefined) continue;
    if (entry.req?.method === 'PUT' && entry.req.url !== undefined) urls.set(entry.reqId, entry.req.url);
    const url = urls.get(entry.reqId);
    if (url === undefined || entry.res?.statusCode === undefined) continue;
    puts++;
    if (entry.res.statusCode === 200) repeats.push(url);
  }
  return { puts, heldAgain: repeats };
}

async function until(what: string, check: () => Promise<boolean>, seconds = 120): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const expectDone = (run: CliRun): void => expect(run.code, `${run.stderr}\n${run.stdout.slice(-3000)}`).toBe(0);

beforeAll(async () => {
  const disk = await createLoopDisk(work, 'source', 512 * MiB);
  disks.push(disk);
  source = await buildGptSample(disk);
  port = await freePort();
  server = await startServerProcess(dataDir, port);
  admin = apiClient(server.url, server.adminToken);
  for (const [name, mac] of [
    ['master', '52:54:00:00:00:01'],
    ['pc-01', '52:54:00:00:00:02'],
    ['pc-02', '52:54:00:00:00:03'],
  ] as const) {
    expect((await admin.post('/hosts', { name, macs: [mac] })).status).toBe(201);
  }
});

afterAll(async () => {
  await server.stop();
  for (const disk of disks) await disk.detach();
  rmSync(work, { recursive: true, force: true });
});

describe('connections cut by the network', () => {
  let proxy: CuttingProxy;
  afterAll(async () => proxy.close());

  it('a capture resumes after each cut, sends no held chunk twice, and the image verifies', async () => {
    proxy = await startCuttingProxy(new URL(server.url), [3 * MiB, 11 * MiB, 23 * MiB]);
    const task = await createTask('capture', 'master', 'cut-capture');
    const run = await runAgent(task, disks[0]?.path ?? '', proxy.url).done;
    expectDone(run);
    expect(proxy.cuts()).toBe(3);
    expect((await taskOf(task.id)).state).toBe('done');
    await expectVerifiedImage('cut-capture');
    // A chunk is sent again only if a cut interrupted it (each cut breaks the PUTs in flight, at most three), never
    // once the server held it: the server answered no PUT with 200 "already held".
    const puts = proxy.requests.filter((request) => request.method === 'PUT').map((request) => request.path);
    expect(puts.length - new Set(puts).size).toBeLessThanOrEqual(3 * proxy.cuts());
    const answers = putAnswers(server.log);
    expect(answers.puts).toBeGreaterThan(10);
    expect(answers.heldAgain).toEqual([]);
  });

  it('a deploy resumes by Range from chunk boundaries, and the copy is identical', async () => {
    await proxy.close();
    proxy = await startCuttingProxy(new URL(server.url), [2 * MiB, 9 * MiB, 20 * MiB]);
    const manifest = await expectVerifiedImage('cut-capture');
    const target = await createLoopDisk(work, 'pc-01', 512 * MiB);
    disks.push(target);
    const task = await createTask('deploy', 'pc-01', 'cut-capture');
    expectDone(await runAgent(task, target.path, proxy.url).done);
    expect(proxy.cuts()).toBe(3);
    expect((await taskOf(task.id)).state).toBe('done');
    await expectSameFiles(target);
    const boundaries = new Set(
      manifest.partitions.flatMap((partition) => partition.chunks.map((chunk) => chunk.offset)),
    );
    const starts = proxy.requests.flatMap((request) => (request.rangeStart === undefined ? [] : [request.rangeStart]));
    expect(starts.length).toBeGreaterThan(0);
    for (const start of starts)
      expect(boundaries.has(start), `Range starts at ${start}, not a chunk boundary`).toBe(true);
  });
});

describe('the server killed and restarted', () => {
  it('during an upload: nothing half-written is listed, and the capture resumes to a verified image', async () => {
    const task = await createTask('capture', 'master', 'killed-upload');
    const agent = runAgent(task, disks[0]?.path ?? '', server.url);
    const uploads = apiClient(server.url, task.token);
    await until('a few chunks uploaded', async () => {
      const listing = await uploads
        .get<{ files: Record<string, unknown[]> }>(`/uploads/${task.id}`)
        .catch(() => undefined);
      return Object.values(listing?.body.files ?? {}).reduce((sum, chunks) => sum + chunks.length, 0) >= 4;
    });
    await server.kill();
    expectNoHalfImage();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    server = await startServerProcess(dataDir, port);
    admin = apiClient(server.url, server.adminToken);
    const listed = await admin.get<{ images: Array<{ name: string }> }>('/images');
    if ((await taskOf(task.id)).state !== 'done')
      expect(listed.body.images.map((image) => image.name)).not.toContain('killed-upload');
    expectDone(await agent.done);
    expect((await taskOf(task.id)).state).toBe('done');
    await expectVerifiedImage('killed-upload');
  });

  it('during a commit: the image is either absent or whole, and the agent ends with a verified image', async () => {
    const task = await createTask('capture', 'master', 'killed-commit');
    let killing: Promise<void> | undefined;
    const proxy = await startCuttingProxy(new URL(server.url), [], (request) => {
      if (request.method === 'POST' && request.path.endsWith('/commit') && killing === undefined)
        killing = server.kill();
    });
    try {
      const agent = runAgent(task, disks[0]?.path ?? '', proxy.url);
      await until('the commit request', async () => killing !== undefined, 300);
      await killing;
      expectNoHalfImage();
      server = await startServerProcess(dataDir, port);
      admin = apiClient(server.url, server.adminToken);
      const listed = (await admin.get<{ images: Array<{ name: string }> }>('/images')).body.images.map(
        (image) => image.name,
      );
      if (listed.includes('killed-commit')) await expectVerifiedImage('killed-commit');
      expectDone(await agent.done);
      expect((await taskOf(task.id)).state).toBe('done');
      await expectVerifiedImage('killed-commit');
    } finally {
      await proxy.close();
    }
  });
});

describe('a chunk damaged on the server disk', () => {
  it('the deploy fails naming the chunk, writes nothing of it nor after it, and ships its logs', async () => {
    const manifest = await expectVerifiedImage('cut-capture');
    const ntfs = manifest.partitions.find((partition) => partition.fs === 'ntfs');
    const chunk = ntfs?.chunks[2];
    if (ntfs?.file === undefined || ntfs.file === null || chunk === undefined)
      throw new Error('the sample has no NTFS partition with 3 chunks');
    const path = join(dataDir, 'images', 'cut-capture', ntfs.file);
    const handle = openSync(path, 'r+');
    const original = readFileSync(path)[chunk.offset + 100] ?? 0;
    writeSync(handle, Buffer.from([original ^ 0xff]), 0, 1, chunk.offset + 100);
    closeSync(handle);

    const target = await createLoopDisk(work, 'pc-02', 512 * MiB);
    disks.push(target);
    const task = await createTask('deploy', 'pc-02', 'cut-capture');
    const run = await runAgent(task, target.path, server.url).done;
    const ended = await taskOf(task.id);
    const story = JSON.stringify({ ended, stderr: run.stderr.slice(-2000), result: run.result });
    expect(run.code, story).toBe(1);
    expect(ended.state, story).toBe('failed');
    expect(ended.error?.code).toBe('CHUNK_CORRUPT');
    expect(ended.error?.message).toContain(`${ntfs.file} chunk 2`);
    expect(ended.logFiles.length).toBeGreaterThan(0);
    // The partitions after the damaged one were never reached: still zeroes, as the fresh disk was.
    const later = source.partitions.filter((partition) => partition.number > ntfs.number);
    for (const partition of later)
      expect(await rawHash(target.partition(partition.number), 0, partition.sizeBytes)).toBe(
        zeroHash(partition.sizeBytes),
      );
    const verify = await admin.post<{ ok: boolean; problems: Array<{ file: string; chunk: number | null }> }>(
      '/images/cut-capture/verify',
    );
    expect(verify.body.ok).toBe(false);
    expect(verify.body.problems).toContainEqual(expect.objectContaining({ file: ntfs.file, chunk: 2 }));
  });
});
