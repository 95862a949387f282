import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeStreamHeader, type Chunk, type Event, type MulticastJoin } from '@brume/protocol';
import type { ChunkSource } from '../ports.ts';
import { multicastChunkSource, type FileReceiver } from './multicast-source.ts';

const join: MulticastJoin = {
  session: 4,
  image: 'win11',
  state: 'sending',
  portbase: 9000,
  files: ['d1p1.pc.zst', 'd1p2.pc.zst'],
  closed: [],
  fileTimeoutSeconds: 90,
};
const refresh = async (): Promise<MulticastJoin> => join;
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A file of three chunks and its manifest entries. */
function storedFile(sizes: number[] = [5000, 7000, 3000]): { bytes: Buffer; chunks: Chunk[] } {
  const bytes = randomBytes(sizes.reduce((sum, size) => sum + size, 0));
  let offset = 0;
  const chunks = sizes.map((size) => {
    const chunk = {
      offset,
      bytes: size,
      sha256: sha(bytes.subarray(offset, offset + size)),
      rawOffset: 0,
      rawBytes: 0,
      rawSha256: '0'.repeat(64),
    };
    offset += size;
    return chunk;
  });
  return { bytes, chunks };
}

/**
 * Stands in for udp-receiver (the real one runs in a network namespace in test/integration/multicast.test.ts): each
 * file's stream is these bytes, delivered in odd-sized pieces as a pipe would.
 */
function receiverOf(streams: Record<string, Buffer>): FileReceiver & { stopped: string[] } {
  const stopped: string[] = [];
  const receiver = (async (_join: MulticastJoin, file: string) => {
    const data = streams[file] ?? Buffer.alloc(0);
    const pieces: Buffer[] = [];
    for (let at = 0; at < data.byteLength; at += 1777) pieces.push(data.subarray(at, at + 1777));
    return { stream: Readable.from(pieces), stop: async () => void stopped.push(file) };
  }) as FileReceiver & { stopped: string[] };
  receiver.stopped = stopped;
  return receiver;
}

/** Serves every chunk from the real file: HTTP's place. Counts what it served. */
function repairFrom(file: Buffer): ChunkSource & { served: number[] } {
  const served: number[] = [];
  return {
    served,
    read: async (_file, chunk, index) => (
      served.push(index),
      new Uint8Array(file.subarray(chunk.offset, chunk.offset + chunk.bytes))
    ),
    close: async () => undefined,
  };
}

const header = (file: string, bytes: number, session = 4, image = 'win11') =>
  Buffer.from(encodeStreamHeader({ session, image, file, bytes }));

async function readAll(source: ChunkSource, chunks: Chunk[]): Promise<Buffer> {
  // As the engine does: several reads in flight, in order.
  return Buffer.concat(await Promise.all(chunks.map((chunk, index) => source.read('d1p1.pc.zst', chunk, index))));
}

