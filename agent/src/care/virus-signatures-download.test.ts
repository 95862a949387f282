import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrumeError, Event, SignatureFile } from '@brume/protocol';
import { createApiClient } from '../api/client.ts';
import { sendJson, startLoopbackServer, type LoopbackServer } from '../../../test/fakes/loopback-server.ts';
import { readDatabaseHeader } from './virus-signatures.ts';
import { downloadSignatures } from './virus-signatures-download.ts';

const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A server with `files` listed for task 7: each served by Range as the real one does; `listed` overrides a listing. */
async function signatureServer(
  files: Record<string, Buffer>,
  listed: Partial<Record<string, Partial<SignatureFile>>> = {},
): Promise<LoopbackServer> {
  const list = Object.entries(files).map(([name, bytes]) => ({
    name,
    bytes: bytes.length,
    sha256: sha256(bytes),
    source: 'upload',
    modifiedAt: new Date().toISOString(),
    ...listed[name],
  }));
  const server = await startLoopbackServer((request, response) => {
    if (request.url === '/api/v1/tasks/7/signatures') return sendJson(response, 200, { files: list });
    const name = decodeURIComponent(request.url.replace('/api/v1/tasks/7/signatures/', ''));
    const bytes = files[name];
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(request.headers.range));
    if (bytes === undefined || range === null)
      return sendJson(response, 404, { error: { code: 'NOT_FOUND', message: name } });
    const piece = bytes.subarray(Number(range[1]), Number(range[2]) + 1);
    response.writeHead(206, {
      'content-length': piece.length,
      'content-range': `bytes ${range[1]}-${range[2]}/${bytes.length}`,
    });
    response.end(piece);
  });
  cleanups.push(() => server.close());
  return server;
}

async function download(server: LoopbackServer): Promise<{ dir: string; files: SignatureFile[]; events: Event[] }> {
  const client = createApiClient({ server: server.url, token: 'bt_test', retry: { deadlineMs: 0 } });
  const dir = await mkdtemp(join(tmpdir(), 'brume-signatures-'));
  cleanups.push(async () => {
    await client.close();
    await rm(dir, { recursive: true, force: true });
  });
  const events: Event[] = [];
  const files = await downloadSignatures(client, 7, dir, { event: (event) => events.push(event) });
  return { dir, files, events };
}

describe('downloadSignatures', () => {
  it('fetches every file in 8 MiB ranges, checks each sha256, and reports progress', async () => {
    const cvd = Buffer.concat([
      Buffer.from('ClamAV-VDB:15 Jan 2025 09:28 +0000:27518:2071843:90:abcdef:sig:builder:1736933280'.padEnd(512, ' ')),
      randomBytes(20 * MiB),
    ]);
    const hdb = Buffer.from('44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test\n');
    const server = await signatureServer({ 'daily.cvd': cvd, 'local.hdb': hdb });
    const { dir, files, events } = await download(server);
    expect(files.map((file) => file.name)).toEqual(['daily.cvd', 'local.hdb']);
    expect((await readdir(dir)).sort()).toEqual(['daily.cvd', 'local.hdb']);
    expect(sha256(await readFile(join(dir, 'daily.cvd')))).toBe(sha256(cvd));
    expect(await readFile(join(dir, 'local.hdb'))).toEqual(hdb);
    expect(
      server.requests.filter((request) => request.url.endsWith('daily.cvd')).map((request) => request.headers.range),
    ).toEqual([`bytes=0-${8 * MiB - 1}`, `bytes=${8 * MiB}-${16 * MiB - 1}`, `bytes=${16 * MiB}-${cvd.length - 1}`]);
    expect(server.requests.every((request) => request.headers.authorization === 'Bearer bt_test')).toBe(true);
    const last = events.filter((event) => event.type === 'progress').at(-1);
    expect(last).toMatchObject({
      phase: 'receive',
      target: 'signatures',
      bytesDone: cvd.length + hdb.length,
      bytesTotal: cvd.length + hdb.length,
    });
    expect(await readDatabaseHeader(dir, 'daily.cvd')).toEqual({
      built: '15 Jan 2025 09:28 +0000',
      version: 27518,
      signatures: 2071843,
    });
    expect(await readDatabaseHeader(dir, 'local.hdb')).toBeUndefined();
  });

  it('refuses a file whose bytes are not the ones listed: CHUNK_CORRUPT, naming it', async () => {
    const server = await signatureServer({ 'main.cvd': randomBytes(1000) }, { 'main.cvd': { sha256: '0'.repeat(64) } });
    const error = (await download(server).catch((caught: unknown) => caught)) as BrumeError;
    expect(error).toMatchObject({
      code: 'CHUNK_CORRUPT',
      message: expect.stringMatching(/main\.cvd arrived with sha256 .* not the 0{64}/),
    });
  });

  it.each([
    ['none at all', {}],
    ['only files that amend others', { 'local.ign2': Buffer.from('Eicar-Test\n'), 'freshclam.cfg': Buffer.from('x') }],
  ])('a server with %s: NO_SIGNATURES, and nothing is downloaded', async (_name, files) => {
    const server = await signatureServer(files);
    const error = (await download(server).catch((caught: unknown) => caught)) as BrumeError;
    expect(error).toMatchObject({ code: 'NO_SIGNATURES', message: expect.stringMatching(/has no ClamAV signatures/) });
    expect(server.requests.map((request) => request.url)).toEqual(['/api/v1/tasks/7/signatures']);
  });
});
