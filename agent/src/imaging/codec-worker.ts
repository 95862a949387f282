// A worker thread of the codec pool: compresses or verifies+decompresses one chunk at a time, off the main thread,
// so partclone's pipe keeps flowing while chunks are hashed and (de)compressed in parallel.
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
// The low-level binding (zstd-napi's own "binding" module) compresses into and decompresses into buffers the caller
// owns; its Compressor and Decompressor allocate a fresh output buffer per call, which for 32 MiB chunks meant
// thousands of page faults and a garbage collection per chunk.
import zstd from 'zstd-napi/binding.js';
import { release, type ChunkBytes, type CodecReply, type CodecRequest } from './codec-messages.ts';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const port = parentPort;
if (port === null) throw new Error('codec-worker runs only as a worker thread');

const compressor = new zstd.CCtx();
const decompressor = new zstd.DCtx();
let level = -1;
/** Where each chunk is compressed before its exact bytes are copied out: one per worker, kept for the next chunk. */
let scratch = new Uint8Array(0);
/** The shared chunk buffers this worker was given, by slot: they stay for the pool's life. */
const slots = new Map<number, Uint8Array>();

function bytesOf(ref: ChunkBytes): Uint8Array {
  if ('bytes' in ref) return ref.bytes;
  if (ref.share !== undefined) slots.set(ref.slot, new Uint8Array(ref.share));
  const view = slots.get(ref.slot);
  if (view === undefined) throw new Error(`codec worker was never given shared slot ${ref.slot}`);
  return view;
}

/** What goes back: a slot by its number, a buffer of its own by transfer. */
const handBack = (ref: ChunkBytes, view: Uint8Array): ChunkBytes =>
  'bytes' in ref ? { bytes: view } : { slot: ref.slot };

function compress(request: Extract<CodecRequest, { op: 'compress' }>): CodecReply {
  if (request.level !== level) {
    compressor.reset(zstd.ResetDirective.parameters);
    compressor.setParameter(zstd.CParameter.compressionLevel, request.level);
    compressor.setParameter(zstd.CParameter.checksumFlag, 1);
    level = request.level;
  }
  const buffer = bytesOf(request.raw);
  const raw = buffer.subarray(0, request.rawBytes);
  const bound = zstd.compressBound(raw.byteLength);
  if (scratch.byteLength < bound) scratch = new Uint8Array(bound);
  const length = compressor.compress2(scratch, raw);
  // The writer may keep the stored bytes after it has taken them (an upload in flight): they get a buffer of their own.
  const stored = new Uint8Array(new ArrayBuffer(length));
  stored.set(scratch.subarray(0, length));
  return {
    id: request.id,
    ok: true,
    rawSha256: sha256(raw),
    sha256: sha256(stored),
    stored,
    raw: handBack(request.raw, buffer),
  };
}

function decompress(request: Extract<CodecRequest, { op: 'decompress' }>): CodecReply {
  const storedHash = sha256(request.stored);
  if (storedHash !== request.sha256) return { id: request.id, ok: false, failure: 'stored-hash', actual: storedHash };
  const into = bytesOf(request.into);
  let length: number;
  try {
    // A frame that decodes to more than the chunk's raw size fails here (the buffer is too small), not later.
    length = decompressor.decompress(into.subarray(0, request.rawBytes), request.stored);
  } catch (error) {
    return { id: request.id, ok: false, failure: 'decompress', actual: String(error) };
  }
  const rawHash = sha256(into.subarray(0, length));
  if (rawHash !== request.rawSha256 || length !== request.rawBytes)
    return { id: request.id, ok: false, failure: 'raw-hash', actual: rawHash };
  return { id: request.id, ok: true, raw: handBack(request.into, into), length, decoded: true };
}

port.on('message', (request: CodecRequest) => {
  const reply = request.op === 'compress' ? compress(request) : decompress(request);
  if (request.op === 'decompress') release(request.stored);
  const buffers = !reply.ok
    ? []
    : [...('stored' in reply ? [reply.stored.buffer] : []), ...('bytes' in reply.raw ? [reply.raw.bytes.buffer] : [])];
  port.postMessage(reply, buffers as ArrayBuffer[]);
});
