// A peer that goes quiet without a FIN or an RST, or trickles, against the real `brume server` on loopback: nothing it
// holds (a chunk's lock, the task's cancel, the commit) may wait on it past the server's timeouts, and bad chunk
// requests are answered with a 4xx and a closed connection, never a 500 or a connection left half-read.
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, CHUNK_OFFSET_HEADER, CHUNK_SHA256_HEADER } from '@brume/protocol';
import { openRawRequest, type RawRequest } from '../support/raw-http.ts';
import { apiClient, startServerProcess, type ServerProcess } from '../support/server-process.ts';

const FILE = 'd1p1.pc.zst';
const work = mkdtempSync(join(tmpdir(), 'brume-net-faults-'));
const servers: ServerProcess[] = [];
const raws: RawRequest[] = [];

interface Capture {
  url: string;
  id: number;
  token: string;
}

const run = promisify(execFile);
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** A running capture task (its agent posted an event), as an agent holds it. */
async function runningCapture(server: ServerProcess): Promise<Capture> {
  const admin = apiClient(server.url, server.adminToken);
  const host = `pc-${randomBytes(3).toString('hex')}`;
  const mac = `52:54:00:${randomBytes(3)
    .toString('hex')
    .replace(/(..)(..)(..)/, '$1:$2:$3')}`;
  expect((await admin.post('/hosts', { name: host, macs: [mac] })).status).toBe(201);
  const task = await admin.createTask('capture', host, `img-${host}`);
  const events = { events: [{ type: 'phase', ts: new Date().toISOString(), phase: 'capture', message: FILE }] };
  const posted = await apiClient(server.url, task.token).post(`/tasks/${task.id}/events`, events);
  expect(posted.status).toBe(200);
  return { url: server.url, ...task };
}

/** A chunk PUT as the agent sends it; resolves with the status and the answer. */
async function putChunk(
  capture: Capture,
  index: number,
  offset: number,
  data: Uint8Array,
): Promise<{ status: number; body: unknown }> {
  const response = await request(`${capture.url}${API_PREFIX}/uploads/${capture.id}/${FILE}?chunk=${index}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${capture.token}`,
      'content-type': 'application/octet-stream',
      [CHUNK_OFFSET_HEADER]: String(offset),
      [CHUNK_SHA256_HEADER]: sha256(data),
    },
    body: data,
  });
  return { status: response.statusCode, body: await response.body.json() };
}

/** A chunk PUT on a raw socket: its head and `sent` bytes of its body, then whatever the test does. */
async function rawChunk(
  capture: Capture,
  index: number,
  offset: number,
  data: Uint8Array,
  sent: number,
  headers: Record<string, string> = {},
): Promise<RawRequest> {
  const raw = await openRawRequest(capture.url, {
    method: 'PUT',
    path: `${API_PREFIX}/uploads/${capture.id}/${FILE}?chunk=${index}`,
    headers: {
      authorization: `Bearer ${capture.token}`,
      'content-type': 'application/octet-stream',
      'content-length': String(data.byteLength),
      [CHUNK_OFFSET_HEADER]: String(offset),
      [CHUNK_SHA256_HEADER]: sha256(data),
      ...headers,
    },
  });
  raws.push(raw);
  if (sent > 0) await raw.write(data.subarray(0, sent));
  return raw;
}

/** Resolves with what `work` gave, or fails the test if it takes longer than `ms` (a hang, not a slow machine). */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(
    (_resolve, reject) => (timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms)),
  );
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

