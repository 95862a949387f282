import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageDetail, ImageVerification } from '@brume/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeImage, sha256, type FakeImage } from '../../../test/fixtures/fake-image.ts';
import { captureImage, newTask, openHarness, type Harness } from '../../../test/fakes/server-harness.ts';

describe('published images', () => {
  let h: Harness;
  let image: FakeImage;
  let file: Buffer;
  const url = '/images/room-a/files/d1p1.pc.zst';
  beforeAll(async () => {
    h = await openHarness();
    image = fakeImage('room-a');
    await captureImage(h, image);
    file = image.files.get('d1p1.pc.zst')!;
  });
  afterAll(async () => h.close());

  it('serves a byte range with 206 and Content-Range', async () => {
    const response = await h.call('GET', url, { headers: { range: 'bytes=1000-2499' } });
    expect(response.statusCode).toBe(206);
    expect(response.headers['content-range']).toBe(`bytes 1000-2499/${file.length}`);
    expect(response.headers['content-length']).toBe('1500');
    expect(response.rawPayload).toEqual(file.subarray(1000, 2500));
    const suffix = await h.call('GET', url, { headers: { range: 'bytes=-100' } });
    expect(suffix.rawPayload).toEqual(file.subarray(file.length - 100));
  });

  it('answers 416 for a range past the end', async () => {
    const response = await h.call('GET', url, { headers: { range: `bytes=${file.length}-` } });
    expect(response.statusCode).toBe(416);
    expect(response.headers['content-range']).toBe(`bytes */${file.length}`);
  });

  it('answers 304 when If-None-Match holds the ETag, the whole file when If-Range names other bytes', async () => {
    const etag = `"${sha256(file)}"`;
    expect((await h.call('GET', url, { headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    expect((await h.call('GET', url, { headers: { 'if-none-match': `"${'0'.repeat(64)}"` } })).statusCode).toBe(200);
    const stale = await h.call('GET', url, { headers: { range: 'bytes=0-9', 'if-range': `"${'0'.repeat(64)}"` } });
    expect(stale.statusCode).toBe(200);
    expect(stale.rawPayload).toEqual(file);
    const fresh = await h.call('GET', url, { headers: { range: 'bytes=0-9', 'if-range': etag } });
    expect(fresh.statusCode).toBe(206);
    expect(fresh.rawPayload).toEqual(file.subarray(0, 10));
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await h.call('HEAD', url);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBe(String(file.length));
    expect(response.headers.etag).toBe(`"${sha256(file)}"`);
    expect(response.headers['accept-ranges']).toBe('bytes');
    expect(response.rawPayload.length).toBe(0);
  });

  it('serves only the files the image recorded', async () => {
    expect((await h.call('GET', '/images/room-a/files/d1p9.pc.zst')).statusCode).toBe(404);
    expect((await h.call('GET', '/images/room-a/files/manifest.json')).statusCode).toBe(400);
    expect((await h.call('GET', '/images/room-a/files/.brume-server.json')).statusCode).toBe(400);
  });

  it('refuses names that could leave the image store, with a 4xx', async () => {
    const paths = [
      '/images/../files/d1.boot',
      '/images/%2e%2e/manifest',
      '/images/%2e%2e/files/d1.boot',
      '/images/room-a/files/..%2fadmin.token',
      '/images/room-a/files/%2e%2e%2f%2e%2e%2fadmin.token',
      '/images/a/b/manifest',
      '/images/ROOM-A/manifest',
      '/images/.hidden/manifest',
      '/images/room-a%2f..%2f..%2fadmin.token/manifest',
      '/images/%zz/manifest',
      `/images/${'a'.repeat(300)}/manifest`,
    ];
    for (const path of paths) {
      const response = await h.call('GET', path);
      expect(response.statusCode, path).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, path).toBeLessThan(500);
      expect(response.json().error.code, path).toMatch(/^(BAD_REQUEST|NOT_FOUND|IMAGE_NOT_FOUND)$/);
    }
    const capture = await newTask(h, 'capture', 'traversal');
    const put = await h.call('PUT', `/uploads/${capture.id}/..%2f..%2fadmin.token?chunk=0`, {
      token: capture.token,
      headers: { 'content-type': 'application/octet-stream', 'x-brume-sha256': sha256(''), 'x-brume-offset': '0' },
      body: '',
    });
    expect(put.statusCode).toBe(400);
  });

  it('shows an image with its manifest', async () => {
    const detail = ImageDetail.parse((await h.call('GET', '/images/room-a')).json());
    expect(detail.manifest).toEqual(image.manifest);
    expect((await h.call('GET', '/images/nope')).json().error.code).toBe('IMAGE_NOT_FOUND');
  });

  it('verifies every chunk on disk, and names the one that changed', async () => {
    const good = ImageVerification.parse((await h.call('POST', '/images/room-a/verify')).json());
    expect(good).toMatchObject({ name: 'room-a', ok: true, chunks: 6, problems: [] });

    const path = join(h.dataDir, 'images', 'room-a', 'd1p2.pc.zst');
    const original = await readFile(path);
    const damaged = Buffer.from(original);
    damaged[5] = damaged[5]! ^ 1;
    await writeFile(path, damaged);
    const bad = ImageVerification.parse((await h.call('POST', '/images/room-a/verify')).json());
    expect(bad.ok).toBe(false);
    expect(bad.problems).toEqual([{ file: 'd1p2.pc.zst', chunk: 0, message: expect.stringContaining('sha256') }]);
    await writeFile(path, original);
  });

  it('keeps an image an active deploy uses, deletes it otherwise', async () => {
    const deploy = await newTask(h, 'deploy', 'room-a');
    const refused = await h.call('DELETE', '/images/room-a');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('TASK_STATE');
    await h.call('POST', `/tasks/${deploy.id}/cancel`);
    expect((await h.call('DELETE', '/images/room-a')).statusCode).toBe(204);
    expect((await h.call('GET', '/images')).json().images).toEqual([]);
    expect((await h.call('GET', url)).statusCode).toBe(404);
    expect(
      (await h.call('POST', '/tasks', { body: { kind: 'deploy', host: 'pc-x', image: 'room-a' } })).statusCode,
    ).toBe(404);
  });
});
