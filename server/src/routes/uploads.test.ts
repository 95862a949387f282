import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HeldChunk, ImageSummary, Manifest, UploadListing } from '@brume/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeImage, sha256, type FakeImage } from '../../../test/fixtures/fake-image.ts';
import { newTask, openHarness, putChunk, type Harness } from '../../../test/fakes/server-harness.ts';

describe('capture upload → commit → download', () => {
  let h: Harness;
  let image: FakeImage;
  let task: { id: number; token: string };
  beforeEach(async () => {
    h = await openHarness();
    image = fakeImage('win11-2026');
    task = await newTask(h, 'capture', 'win11-2026');
  });
  afterEach(async () => h.close());

  const commit = (manifest: Manifest = image.manifest) =>
    h.call('POST', `/uploads/${task.id}/commit`, { token: task.token, body: { manifest } });

  it('publishes the image only at commit, with every file byte for byte', async () => {
    const listing = await h.call('GET', `/uploads/${task.id}`, { token: task.token });
    expect(UploadListing.parse(listing.json())).toEqual({ files: {} });
    for (const chunk of image.chunks) {
      const response = await putChunk(h, task.id, task.token, chunk);
      expect(response.statusCode).toBe(201);
      expect(HeldChunk.parse(response.json())).toEqual({
        index: chunk.index,
        offset: chunk.offset,
        bytes: chunk.data.length,
        sha256: chunk.sha256,
      });
    }
    const held = UploadListing.parse((await h.call('GET', `/uploads/${task.id}`, { token: task.token })).json());
    expect(held.files['d1p1.pc.zst']?.map((chunk) => chunk.index)).toEqual([0, 1, 2]);
    expect((await h.call('GET', '/images')).json()).toEqual({ images: [] });

    const committed = await commit();
    expect(committed.statusCode).toBe(200);
    const summary = ImageSummary.parse(committed.json());
    expect(summary).toMatchObject({ name: 'win11-2026', sourceHost: 'master-pc', partitions: 3, taskId: task.id });
    expect(summary.storedBytes).toBe([...image.files.values()].reduce((sum, data) => sum + data.length, 0));

    for (const [file, data] of image.files) {
      expect(await readFile(join(h.dataDir, 'images', 'win11-2026', file))).toEqual(data);
      const download = await h.call('GET', `/images/win11-2026/files/${file}`);
      expect(download.statusCode).toBe(200);
      expect(download.rawPayload).toEqual(data);
      expect(download.headers.etag).toBe(`"${sha256(data)}"`);
    }
    const manifest = await h.call('GET', '/images/win11-2026/manifest');
    expect(Manifest.parse(manifest.json())).toEqual(image.manifest);
    expect(JSON.parse(await readFile(join(h.dataDir, 'images', 'win11-2026', 'manifest.json'), 'utf8'))).toEqual(
      image.manifest,
    );
    expect((await h.call('GET', '/images')).json().images).toHaveLength(1);

    // A commit repeated after a lost answer returns the same image.
    const again = await commit();
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(committed.json());
  });

  it('refuses the commit of a capture whose cancel was requested, and drops its upload once its agent confirms', async () => {
    for (const chunk of image.chunks) expect((await putChunk(h, task.id, task.token, chunk)).statusCode).toBe(201);
    const events = { events: [{ type: 'phase', ts: new Date().toISOString(), phase: 'capture', message: 'd1p1' }] };
    expect((await h.call('POST', `/tasks/${task.id}/events`, { token: task.token, body: events })).statusCode).toBe(
      200,
    );
    expect((await h.call('POST', `/tasks/${task.id}/cancel`)).json()).toMatchObject({
      state: 'running',
      cancelRequestedAt: expect.any(String),
    });

    const refused = await commit();
    expect([refused.statusCode, refused.json().error.code]).toEqual([409, 'TASK_CANCELLED']);
    expect((await h.call('GET', '/images')).json()).toEqual({ images: [] });
    expect(await readdir(join(h.dataDir, 'uploads'))).toHaveLength(1);

    const confirmed = await h.call('POST', `/tasks/${task.id}/cancelled`, {
      token: task.token,
      body: {
        stopped: {
          cancelledBy: 'server',
          stoppedAt: 'capture: d1p2',
          message: 'stopped',
          published: false,
          uploaded: ['d1p1.pc.zst'],
        },
      },
    });
    expect(confirmed.json()).toMatchObject({ state: 'cancelled', result: null, stopped: { published: false } });
    expect(await readdir(join(h.dataDir, 'uploads'))).toEqual([]);
    expect((await h.call('GET', '/images')).json()).toEqual({ images: [] });
  });

  it('acknowledges a chunk sent again without rewriting it, and refuses a different one for the same index', async () => {
    const [boot] = image.chunks;
    expect((await putChunk(h, task.id, task.token, boot!)).statusCode).toBe(201);
    const again = await putChunk(h, task.id, task.token, boot!);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ index: 0, sha256: boot!.sha256 });

    const other = Buffer.alloc(boot!.data.length, 7);
    const conflict = await putChunk(h, task.id, task.token, boot!, { data: other, sha256: sha256(other) });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('CHUNK_CONFLICT');
    expect(await readFile(join(h.dataDir, 'uploads', String(task.id), 'd1.boot'))).toEqual(boot!.data);
  });

  it('refuses a chunk whose bytes do not match its sha256, and does not record it', async () => {
    const chunk = image.chunks.find((candidate) => candidate.file === 'd1p1.pc.zst' && candidate.index === 1)!;
    const response = await putChunk(h, task.id, task.token, chunk, { sha256: sha256('something else') });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.code).toBe('CHUNK_CORRUPT');
    const listing = UploadListing.parse((await h.call('GET', `/uploads/${task.id}`, { token: task.token })).json());
    expect(listing.files).toEqual({});
    expect((await putChunk(h, task.id, task.token, chunk)).statusCode).toBe(201);
  });

  it('refuses a chunk that would overwrite a held one', async () => {
    const [first, second] = image.chunks.filter((chunk) => chunk.file === 'd1p1.pc.zst');
    expect((await putChunk(h, task.id, task.token, first!)).statusCode).toBe(201);
    const overlapping = await putChunk(h, task.id, task.token, second!, { offset: first!.offset + 10 });
    expect(overlapping.statusCode).toBe(409);
    expect(overlapping.json().error.code).toBe('CHUNK_CONFLICT');
  });

  it('lists what is missing when the upload is incomplete', async () => {
    for (const chunk of image.chunks.filter(
      (candidate) => !(candidate.file === 'd1p1.pc.zst' && candidate.index === 2) && candidate.file !== 'd1.sfdisk',
    )) {
      await putChunk(h, task.id, task.token, chunk);
    }
    const response = await commit();
    expect(response.statusCode).toBe(409);
    expect(response.json().error).toMatchObject({
      code: 'UPLOAD_INCOMPLETE',
      detail: {
        missing: expect.arrayContaining([
          { file: 'd1p1.pc.zst', chunk: 2 },
          { file: 'd1.sfdisk', chunk: 0 },
        ]),
      },
    });
    expect(response.json().error.detail.missing).toHaveLength(2);
    expect((await h.call('GET', '/images/win11-2026')).statusCode).toBe(404);
  });

  it('re-reads every chunk at commit: one altered on disk after its upload is caught and forgotten', async () => {
    for (const chunk of image.chunks) await putChunk(h, task.id, task.token, chunk);
    const staged = join(h.dataDir, 'uploads', String(task.id), 'd1p1.pc.zst');
    const bytes = await readFile(staged);
    bytes[1200] = bytes[1200]! ^ 0xff; // inside chunk 1 (1000..2499)
    await writeFile(staged, bytes);

    const response = await commit();
    expect(response.statusCode).toBe(422);
    expect(response.json().error).toMatchObject({
      code: 'CHUNK_CORRUPT',
      detail: { problems: [{ file: 'd1p1.pc.zst', chunk: 1 }] },
    });
    expect((await h.call('GET', '/images')).json().images).toEqual([]);

    // The agent sees the chunk missing, sends it again, and the commit goes through.
    const listing = UploadListing.parse((await h.call('GET', `/uploads/${task.id}`, { token: task.token })).json());
    expect(listing.files['d1p1.pc.zst']?.map((chunk) => chunk.index)).toEqual([0, 2]);
    await putChunk(
      h,
      task.id,
      task.token,
      image.chunks.find((chunk) => chunk.file === 'd1p1.pc.zst' && chunk.index === 1)!,
    );
    expect((await commit()).statusCode).toBe(200);
  });

  it('refuses a manifest for another image name, or whose file sha256 is wrong', async () => {
    for (const chunk of image.chunks) await putChunk(h, task.id, task.token, chunk);
    const renamed = await commit({ ...image.manifest, name: 'other' });
    expect(renamed.statusCode).toBe(400);
    const wrongHash = structuredClone(image.manifest);
    wrongHash.partitions[0]!.sha256 = sha256('not the file');
    const response = await commit(wrongHash);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('MANIFEST_INVALID');
  });

  it('refuses a manifest with a partition file but no chunk of it, and publishes nothing', async () => {
    for (const chunk of image.chunks) await putChunk(h, task.id, task.token, chunk);
    const hollow = structuredClone(image.manifest);
    // An empty file's sha256: without the rule, every check passes on zero bytes.
    Object.assign(hollow.partitions[1]!, { chunks: [], storedBytes: 0, sha256: sha256('') });
    const response = await commit(hollow);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('MANIFEST_INVALID');
    expect((await h.call('GET', '/images')).json()).toEqual({ images: [] });
  });

  it('refuses a second image of the same name', async () => {
    for (const chunk of image.chunks) await putChunk(h, task.id, task.token, chunk);
    expect((await commit()).statusCode).toBe(200);
    const second = await h.call('POST', '/tasks', {
      body: { kind: 'capture', host: (await h.call('GET', `/tasks/${task.id}`)).json().hostName, image: 'win11-2026' },
    });
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe('IMAGE_EXISTS');
  });

  it('refuses a chunk body over 64 MiB from its Content-Length, before reading it', async () => {
    const response = await h.app.inject({
      method: 'PUT',
      url: `/api/v1/uploads/${task.id}/d1p1.pc.zst?chunk=0`,
      headers: {
        authorization: `Bearer ${task.token}`,
        'content-type': 'application/octet-stream',
        'x-brume-sha256': sha256(''),
        'x-brume-offset': '0',
        'content-length': String(64 * 1024 * 1024 + 1),
      },
      payload: Buffer.alloc(16),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.stringContaining('at most 67108864 bytes'),
    });
  });

  it('takes chunks only as application/octet-stream, with valid headers', async () => {
    const chunk = image.chunks[0]!;
    const asJson = await h.app.inject({
      method: 'PUT',
      url: `/api/v1/uploads/${task.id}/d1.boot?chunk=0`,
      headers: {
        authorization: `Bearer ${task.token}`,
        'content-type': 'application/json',
        'x-brume-sha256': chunk.sha256,
        'x-brume-offset': '0',
      },
      payload: '{}',
    });
    expect(asJson.statusCode).toBe(400);
    const noHash = await h.app.inject({
      method: 'PUT',
      url: `/api/v1/uploads/${task.id}/d1.boot?chunk=0`,
      headers: {
        authorization: `Bearer ${task.token}`,
        'content-type': 'application/octet-stream',
        'x-brume-offset': '0',
      },
      payload: chunk.data,
    });
    expect(noHash.statusCode).toBe(400);
    expect(noHash.json().error.code).toBe('BAD_REQUEST');
  });

  it('drops the staged upload when the task is cancelled', async () => {
    await putChunk(h, task.id, task.token, image.chunks[0]!);
    expect((await h.call('POST', `/tasks/${task.id}/cancel`)).statusCode).toBe(200);
    await expect(readFile(join(h.dataDir, 'uploads', String(task.id), 'd1.boot'))).rejects.toThrow(/ENOENT/);
    expect(await h.db.uploads.list(task.id)).toEqual([]);
  });
});
