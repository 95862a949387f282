import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { IMAGE_FORMAT, type BrumeError, type Chunk, type Manifest, type ManifestPartition } from '@brume/protocol';
import { CodecPool } from '../imaging/codec-pool.ts';
import { restoreStream } from '../imaging/restore-stream.ts';
import { createApiClient } from './client.ts';
import { httpImageReader } from './http-chunk-source.ts';
import {
  breakConnection,
  sendError,
  sendJson,
  startLoopbackServer,
  type RecordedRequest,
} from '../../../test/fakes/loopback-server.ts';

const pool = new CodecPool(2);
afterAll(() => pool.close());
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** One partition of `count` chunks compressed by the real pool, a boot area, and the manifest naming them. */
async function memoryImage(count: number) {
  const raws = Array.from({ length: count }, () => new Uint8Array(randomBytes(64 * 1024)));
  const chunks: Chunk[] = [];
  const stored: Buffer[] = [];
  let offset = 0;
  for (const [index, raw] of raws.entries()) {
    const compressed = await pool.compress(raw.slice(), 3);
    stored.push(Buffer.from(compressed.stored));
    chunks.push({
      rawOffset: index * raw.byteLength,
      rawBytes: raw.byteLength,
      rawSha256: compressed.rawSha256,
      offset,
      bytes: compressed.stored.byteLength,
      sha256: compressed.sha256,
    });
    offset += compressed.stored.byteLength;
  }
  const file = Buffer.concat(stored);
  const boot = randomBytes(8192);
  const partition = {
    disk: 1,
    number: 2,
    startBytes: 1 << 20,
    sizeBytes: 8 << 20,
    type: 'L',
    fs: 'raw',
    usedBytes: 0,
    minBytes: 0,
    resizable: false,
    tool: 'partclone.dd',
    file: 'd1p2.pc.zst',
    rawBytes: raws.length * 65536,
    storedBytes: file.byteLength,
    sha256: sha256(file),
    chunks,
  } satisfies ManifestPartition;
  const manifest: Manifest = {
    format: IMAGE_FORMAT,
    name: 'lab',
    created: new Date().toISOString(),
    source: { host: 'pc', device: '/dev/sda' },
    tools: {},
    compression: { algorithm: 'zstd', level: 3, chunkBytes: 65536 },
    disks: [
      {
        index: 1,
        sizeBytes: 16 << 20,
        logicalSectorSize: 512,
        physicalSectorSize: 512,
        label: 'gpt',
        id: 'x',
        firstUsableBytes: 17408,
        bootArea: { file: 'd1.boot', bytes: boot.byteLength, sha256: sha256(boot) },
        sfdiskFile: 'd1.sfdisk',
        table: {},
      },
    ],
    partitions: [partition],
  };
  return {
    raws,
    files: new Map([
      ['d1p2.pc.zst', file],
      ['d1.boot', boot],
    ]),
    manifest,
    partition,
  };
}

/** The image routes of the server for one image, with Range; `fault` may break an answer first. */
async function serveImage(
  image: Awaited<ReturnType<typeof memoryImage>>,
  fault?: (request: RecordedRequest, index: number) => 'short' | undefined,
) {
  const server = await startLoopbackServer((request, response, index) => {
    if (request.url === '/api/v1/images/lab/manifest') return sendJson(response, 200, image.manifest);
    const file = image.files.get(decodeURIComponent(request.url.replace('/api/v1/images/lab/files/', '')));
    if (file === undefined) return sendError(response, 404, 'NOT_FOUND', 'no such file');
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(request.headers.range ?? ''));
    const body = range === null ? file : file.subarray(Number(range[1]), Number(range[2]) + 1);
    response.writeHead(range === null ? 200 : 206, { 'content-length': body.byteLength });
    if (request.method === 'HEAD') return void response.end();
    if (fault?.(request, index) === 'short') {
      response.write(body.subarray(0, 100));
      return void setTimeout(() => breakConnection(response), 10);
    }
    response.end(body);
  });
  const client = createApiClient({
    server: server.url,
    token: 't',
    retry: { deadlineMs: 60_000, sleep: async () => undefined },
  });
  cleanups.push(
    () => client.close(),
    () => server.close(),
  );
  return { server, reader: httpImageReader(client, 'lab') };
}

