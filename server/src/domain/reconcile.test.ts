import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageSummary } from '@brume/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeImage, sha256 } from '../../../test/fixtures/fake-image.ts';
import { captureImage, newTask, openHarness, putChunk, type Harness } from '../../../test/fakes/server-harness.ts';

describe('startup reconciliation', () => {
  let h: Harness;
  beforeEach(async () => (h = await openHarness()));
  afterEach(async () => h.close());

  it('registers an image published just before a kill, and the retried commit returns it', async () => {
    const image = fakeImage('killed-mid-commit');
    const task = await newTask(h, 'capture', image.manifest.name);
    for (const chunk of image.chunks) await putChunk(h, task.id, task.token, chunk);
    // What commit does up to its commit point, the rename; the server dies before the database insert.
    const files = [...image.files].map(([name, data]) => ({ name, bytes: data.length, sha256: sha256(data) }));
    await h.store.publish(task.id, image.manifest.name, image.manifest, { taskId: task.id, files });
    expect((await h.call('GET', '/images')).json().images).toEqual([]);

    h = await h.restart();
    const listed = (await h.call('GET', '/images'))
      .json()
      .images.map((summary: unknown) => ImageSummary.parse(summary));
    expect(listed).toEqual([expect.objectContaining({ name: 'killed-mid-commit', taskId: task.id })]);
    expect(await h.db.uploads.list(task.id)).toEqual([]);
    const retried = await h.call('POST', `/uploads/${task.id}/commit`, {
      token: task.token,
      body: { manifest: image.manifest },
    });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ name: 'killed-mid-commit', taskId: task.id });
    const download = await h.call('GET', '/images/killed-mid-commit/files/d1p1.pc.zst');
    expect(download.rawPayload).toEqual(image.files.get('d1p1.pc.zst'));
    expect((await h.call('POST', '/images/killed-mid-commit/verify')).json().ok).toBe(true);
  });

  it('forgets an image whose directory vanished', async () => {
    await captureImage(h, fakeImage('vanished'));
    await rm(join(h.dataDir, 'images', 'vanished'), { recursive: true });
    h = await h.restart();
    expect((await h.call('GET', '/images')).json().images).toEqual([]);
    expect((await h.call('GET', '/images/vanished/manifest')).statusCode).toBe(404);
  });

  it('drops the staged upload of a task that ended while the server was down', async () => {
    const task = await newTask(h, 'capture', 'abandoned');
    await putChunk(h, task.id, task.token, fakeImage('abandoned').chunks[0]!);
    await h.db.tasks.end(task.id, { state: 'failed', at: new Date().toISOString() });
    h = await h.restart();
    expect(await readdir(join(h.dataDir, 'uploads'))).toEqual([]);
    expect(await h.db.uploads.list(task.id)).toEqual([]);
  });

  it('keeps the staged upload of a task still running', async () => {
    const task = await newTask(h, 'capture', 'resumable');
    const chunk = fakeImage('resumable').chunks[0]!;
    await putChunk(h, task.id, task.token, chunk);
    h = await h.restart();
    expect((await h.call('GET', `/uploads/${task.id}`, { token: task.token })).json().files['d1.boot']).toHaveLength(1);
    expect((await stat(join(h.dataDir, 'uploads', String(task.id), 'd1.boot'))).size).toBe(chunk.data.length);
  });

  it('registers an image directory placed by hand once its files match the manifest; ignores one without a valid manifest', async () => {
    const image = fakeImage('hand-made');
    const dir = join(h.dataDir, 'images', 'hand-made');
    await mkdir(dir);
    for (const [name, data] of image.files) await writeFile(join(dir, name), data);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(image.manifest));
    await mkdir(join(h.dataDir, 'images', 'junk'));
    await writeFile(join(h.dataDir, 'images', 'junk', 'manifest.json'), '{"format": "brume-image/1"');
    h = await h.restart();
    const images = (await h.call('GET', '/images')).json().images;
    expect(images).toEqual([expect.objectContaining({ name: 'hand-made', taskId: null })]);
    expect((await h.call('GET', '/images/hand-made/files/d1.sfdisk')).rawPayload).toEqual(image.files.get('d1.sfdisk'));
    expect((await stat(join(h.dataDir, 'images', 'junk'))).isDirectory()).toBe(true);
  });
});