afterAll(async () => {
  for (const raw of raws) raw.destroy();
  for (const server of servers) await server.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('a client gone quiet mid-chunk holds nothing (timeouts far longer than the test)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess(join(work, 'patient'), 0, [
      '--body-idle-timeout',
      '10m',
      '--request-timeout',
      '1h',
      '--keep-alive-timeout',
      '10m',
    ]);
    servers.push(server);
  });

  it('lets the retry of a stalled chunk through at once, and a cancel answer at once', async () => {
    const capture = await runningCapture(server);
    const data = randomBytes(1024 * 1024);
    // Headers and half the body, then silence: the chunk's lock is held by a connection that will never finish.
    await rawChunk(capture, 0, 0, data, data.byteLength / 2);
    await sleep(300);
    const retry = await within(20_000, 'the retry of the same chunk', putChunk(capture, 0, 0, data));
    expect(retry).toMatchObject({
      status: 201,
      body: { index: 0, offset: 0, bytes: data.byteLength, sha256: sha256(data) },
    });

    await rawChunk(capture, 1, data.byteLength, data, 1000);
    await sleep(300);
    const admin = apiClient(server.url, server.adminToken);
    const cancel = await within(
      20_000,
      'task cancel',
      admin.post<{ id: number; cancelRequestedAt: string | null }>(`/tasks/${capture.id}/cancel`),
    );
    expect(cancel.status).toBe(200);
    expect(cancel.body.cancelRequestedAt).not.toBeNull();
  });

  it('refuses two concurrent overlapping chunks: one is stored, the other is a 409', async () => {
    const capture = await runningCapture(server);
    const first = randomBytes(256 * 1024);
    const second = randomBytes(256 * 1024);
    const a = await rawChunk(capture, 0, 0, first, 1000);
    const b = await rawChunk(capture, 1, 128 * 1024, second, 1000);
    await sleep(300);
    if (!b.socket.destroyed) await b.write(second.subarray(1000)).catch(() => undefined);
    await a.write(first.subarray(1000));
    await within(
      20_000,
      'both answers',
      Promise.all(
        [a, b].map(async (raw) => {
          while (raw.status() === undefined) await sleep(20);
        }),
      ),
    );
    expect([a.status(), b.status()]).toEqual([201, 409]);
    expect(b.received()).toContain('CHUNK_CONFLICT');
    const listing = await apiClient(server.url, capture.token).get<{ files: Record<string, { index: number }[]> }>(
      `/uploads/${capture.id}`,
    );
    expect(listing.body.files[FILE]?.map((chunk) => chunk.index)).toEqual([0]);
  });

  it('answers an offset past any image file with a 400, not a 500', async () => {
    const capture = await runningCapture(server);
    const data = randomBytes(4096);
    for (const offset of [2 ** 44, 2 ** 40]) {
      const answer = await putChunk(capture, 3, offset, data);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    }
  });

  it('closes the connection of a chunk refused before its body was read', async () => {
    const capture = await runningCapture(server);
    const data = randomBytes(64 * 1024);
    expect((await putChunk(capture, 0, 0, data)).status).toBe(201);
    // Chunk 0 again with other bytes and a body it never finishes: a 409, then the connection is closed.
    const other = randomBytes(8 * 1024 * 1024);
    const raw = await rawChunk(capture, 0, 0, other, 64 * 1024);
    await within(20_000, 'the refused connection closed', raw.closed);
    expect(raw.status()).toBe(409);
  });
});

describe('a DATA disk short of space', () => {
  it('refuses a capture below the free-space reserve with a 507 STORAGE_FULL', async () => {
    const short = await startServerProcess(join(work, 'short'), 0, ['--free-space-reserve', '1000T']);
    servers.push(short);
    const admin = apiClient(short.url, short.adminToken);
    expect((await admin.post('/hosts', { name: 'pc-full', macs: ['52:54:00:aa:bb:cc'] })).status).toBe(201);
    const refused = await admin.post<{ error: { code: string } }>('/tasks', {
      kind: 'capture',
      host: 'pc-full',
      image: 'never',
    });
    expect(refused.status).toBe(507);
    expect(refused.body.error.code).toBe('STORAGE_FULL');
  });

  it('answers a chunk that meets a full disk with a 507 STORAGE_FULL, not a 500', async () => {
    const mountPoint = join(work, 'tiny');
    mkdirSync(mountPoint);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint]);
    try {
      const tiny = await startServerProcess(join(mountPoint, 'data'), 0, ['--free-space-reserve', '0']);
      servers.push(tiny);
      const capture = await runningCapture(tiny);
      const data = randomBytes(4 * 1024 * 1024);
      let answer = { status: 0, body: undefined as unknown };
      for (let index = 0; index < 8 && answer.status !== 507; index++)
        answer = await putChunk(capture, index, index * data.byteLength, data);
      expect(answer).toMatchObject({ status: 507, body: { error: { code: 'STORAGE_FULL' } } });
      await tiny.stop();
    } finally {
      await run('umount', ['-l', mountPoint]);
    }
  });
});

