import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { ImageList, TaskCreated } from '@brume/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseServerArgs } from './config.ts';
import { startServer } from './main.ts';
import { fakeImage } from '../../test/fixtures/fake-image.ts';

describe('the server on 127.0.0.1', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'brume-main-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('serves a capture over real HTTP, streamed both ways, and keeps its admin token across restarts', async () => {
    const config = parseServerArgs(['--data', dir, '--listen', '127.0.0.1:0']);
    const announced: string[] = [];
    const server = await startServer(config, { announce: (line) => announced.push(line), logger: false });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9][0-9]*$/);
    const api = (path: string, init: RequestInit & { token?: string } = {}) =>
      fetch(`${server.url}/api/v1${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${init.token ?? server.adminToken}`,
          ...(init.body === undefined || init.body instanceof Readable ? {} : { 'content-type': 'application/json' }),
          ...init.headers,
        },
      });

    expect(await (await api('/health')).json()).toEqual({ ok: true, version: expect.any(String) });
    await api('/hosts', { method: 'POST', body: JSON.stringify({ name: 'pc-01', macs: ['52:54:00:00:00:01'] }) });
    const created = TaskCreated.parse(
      await (
        await api('/tasks', { method: 'POST', body: JSON.stringify({ kind: 'capture', host: 'pc-01', image: 'net' }) })
      ).json(),
    );
    expect(created.cmdline).toBe(
      `brume.server=${server.url} brume.task=${created.task.id} brume.token=${created.token}`,
    );
    const image = fakeImage('net');
    for (const chunk of image.chunks) {
      const response = await api(`/uploads/${created.task.id}/${chunk.file}?chunk=${chunk.index}`, {
        method: 'PUT',
        token: created.token,
        body: Readable.from([chunk.data.subarray(0, 100), chunk.data.subarray(100)]),
        duplex: 'half',
        headers: {
          'content-type': 'application/octet-stream',
          'x-brume-sha256': chunk.sha256,
          'x-brume-offset': String(chunk.offset),
        },
      } as RequestInit & { token: string });
      expect(response.status).toBe(201);
    }
    expect(
      (
        await api(`/uploads/${created.task.id}/commit`, {
          method: 'POST',
          token: created.token,
          body: JSON.stringify({ manifest: image.manifest }),
        })
      ).status,
    ).toBe(200);
    const part = await api('/images/net/files/d1p1.pc.zst', { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(image.files.get('d1p1.pc.zst')!.subarray(10, 20));
    await server.close();

    const again = await startServer(config, { announce: (line) => announced.push(line), logger: false });
    expect(again.adminToken).toBe(server.adminToken);
    expect(announced).toHaveLength(1);
    const listed = ImageList.parse(
      await (
        await fetch(`${again.url}/api/v1/images`, { headers: { authorization: `Bearer ${again.adminToken}` } })
      ).json(),
    );
    expect(listed.images).toHaveLength(1);
    await again.close();
  });

  it('runs as `brume server`: logs the URL it listens on, stops cleanly on SIGTERM', async () => {
    const root = resolve(import.meta.dirname, '../..');
    const child = spawn(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        join(root, 'bin/brume.ts'),
        'server',
        '--data',
        dir,
        '--listen',
        '127.0.0.1:0',
      ],
      { cwd: root },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += String(data)));
    const url = await new Promise<string>((found, fail) => {
      child.stdout.on('data', (data: Buffer) => {
        stdout += String(data);
        for (const line of stdout.split('\n')) {
          if (!line.startsWith('{')) continue;
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'listening' && entry.url !== undefined) found(entry.url);
        }
      });
      child.on('exit', (code) => fail(new Error(`exited ${code}: ${stderr}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9][0-9]*$/);
    expect(stderr).toMatch(/^brume server: admin token \(also in .*admin\.token\): ba_[A-Za-z0-9_-]{43}$/m);
    expect((await fetch(`${url}/api/v1/health`)).status).toBe(200);
    const exit = new Promise<number | null>((done) => child.on('exit', done));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('exits 2 with a message on bad flags', async () => {
    const { runServerCommand } = await import('./main.ts');
    const writes: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => writes.push(chunk) > 0) as typeof process.stderr.write;
    try {
      expect(await runServerCommand(['--listen', 'nowhere'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(writes.join('')).toMatch(/brume server: .*\n.*--data DIR/);
  });
});