describe('the multicast chunk source', () => {
  it('takes every chunk from a sound stream, and stops the receiver at its end', async () => {
    const { bytes, chunks } = storedFile();
    const receiver = receiverOf({ 'd1p1.pc.zst': Buffer.concat([header('d1p1.pc.zst', bytes.byteLength), bytes]) });
    const repair = repairFrom(bytes);
    const events: Event[] = [];
    const source = multicastChunkSource(join, refresh, receiver, repair, { event: (event) => events.push(event) });
    expect((await readAll(source, chunks)).equals(bytes)).toBe(true);
    expect(repair.served).toEqual([]);
    expect(receiver.stopped).toContain('d1p1.pc.zst');
    expect(source.stats()).toMatchObject({ session: 4, receivedBytes: 15000, repairedBytes: 0 });
    expect(events.some((event) => event.type === 'phase' && event.phase === 'receive')).toBe(true);
  });

  it.each<[string, (bytes: Buffer) => Buffer, RegExp]>([
    [
      "another session's stream",
      (bytes) => Buffer.concat([header('d1p1.pc.zst', bytes.byteLength, 9), bytes]),
      /session 9's win11 d1p1\.pc\.zst, not session 4's/,
    ],
    [
      "another image's stream",
      (bytes) => Buffer.concat([header('d1p1.pc.zst', bytes.byteLength, 4, 'ubuntu'), bytes]),
      /session 4's ubuntu/,
    ],
    [
      'the wrong file of its own session',
      (bytes) => Buffer.concat([header('d1p2.pc.zst', bytes.byteLength), bytes]),
      /d1p2\.pc\.zst, not session 4's win11 d1p1/,
    ],
    ['no header at all', (bytes) => bytes, /not a Brume multicast stream/],
    ['no stream', () => Buffer.alloc(0), /no stream came/],
  ])('%s: nothing of it is used, every chunk comes over HTTP', async (_name, streamOf, reason) => {
    const { bytes, chunks } = storedFile();
    const wrong = randomBytes(bytes.byteLength);
    const receiver = receiverOf({ 'd1p1.pc.zst': streamOf(wrong) });
    const repair = repairFrom(bytes);
    const source = multicastChunkSource(join, refresh, receiver, repair, { event: () => undefined });
    expect((await readAll(source, chunks)).equals(bytes)).toBe(true);
    expect(repair.served).toEqual([0, 1, 2]);
    expect(source.stats().files[0]?.repairs[0]).toMatch(reason);
    expect(receiver.stopped).toContain('d1p1.pc.zst');
  });

  it('a stream cut mid-file (dropped as too slow, a killed receiver): what came is used, the rest is repaired', async () => {
    const { bytes, chunks } = storedFile();
    const receiver = receiverOf({
      'd1p1.pc.zst': Buffer.concat([header('d1p1.pc.zst', bytes.byteLength), bytes.subarray(0, 8000)]),
    });
    const repair = repairFrom(bytes);
    const source = multicastChunkSource(join, refresh, receiver, repair, { event: () => undefined });
    expect((await readAll(source, chunks)).equals(bytes)).toBe(true);
    expect(repair.served).toEqual([1, 2]);
    expect(source.stats()).toMatchObject({ receivedBytes: 5000, repairedBytes: 10000 });
    expect(source.stats().files[0]?.repairs).toEqual([expect.stringMatching(/the stream ended at byte 8000/)]);
  });

  it('a file the session has begun sending already (a late or restarted PC) is not joined: HTTP at once', async () => {
    const { bytes, chunks } = storedFile();
    const receiver = receiverOf({ 'd1p1.pc.zst': Buffer.concat([header('d1p1.pc.zst', bytes.byteLength), bytes]) });
    const repair = repairFrom(bytes);
    const source = multicastChunkSource(join, async () => ({ ...join, closed: ['d1p1.pc.zst'] }), receiver, repair, {
      event: () => undefined,
    });
    expect((await readAll(source, chunks)).equals(bytes)).toBe(true);
    expect(repair.served).toEqual([0, 1, 2]);
    expect(receiver.stopped).toEqual([]);
    expect(source.stats().files[0]?.repairs[0]).toMatch(/had begun or ended sending it before this PC was ready/);
  });

  it("a sender that never starts: the receiver is stopped after the session's wait, and HTTP serves the file", async () => {
    const { bytes, chunks } = storedFile();
    const stopped: string[] = [];
    const silent: FileReceiver = async (_join, file) => {
      const stream = new Readable({ read: () => undefined });
      return { stream, stop: async () => void (stopped.push(file), stream.push(null)) };
    };
    const repair = repairFrom(bytes);
    const source = multicastChunkSource({ ...join, fileTimeoutSeconds: 0.2 }, refresh, silent, repair, {
      event: () => undefined,
    });
    expect((await readAll(source, chunks)).equals(bytes)).toBe(true);
    expect(repair.served).toEqual([0, 1, 2]);
    expect(stopped).toContain('d1p1.pc.zst');
    expect(source.stats().files[0]?.repairs[0]).toMatch(/no stream came within 0\.2 s/);
  });

  it('a chunk that fails its hash is repaired alone; the stream goes on serving the next', async () => {
    const { bytes, chunks } = storedFile();
    const damaged = Buffer.from(bytes);
    damaged[6000] = (damaged[6000] ?? 0) ^ 0xff;
    const receiver = receiverOf({ 'd1p1.pc.zst': Buffer.concat([header('d1p1.pc.zst', bytes.byteLength), damaged]) });
    const repair = repairFrom(bytes);
    const source = multicastChunkSource(join, refresh, receiver, repair, { event: () => undefined });
    expect((await readAll(source, chunks)).equals(bytes)).toBe(true);
    expect(repair.served).toEqual([1]);
    expect(source.stats()).toMatchObject({ receivedBytes: 8000, repairedBytes: 7000 });
  });
});