describe('a body gone silent is dropped by the body idle timeout (the request timeout far longer)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess(join(work, 'idle'), 0, [
      '--body-idle-timeout',
      '2s',
      '--request-timeout',
      '1h',
      '--keep-alive-timeout',
      '10m',
    ]);
    servers.push(server);
  });

  it('drops a chunk body that goes silent, and the retry of that chunk is stored', async () => {
    const capture = await runningCapture(server);
    const data = randomBytes(512 * 1024);
    const stalled = await rawChunk(capture, 0, 0, data, 1000);
    await within(30_000, 'the stalled body closed by the server', stalled.closed);
    expect((await putChunk(capture, 0, 0, data)).status).toBe(201);
  });

  it('drops a recovered file piece whose body goes silent, and the same piece then goes through', async () => {
    const admin = apiClient(server.url, server.adminToken);
    const host = `pc-${randomBytes(3).toString('hex')}`;
    expect(
      (
        await admin.post('/hosts', {
          name: host,
          macs: [
            `52:54:00:${randomBytes(3)
              .toString('hex')
              .replace(/(..)(..)(..)/, '$1:$2:$3')}`,
          ],
        })
      ).status,
    ).toBe(201);
    const created = await admin.post<{ task: { id: number }; token: string }>('/tasks', {
      kind: 'recover',
      host,
      params: { destination: 'server' },
    });
    expect(created.status).toBe(201);
    const recovery = { id: created.body.task.id, token: created.body.token };
    const events = { events: [{ type: 'phase', ts: new Date().toISOString(), phase: 'recover', message: 'photorec' }] };
    expect((await apiClient(server.url, recovery.token).post(`/tasks/${recovery.id}/events`, events)).status).toBe(200);
    const data = randomBytes(256 * 1024);
    const path = `${API_PREFIX}/recovered/${recovery.id}/f0001.jpg?offset=0`;
    const headers = {
      authorization: `Bearer ${recovery.token}`,
      'content-type': 'application/octet-stream',
      'content-length': String(data.byteLength),
    };
    const stalled = await openRawRequest(server.url, { method: 'PUT', path, headers });
    raws.push(stalled);
    await stalled.write(data.subarray(0, 1000));
    await within(30_000, 'the stalled piece closed by the server', stalled.closed);
    const again = await within(
      30_000,
      'the piece sent again',
      request(`${server.url}${path}`, { method: 'PUT', headers, body: data }),
    );
    expect(again.statusCode).toBeLessThan(300);
    await again.body.dump();
  });
});

describe('a client that trickles, or never ends its head, is cut by the request and headers timeouts', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess(join(work, 'strict'), 0, [
      '--body-idle-timeout',
      '2s',
      '--request-timeout',
      '4s',
      '--headers-timeout',
      '2s',
      '--keep-alive-timeout',
      '10m',
    ]);
    servers.push(server);
  });

  it('closes 20 bodies sent at one byte a second', async () => {
    const capture = await runningCapture(server);
    const trickles = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const raw = await openRawRequest(server.url, {
          method: 'POST',
          path: `${API_PREFIX}/tasks/${capture.id}/events`,
          headers: {
            authorization: `Bearer ${capture.token}`,
            'content-type': 'application/json',
            'content-length': '4000',
          },
        });
        raws.push(raw);
        return raw;
      }),
    );
    let open = true;
    const dripping = (async () => {
      while (open) {
        await Promise.all(
          trickles.filter((raw) => !raw.socket.destroyed).map((raw) => raw.write(' ').catch(() => undefined)),
        );
        await sleep(1000);
      }
    })();
    try {
      await within(60_000, 'every trickling body closed', Promise.all(trickles.map((raw) => raw.closed)));
    } finally {
      open = false;
      await dripping;
    }
  });

  it('closes a connection whose request head never ends', async () => {
    const raw = await openRawRequest(server.url, { method: 'GET', path: `${API_PREFIX}/health`, headers: {} });
    raws.push(raw);
    // openRawRequest ended the head; this one starts another request on the same connection and never ends it.
    await raw.write('GET /api/v1/health HTTP/1.1\r\nx-slow: ');
    await within(30_000, 'the half head closed by the server', raw.closed);
  });
});
