import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SignatureFile, TaskCreated } from '@brume/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from '../../../test/fakes/server-harness.ts';

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const upload = (h: Harness, name: string, data: string, headers: Record<string, string> = {}) =>
  h.call('PUT', `/signatures/${name}`, {
    body: data,
    headers: { 'content-type': 'application/octet-stream', ...headers },
  });

describe('signatures: uploads merged over a mirrored definitions directory', () => {
  let h: Harness;
  let mirror: string;
  let scan: TaskCreated;
  let capture: TaskCreated;
  const mirrored = { 'main.cvd': 'ClamAV-VDB:mirror main', 'daily.cvd': 'ClamAV-VDB:mirror daily' };

  beforeAll(async () => {
    mirror = await mkdtemp(join(tmpdir(), 'brume-mirror-'));
    for (const [name, text] of Object.entries(mirrored)) await writeFile(join(mirror, name), text);
    // Not databases: never listed, never served.
    await writeFile(join(mirror, 'freshclam.dat'), 'state');
    await writeFile(join(mirror, '.daily.cvd.tmp'), 'partial');
    h = await openHarness(undefined, true, { signaturesDir: mirror });
    await h.call('POST', '/hosts', { body: { name: 'pc-1', macs: ['52:54:00:00:00:01'] } });
    scan = (await h.call('POST', '/tasks', { body: { kind: 'virus-scan', host: 'pc-1' } })).json<TaskCreated>();
    capture = (
      await h.call('POST', '/tasks', { body: { kind: 'capture', host: 'pc-1', image: 'img' } })
    ).json<TaskCreated>();
  });
  afterAll(async () => {
    await h.close();
    await rm(mirror, { recursive: true, force: true });
  });

  it('lists the mirror; an upload of the same name hides the mirrored file, and its deletion brings it back', async () => {
    const names = async () =>
      (await h.call('GET', '/signatures'))
        .json<{ files: SignatureFile[] }>()
        .files.map((file) => `${file.name}:${file.source}`);
    expect(await names()).toEqual(['daily.cvd:mirror', 'main.cvd:mirror']);
    const put = await upload(h, 'daily.cvd', 'ClamAV-VDB:uploaded daily', {
      'x-brume-sha256': sha256('ClamAV-VDB:uploaded daily'),
    });
    expect(put.statusCode).toBe(201);
    expect(put.json()).toMatchObject({
      name: 'daily.cvd',
      bytes: 25,
      sha256: sha256('ClamAV-VDB:uploaded daily'),
      source: 'upload',
    });
    expect((await upload(h, 'daily.cvd', 'ClamAV-VDB:uploaded daily')).statusCode).toBe(200);
    expect(await names()).toEqual(['daily.cvd:upload', 'main.cvd:mirror']);
    expect((await h.call('DELETE', '/signatures/daily.cvd')).statusCode).toBe(204);
    expect(await names()).toEqual(['daily.cvd:mirror', 'main.cvd:mirror']);
  });

  it('refuses to delete a mirrored file, and a name it does not have', async () => {
    const mirroredDelete = await h.call('DELETE', '/signatures/main.cvd');
    expect(mirroredDelete.statusCode).toBe(400);
    expect(mirroredDelete.json().error.message).toMatch(/mirrored definitions directory .* remove it there/);
    expect((await h.call('DELETE', '/signatures/none.hdb')).json().error.code).toBe('NOT_FOUND');
    expect((await readdir(mirror)).sort()).toEqual(['.daily.cvd.tmp', 'daily.cvd', 'freshclam.dat', 'main.cvd']);
  });

  it('takes a file larger than a JSON body may be (streamed to disk), and serves it back whole', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'a');
    const put = await h.call('PUT', '/signatures/big.ndb', {
      body: big,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put.statusCode).toBe(201);
    expect(put.json()).toMatchObject({ bytes: big.length, sha256: sha256(big) });
    const served = await h.call('GET', `/tasks/${scan.task.id}/signatures/big.ndb`, { token: scan.token });
    expect(sha256(served.rawPayload)).toBe(sha256(big));
    expect((await h.call('DELETE', '/signatures/big.ndb')).statusCode).toBe(204);
  });

  it('refuses an upload whose bytes do not match its sha256, and keeps nothing of it', async () => {
    const response = await upload(h, 'local.hdb', 'abc:3:Test\n', { 'x-brume-sha256': sha256('something else') });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.code).toBe('CHUNK_CORRUPT');
    expect(await readdir(join(h.dataDir, 'signatures'))).toEqual([]);
  });

  it.each([['..%2Fescape.hdb'], ['sub%2Fx.hdb'], ['readme.txt'], ['.hidden.hdb'], ['noextension']])(
    'refuses the name %s',
    async (name) => {
      const response = await upload(h, name, 'abc:3:Test\n');
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('BAD_REQUEST');
    },
  );

  it("serves the files to a virus-scan task's token: the list, whole files, ranges with the sha256 as ETag", async () => {
    const token = { token: scan.token };
    const list = await h.call('GET', `/tasks/${scan.task.id}/signatures`, token);
    expect(list.statusCode).toBe(200);
    expect(list.json<{ files: SignatureFile[] }>().files.map((file) => [file.name, file.sha256])).toEqual([
      ['daily.cvd', sha256(mirrored['daily.cvd'])],
      ['main.cvd', sha256(mirrored['main.cvd'])],
    ]);
    const whole = await h.call('GET', `/tasks/${scan.task.id}/signatures/main.cvd`, token);
    expect(whole.body).toBe(mirrored['main.cvd']);
    expect(whole.headers['etag']).toBe(`"${sha256(mirrored['main.cvd'])}"`);
    const range = await h.call('GET', `/tasks/${scan.task.id}/signatures/main.cvd`, {
      ...token,
      headers: { range: 'bytes=0-9' },
    });
    expect([range.statusCode, range.body]).toEqual([206, 'ClamAV-VDB']);
    expect((await h.call('GET', `/tasks/${scan.task.id}/signatures/freshclam.dat`, token)).statusCode).toBe(400);
    expect((await h.call('GET', `/tasks/${scan.task.id}/signatures/gone.cvd`, token)).json().error.code).toBe(
      'NOT_FOUND',
    );
  });

  it('refuses them to another kind of task, to the admin token on the agent route, and uploads to a task token', async () => {
    expect(
      (await h.call('GET', `/tasks/${capture.task.id}/signatures`, { token: capture.token })).json().error.code,
    ).toBe('FORBIDDEN');
    expect(
      (await h.call('GET', `/tasks/${capture.task.id}/signatures/main.cvd`, { token: capture.token })).statusCode,
    ).toBe(403);
    expect((await h.call('GET', `/tasks/${scan.task.id}/signatures`)).statusCode).toBe(403);
    expect((await h.call('GET', `/tasks/${capture.task.id}/signatures`, { token: scan.token })).statusCode).toBe(403);
    expect(
      (
        await h.call('PUT', '/signatures/x.hdb', {
          token: scan.token,
          body: 'a',
          headers: { 'content-type': 'application/octet-stream' },
        })
      ).statusCode,
    ).toBe(403);
  });

  it('refuses them once the task has ended', async () => {
    await h.call('POST', `/tasks/${scan.task.id}/cancel`);
    expect((await h.call('GET', `/tasks/${scan.task.id}/signatures`, { token: scan.token })).statusCode).toBe(401);
  });
});

describe('--signatures DIR that is not a directory', () => {
  it('stops the server from starting, naming the flag', async () => {
    const error = await openHarness(undefined, true, { signaturesDir: join(tmpdir(), 'brume-no-such-mirror') }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/--signatures .*brume-no-such-mirror: not a directory/),
    });
  });
});
