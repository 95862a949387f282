// A worker thread of the codec pool: compresses or verifies+decompresses one chunk at a time, off the main thread,
// so partclone's pipe keeps flowing while chunks are hashed and (de)compressed in parallel.
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { Compressor, Decompressor } from 'zstd-napi';
import { ownBuffer, release, type CodecReply, type CodecRequest } from './codec-messages.ts';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const port = parentPort;
if (port === null) throw new Error('codec-worker runs only as a worker thread');

const compressor = new Compressor();
const decompressor = new Decompressor();
let level = -1;

function handle(request: CodecRequest): CodecReply {
  if (request.op === 'compress') {
    if (request.level !== level) {
      compressor.setParameters({ compressionLevel: request.level, checksumFlag: true });
      level = request.level;
    }
    // Often a view into a bigger scratch buffer of zstd-napi's: exactly its bytes go back, in a buffer of their own.
    const stored = ownBuffer(compressor.compress(request.raw));
    const reply: CodecReply = {
      id: request.id,
      ok: true,
      rawSha256: sha256(request.raw),
      sha256: sha256(stored),
      stored,
    };
    return reply;
  }
  const storedHash = sha256(request.stored);
  if (storedHash !== request.sha256) return { id: request.id, ok: false, failure: 'stored-hash', actual: storedHash };
  let raw: Uint8Array;
  try {
    raw = ownBuffer(decompressor.decompress(request.stored));
  } catch (error) {
    return { id: request.id, ok: false, failure: 'decompress', actual: String(error) };
  }
  const rawHash = sha256(raw);
  if (rawHash !== request.rawSha256 || raw.byteLength !== request.rawBytes) {
    return { id: request.id, ok: false, failure: 'raw-hash', actual: rawHash };
  }
  return { id: request.id, ok: true, raw };
}

port.on('message', (request: CodecRequest) => {
  const reply = handle(request);
  release(request.op === 'compress' ? request.raw : request.stored);
  const bytes = 'stored' in reply ? reply.stored : 'raw' in reply ? reply.raw : undefined;
  port.postMessage(reply, bytes === undefined ? [] : [bytes.buffer as ArrayBuffer]);
});
