import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, openHarness, type Harness } from '../../../test/fakes/server-harness.ts';

let h: Harness;
const PC_MAC = '52:54:00:00:0e:01';
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  h = await openHarness();
  expect((await h.call('POST', '/hosts', { body: { name: 'pc-01', macs: [PC_MAC] } })).statusCode).toBe(201);
});
afterAll(async () => h.close());

async function task(kind: string, params: Record<string, unknown> = {}): Promise<{ id: number; token: string }> {
  const created = await h.call('POST', '/tasks', {
    body: { kind, host: 'pc-01', params, ...(kind === 'deploy' ? { image: 'x' } : {}) },
  });
  expect(created.statusCode, created.body).toBe(201);
  return { id: created.json().task.id, token: created.json().token };
}

const piece = (t: { id: number; token: string }, name: string, offset: number, bytes: Buffer) =>
  h.call('PUT', `/recovered/${t.id}/${name}?offset=${offset}`, {
    token: t.token,
    body: bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });

describe('recovered files on the server', () => {
  it('takes a file in pieces (a piece sent again replaces what followed it), checks it by sha256, lists it, serves it', async () => {
    const t = await task('recover');
    const file = Buffer.concat([Buffer.alloc(1000, 1), Buffer.alloc(500, 2)]);
    expect((await piece(t, 'f0001.png', 0, file.subarray(0, 1000))).json()).toEqual({ name: 'f0001.png', bytes: 1000 });
    expect((await piece(t, 'f0001.png', 1000, Buffer.alloc(700, 9))).json()).toEqual({
      name: 'f0001.png',
      bytes: 1700,
    });
    // The agent saw no answer and sends its real second piece again at the same offset: the server holds exactly the file.
    expect((await piece(t, 'f0001.png', 1000, file.subarray(1000))).json()).toEqual({ name: 'f0001.png', bytes: 1500 });
    expect((await piece(t, 'f0001.png', 5000, Buffer.alloc(1))).json().error.code).toBe('BAD_REQUEST');
    const wrong = await h.call('POST', `/recovered/${t.id}/f0001.png/commit`, {
      token: t.token,
      body: { bytes: 1500, sha256: sha256(Buffer.alloc(1500)) },
    });
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([422, 'CHUNK_CORRUPT']);
    expect((await h.call('GET', `/tasks/${t.id}/recovered`)).json().files).toEqual([]);
    const kept = await h.call('POST', `/recovered/${t.id}/f0001.png/commit`, {
      token: t.token,
      body: { bytes: 1500, sha256: sha256(file) },
    });
    expect(kept.json()).toEqual({ name: 'f0001.png', bytes: 1500, sha256: sha256(file) });
    // A commit repeated after a lost answer is harmless.
    expect(
      (
        await h.call('POST', `/recovered/${t.id}/f0001.png/commit`, {
          token: t.token,
          body: { bytes: 1500, sha256: sha256(file) },
        })
      ).statusCode,
    ).toBe(200);
    expect((await h.call('GET', `/tasks/${t.id}/recovered`)).json()).toEqual({
      task: t.id,
      dir: `recovered/task-${t.id}`,
      files: [{ name: 'f0001.png', bytes: 1500 }],
      bytes: 1500,
    });
    const served = await h.call('GET', `/tasks/${t.id}/recovered/f0001.png`);
    expect(sha256(served.rawPayload)).toBe(sha256(file));
    expect((await h.call('GET', `/tasks/${t.id}/recovered/f0002.png`)).json().error.code).toBe('NOT_FOUND');
  });

  it("refuses another kind's token, no token, the admin's listing without a token, and a name with a path", async () => {
    const t = await task('recover');
    const other = await task('surface-test');
    expect((await piece(other, 'f1.png', 0, Buffer.alloc(1))).json().error.code).toBe('FORBIDDEN');
    expect(
      (
        await h.call('PUT', `/recovered/${t.id}/f1.png?offset=0`, {
          token: null,
          body: Buffer.alloc(1),
          headers: { 'content-type': 'application/octet-stream' },
        })
      ).statusCode,
    ).toBe(401);
    expect((await h.call('GET', `/tasks/${t.id}/recovered`, { token: null })).statusCode).toBe(401);
    expect((await piece(t, '..%2Fadmin.token', 0, Buffer.alloc(1))).statusCode).toBe(400);
    expect((await h.call('GET', `/tasks/${other.id}/recovered`)).json().error.code).toBe('BAD_REQUEST');
  });
});

describe("a disk-care task from the PC's menu (POST /agent/care)", () => {
  it("needs a technician's session and a registered PC, checks the settings, and makes the task for this PC", async () => {
    const pin = (await h.call('POST', '/techs/pins', { body: { ttlMinutes: 10, uses: 1 } })).json().pin as string;
    const token = (await h.call('POST', '/agent/tech-login', { token: null, body: { pin } })).json().token as string;
    const care = (body: unknown, bearer: string | null = token) =>
      h.call('POST', '/agent/care', { token: bearer, body });
    expect((await care({ macs: [PC_MAC], kind: 'surface-test' }, null)).statusCode).toBe(401);
    // The admin token is refused at a PC.
    expect((await care({ macs: [PC_MAC], kind: 'surface-test' }, ADMIN_TOKEN)).statusCode).toBeGreaterThanOrEqual(401);
    expect((await care({ macs: [PC_MAC], kind: 'surface-test' }, ADMIN_TOKEN)).statusCode).toBeLessThanOrEqual(403);
    expect((await care({ macs: [PC_MAC], kind: 'deploy' })).statusCode).toBe(400);
    const noMode = await care({ macs: [PC_MAC], kind: 'wipe', params: {} });
    expect([noMode.statusCode, noMode.json().error.message]).toEqual([
      400,
      expect.stringContaining('a wipe task: mode'),
    ]);
    expect((await care({ macs: ['52:54:00:99:99:99'], kind: 'virus-scan' })).json().error.code).toBe('HOST_NOT_FOUND');
    const made = await care({
      macs: [PC_MAC],
      kind: 'recover',
      params: { destination: 'usb:BACKUP', types: 'png,jpg' },
    });
    expect(made.statusCode).toBe(201);
    expect(made.json().task).toMatchObject({
      kind: 'recover',
      hostName: 'pc-01',
      state: 'queued',
      params: { destination: 'usb:BACKUP', types: 'png,jpg' },
    });
  });
});
