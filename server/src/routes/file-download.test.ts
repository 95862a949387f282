import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskCreated } from '@brume/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeImage } from '../../../test/fixtures/fake-image.ts';
import { captureImage, openHarness, type Harness } from '../../../test/fakes/server-harness.ts';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

type Method = 'GET' | 'HEAD';

/** One file the server streams, and how the client that fetches it asks (iPXE with no token, an admin, a task). */
interface Served {
  bytes: Buffer;
  request(method: Method, headers: Record<string, string>): Promise<LightMyRequestResponse>;
}

// The three kinds of file the server streams, each through its own route, all answered by the one sendFile.
describe.each(['boot file', 'image file', 'signature file'] as const)('a %s download', (kind) => {
  let h: Harness;
  let mirror: string;
  let served: Served;
  const get = (headers: Record<string, string> = {}, method: Method = 'GET') => served.request(method, headers);

  beforeAll(async () => {
    mirror = await mkdtemp(join(tmpdir(), 'brume-download-'));
    const signature = randomBytes(50_000);
    await writeFile(join(mirror, 'main.cvd'), signature);
    h = await openHarness(undefined, true, { signaturesDir: mirror });
    if (kind === 'boot file') {
      const vmlinuz = randomBytes(60_000);
      await mkdir(join(h.dataDir, 'boot'), { recursive: true });
      await writeFile(join(h.dataDir, 'boot', 'vmlinuz'), vmlinuz);
      served = {
        bytes: vmlinuz,
        request: (method, headers) => h.app.inject({ method, url: '/boot/vmlinuz', headers }),
      };
    } else if (kind === 'image file') {
      const image = fakeImage('room-a');
      await captureImage(h, image);
      const url = '/images/room-a/files/d1p1.pc.zst';
      served = {
        bytes: image.files.get('d1p1.pc.zst') as Buffer,
        request: (method, headers) => h.call(method, url, { headers }),
      };
    } else {
      await h.call('POST', '/hosts', { body: { name: 'pc-1', macs: ['52:54:00:00:00:01'] } });
      const scan = (await h.call('POST', '/tasks', { body: { kind: 'virus-scan', host: 'pc-1' } })).json<TaskCreated>();
      const url = `/tasks/${scan.task.id}/signatures/main.cvd`;
      served = { bytes: signature, request: (method, headers) => h.call(method, url, { token: scan.token, headers }) };
    }
  });
  afterAll(async () => {
    await h.close();
    await rm(mirror, { recursive: true, force: true });
  });

  it('sends the whole file with its sha256 as a strong ETag, and a range with 206', async () => {
    const whole = await get();
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload.equals(served.bytes)).toBe(true);
    expect(whole.headers.etag).toBe(`"${sha256(served.bytes)}"`);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    const range = await get({ range: 'bytes=1000-2499' });
    expect(range.statusCode).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes 1000-2499/${served.bytes.length}`);
    expect(range.rawPayload.equals(served.bytes.subarray(1000, 2500))).toBe(true);
    expect((await get({ range: 'bytes=-100' })).rawPayload.equals(served.bytes.subarray(-100))).toBe(true);
  });

  it('answers If-None-Match with 304 when the ETag matches, the file when it does not', async () => {
    const etag = `"${sha256(served.bytes)}"`;
    const notModified = await get({ 'if-none-match': etag });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.rawPayload.length).toBe(0);
    expect((await get({ 'if-none-match': `"${'0'.repeat(64)}"` })).statusCode).toBe(200);
  });

  it('honours a range only when If-Range names the same bytes', async () => {
    const fresh = await get({ range: 'bytes=0-9', 'if-range': `"${sha256(served.bytes)}"` });
    expect(fresh.statusCode).toBe(206);
    expect(fresh.rawPayload.equals(served.bytes.subarray(0, 10))).toBe(true);
    const stale = await get({ range: 'bytes=0-9', 'if-range': `"${'0'.repeat(64)}"` });
    expect(stale.statusCode).toBe(200);
    expect(stale.rawPayload.equals(served.bytes)).toBe(true);
  });

  it('answers a range past the end with 416, the size in Content-Range and the reason in the error body', async () => {
    const response = await get({ range: `bytes=${served.bytes.length}-` });
    expect(response.statusCode).toBe(416);
    expect(response.headers['content-range']).toBe(`bytes */${served.bytes.length}`);
    const { error } = response.json<{ error: { code: string; message: string } }>();
    expect(error.code).toBe('RANGE_NOT_SATISFIABLE');
    expect(error.message).toContain(`${served.bytes.length} bytes`);
  });

  it('answers HEAD with the headers and no body, a past-the-end HEAD with a bare 416', async () => {
    const head = await get({}, 'HEAD');
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(served.bytes.length));
    expect(head.rawPayload.length).toBe(0);
    const past = await get({ range: `bytes=${served.bytes.length}-` }, 'HEAD');
    expect(past.statusCode).toBe(416);
    expect(past.rawPayload.length).toBe(0);
  });
});
