// A worker thread of the codec pool: compresses or verifies+decompresses one chunk at a time, off the main thread,
// so partclone's pipe keeps flowing while chunks are hashed and (de)compressed in parallel.
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
// The low-level binding (zstd-napi's own "binding" module) compresses into and decompresses into buffers the caller
// owns; its Compressor and Decompressor allocate a fresh output buffer per call, which for 32 MiB chunks meant
// thousands of page faults and a garbage collection per chunk.
import zstd from 'zstd-napi/binding.js';
import { release, type CodecReply, type CodecRequest } from './codec-messages.ts';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const port = parentPort;
if (port === null) throw new Error('codec-worker runs only as a worker thread');

const compressor = new zstd.CCtx();
const decompressor = new zstd.DCtx();
let level = -1;
/** Where each chunk is compressed before its exact bytes are copied out: one per worker, kept for the next chunk. */
let scratch = new Uint8Array(0);

function compress(request: Extract<CodecRequest, { op: 'compress' }>): CodecReply {
  if (request.level !== level) {
    compressor.reset(zstd.ResetDirective.parameters);
    compressor.setParameter(zstd.CParameter.compressionLevel, request.level);
    compressor.setParameter(zstd.CParameter.checksumFlag, 1);
    level = request.level;
  }
  const raw = request.raw.subarray(0, request.rawBytes);
  const bound = zstd.compressBound(raw.byteLength);
  if (scratch.byteLength < bound) scratch = new Uint8Array(bound);
  const length = compressor.compress2(scratch, raw);
  // The writer may keep the stored bytes after it has taken them (an upload in flight): they get a buffer of their own.
  const stored = new Uint8Array(new ArrayBuffer(length));
  stored.set(scratch.subarray(0, length));
  return { id: request.id, ok: true, rawSha256: sha256(raw), sha256: sha256(stored), stored, raw: request.raw };
}

function decompress(request: Extract<CodecRequest, { op: 'decompress' }>): CodecReply {
  const storedHash = sha256(request.stored);
  if (storedHash !== request.sha256) return { id: request.id, ok: false, failure: 'stored-hash', actual: storedHash };
  let length: number;
  try {
    // A frame that decodes to more than the chunk's raw size fails here (the buffer is too small), not later.
    length = decompressor.decompress(request.into.subarray(0, request.rawBytes), request.stored);
  } catch (error) {
    return { id: request.id, ok: false, failure: 'decompress', actual: String(error) };
  }
  const raw = request.into.subarray(0, length);
  const rawHash = sha256(raw);
  if (rawHash !== request.rawSha256 || length !== request.rawBytes) return { id: request.id, ok: false, failure: 'raw-hash', actual: rawHash };
  return { id: request.id, ok: true, raw, decoded: true };
}

port.on('message', (request: CodecRequest) => {
  const reply = request.op === 'compress' ? compress(request) : decompress(request);
  if (request.op === 'decompress') release(request.stored);
  const buffers = reply.ok ? ('stored' in reply ? [reply.stored.buffer, reply.raw.buffer] : [reply.raw.buffer]) : [];
  port.postMessage(reply, buffers as ArrayBuffer[]);
});
