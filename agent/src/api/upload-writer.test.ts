import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { BrumeError, type HeldChunk, type Manifest } from '@brume/protocol';
import type { StoredPiece } from '../ports.ts';
import { createApiClient } from './client.ts';
import { sendError, sendJson, startLoopbackServer, type RecordedRequest } from '../../../test/fakes/loopback-server.ts';
import { uploadImageWriter } from './upload-writer.ts';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const piece = (offset: number, size: number): StoredPiece => {
  const stored = new Uint8Array(randomBytes(size));
  return { offset, stored, sha256: sha256(stored) };
};
const manifest = { name: 'win11' } as unknown as Manifest;
const summary = {
  name: 'win11',
  createdAt: new Date().toISOString(),
  sourceHost: 'pc1',
  partitions: 1,
  rawBytes: 10,
  storedBytes: 10,
  taskId: 5,
};

/** The upload side of the server, in memory: holds chunks it verified; `lose` drops some before the first commit. */
function uploadServer(initial: Record<string, HeldChunk[]>, lose: string[] = []) {
  const held = new Map<string, HeldChunk>();
  for (const [file, chunks] of Object.entries(initial))
    for (const chunk of chunks) held.set(`${file}#${chunk.index}`, chunk);
  let commits = 0;
  const handle = (request: RecordedRequest, response: ServerResponse): void => {
    const url = new URL(request.url, 'http://x');
    if (request.method === 'GET' && url.pathname === '/api/v1/uploads/5') {
      const files: Record<string, HeldChunk[]> = {};
      for (const [key, chunk] of held) (files[key.split('#')[0] ?? ''] ??= []).push(chunk);
      sendJson(response, 200, { files });
      return;
    }
    const put = /^\/api\/v1\/uploads\/5\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'PUT' && put !== null) {
      if (sha256(request.body) !== request.headers['x-brume-sha256'])
        return sendError(response, 422, 'CHUNK_CORRUPT', 'body does not match');
      const chunk = {
        index: Number(url.searchParams.get('chunk')),
        offset: Number(request.headers['x-brume-offset']),
        bytes: request.body.byteLength,
        sha256: sha256(request.body),
      };
      held.set(`${put[1] ?? ''}#${chunk.index}`, chunk);
      return sendJson(response, 201, chunk);
    }
    if (request.method === 'POST' && url.pathname === '/api/v1/uploads/5/commit') {
      if (commits++ === 0 && lose.length > 0) {
        for (const key of lose) held.delete(key);
        return sendError(response, 409, 'UPLOAD_INCOMPLETE', `missing ${lose.join(', ')}`);
      }
      return lose.every((key) => held.has(key))
        ? sendJson(response, 200, summary)
        : sendError(response, 409, 'UPLOAD_INCOMPLETE', 'still missing');
    }
    sendError(response, 404, 'NOT_FOUND', `${request.method} ${request.url}`);
  };
  return { held, handle };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function writerFor(fake: ReturnType<typeof uploadServer>) {
  const server = await startLoopbackServer(fake.handle);
  const client = createApiClient({ server: server.url, token: 't', retry: { deadlineMs: 0 } });
  cleanups.push(
    () => client.close(),
    () => server.close(),
  );
  return { server, writer: uploadImageWriter(client, 5, 'win11') };
}

describe('the upload writer', () => {
  it('sends only what the server does not hold yet (resume), with sha256 and offset, then commits', async () => {
    const boot = piece(0, 4096);
    const first = piece(0, 1000);
    const second = piece(1000, 700);
    const fake = uploadServer({ 'd1p2.pc.zst': [{ index: 0, offset: 0, bytes: 1000, sha256: first.sha256 }] });
    const { server, writer } = await writerFor(fake);
    await writer.begin();
    await writer.put('d1.boot', 0, boot);
    await writer.endFile('d1.boot');
    await writer.put('d1p2.pc.zst', 0, first);
    await writer.put('d1p2.pc.zst', 1, second);
    await writer.endFile('d1p2.pc.zst');
    await writer.publish(manifest);

    const puts = server.requests.filter((request) => request.method === 'PUT');
    expect(puts.map((request) => request.url)).toEqual([
      '/api/v1/uploads/5/d1.boot?chunk=0',
      '/api/v1/uploads/5/d1p2.pc.zst?chunk=1',
    ]);
    expect(puts[1]?.headers['x-brume-offset']).toBe('1000');
    expect(puts[1]?.headers['content-type']).toBe('application/octet-stream');
    expect(Buffer.from(second.stored).equals(puts[1]?.body ?? Buffer.alloc(0))).toBe(true);
    expect(writer.stats()).toEqual({ sentChunks: 2, sentBytes: 4096 + 700, skippedChunks: 1, skippedBytes: 1000 });
    expect(writer.published()?.name).toBe('win11');
    expect(JSON.parse(server.requests.at(-1)?.body.toString() ?? '{}')).toEqual({ manifest });
  });

  it('sends a small file again when the commit finds it missing, then commits once more', async () => {
    const fake = uploadServer({}, ['d1.boot#0']);
    const { server, writer } = await writerFor(fake);
    await writer.begin();
    await writer.put('d1.boot', 0, piece(0, 4096));
    await writer.put('d1p2.pc.zst', 0, piece(0, 3 * 1024 * 1024));
    await writer.publish(manifest);
    expect(server.requests.filter((request) => request.url === '/api/v1/uploads/5/d1.boot?chunk=0')).toHaveLength(2);
    expect(server.requests.filter((request) => request.url.endsWith('/commit'))).toHaveLength(2);
    expect(writer.published()?.name).toBe('win11');
  });

  it('sends a chunk again when the server says it arrived damaged', async () => {
    const fake = uploadServer({});
    let damaged = false;
    const server = await startLoopbackServer((request, response) => {
      if (request.method === 'PUT' && !damaged) {
        damaged = true;
        return sendError(response, 422, 'CHUNK_CORRUPT', 'arrived with another sha256: send it again');
      }
      fake.handle(request, response);
    });
    const client = createApiClient({ server: server.url, token: 't', retry: { deadlineMs: 0 } });
    cleanups.push(
      () => client.close(),
      () => server.close(),
    );
    const writer = uploadImageWriter(client, 5, 'win11');
    await writer.begin();
    await writer.put('d1p2.pc.zst', 0, piece(0, 100));
    await writer.close(); // uploads run behind put(): wait for this one
    expect(server.requests.filter((request) => request.method === 'PUT')).toHaveLength(2);
    expect(fake.held.has('d1p2.pc.zst#0')).toBe(true);
  });

  it('names the chunks the server lost when they are no longer here to send', async () => {
    const fake = uploadServer({}, ['d1p2.pc.zst#1']);
    const { writer } = await writerFor(fake);
    await writer.begin();
    await writer.put('d1p2.pc.zst', 0, piece(0, 100));
    await writer.put('d1p2.pc.zst', 1, piece(100, 100));
    const failure = await writer.publish(manifest).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BrumeError);
    expect((failure as BrumeError).code).toBe('UPLOAD_INCOMPLETE');
    expect((failure as BrumeError).message).toContain('d1p2.pc.zst chunk 1');
  });
});