function collector(): { sink: Writable; bytes: () => Buffer } {
  const parts: Buffer[] = [];
  return {
    sink: new Writable({ write: (chunk: Buffer, _encoding, done) => (parts.push(chunk), done()) }),
    bytes: () => Buffer.concat(parts),
  };
}

describe('an image read over HTTP', () => {
  it('checks the manifest and file sizes, verifies the boot area, and streams every chunk by Range', async () => {
    const image = await memoryImage(5);
    const { server, reader } = await serveImage(image);
    const manifest = await reader.manifest();
    const disk = manifest.disks[0];
    if (disk === undefined) throw new Error('fixture');
    expect(Buffer.from(await reader.bootArea(disk)).equals(image.files.get('d1.boot') ?? Buffer.alloc(0))).toBe(true);
    const { sink, bytes } = collector();
    await restoreStream(image.partition, reader.chunks(), sink, pool, pool.size + 1, () => undefined);
    expect(bytes().equals(Buffer.concat(image.raws))).toBe(true);
    const ranges = server.requests
      .filter((request) => request.headers.range !== undefined)
      .map((request) => request.headers.range);
    expect(ranges).toEqual(
      image.partition.chunks.map((chunk) => `bytes=${chunk.offset}-${chunk.offset + chunk.bytes - 1}`),
    );
  });

  it('asks again for a chunk whose body was cut short, from its own start', async () => {
    const image = await memoryImage(3);
    let cut = false;
    const { server, reader } = await serveImage(image, (request) => {
      if (
        cut ||
        request.headers.range === undefined ||
        !String(request.headers.range).startsWith(`bytes=${image.partition.chunks[1]?.offset}-`)
      )
        return undefined;
      cut = true;
      return 'short';
    });
    const { sink, bytes } = collector();
    await restoreStream(image.partition, reader.chunks(), sink, pool, pool.size + 1, () => undefined);
    expect(bytes().equals(Buffer.concat(image.raws))).toBe(true);
    expect(
      server.requests.filter(
        (request) =>
          request.headers.range ===
          `bytes=${image.partition.chunks[1]?.offset}-${(image.partition.chunks[1]?.offset ?? 0) + (image.partition.chunks[1]?.bytes ?? 0) - 1}`,
      ),
    ).toHaveLength(2);
  });

  it('stops at a chunk corrupted on the server, naming it, with nothing of it written', async () => {
    const image = await memoryImage(4);
    const file = image.files.get('d1p2.pc.zst');
    const bad = image.partition.chunks[2];
    if (file === undefined || bad === undefined) throw new Error('fixture');
    file[bad.offset + 10] = (file[bad.offset + 10] ?? 0) ^ 0x55;
    const { reader } = await serveImage(image);
    const { sink, bytes } = collector();
    const failure = await restoreStream(
      image.partition,
      reader.chunks(),
      sink,
      pool,
      pool.size + 1,
      () => undefined,
    ).catch((error: unknown) => error);
    expect((failure as BrumeError).code).toBe('CHUNK_CORRUPT');
    expect((failure as BrumeError).message).toContain('d1p2.pc.zst chunk 2');
    expect(bytes().equals(Buffer.concat(image.raws.slice(0, 2)))).toBe(true);
  });

  it('refuses an image whose file on the server is shorter than the manifest says, before anything is read', async () => {
    const image = await memoryImage(2);
    image.files.set('d1p2.pc.zst', (image.files.get('d1p2.pc.zst') ?? Buffer.alloc(0)).subarray(0, 50));
    const { reader } = await serveImage(image);
    const failure = await reader.manifest().catch((error: unknown) => error);
    expect((failure as BrumeError).code).toBe('IMAGE_TRUNCATED');
    expect((failure as BrumeError).message).toMatch(/d1p2\.pc\.zst is 50 bytes/);
  });

  it('refuses a boot area that does not match its sha256', async () => {
    const image = await memoryImage(1);
    const boot = image.files.get('d1.boot') ?? Buffer.alloc(1);
    boot[0] = (boot[0] ?? 0) ^ 1;
    const { reader } = await serveImage(image);
    const disk = (await reader.manifest()).disks[0];
    if (disk === undefined) throw new Error('fixture');
    const failure = await reader.bootArea(disk).catch((error: unknown) => error);
    expect((failure as BrumeError).code).toBe('CHUNK_CORRUPT');
  });
});
