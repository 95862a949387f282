import { availableParallelism } from 'node:os';
import { getAsset, isSea } from 'node:sea';
import { Worker } from 'node:worker_threads';
import { ownBuffer, type CodecFailure, type CodecReply, type CodecRequest } from './codec-messages.ts';

export interface CompressedChunk {
  stored: Uint8Array;
  rawSha256: string;
  sha256: string;
}

export interface ExpectedChunk {
  stored: Uint8Array;
  sha256: string;
  rawSha256: string;
  rawBytes: number;
}

export type DecodedChunk = { ok: true; raw: Uint8Array } | { ok: false; failure: CodecFailure; actual: string };

type Pending = { resolve: (reply: CodecReply) => void; reject: (error: Error) => void };

/** The asset under which agent/sea/build.ts embeds codec-worker.ts, bundled, in the single executable. */
export const CODEC_WORKER_ASSET = 'codec-worker.cjs';

/**
 * From a checkout the worker is codec-worker.ts itself. The single executable (the PXE ramdisk's agent) has no source
 * file on disk, so there the worker's bundled code comes out of the executable and runs as an eval'd script.
 */
function startCodecWorker(): Worker {
  if (isSea()) return new Worker(getAsset(CODEC_WORKER_ASSET, 'utf8'), { eval: true });
  return new Worker(new URL('./codec-worker.ts', import.meta.url));
}

/**
 * A fixed set of worker threads hashing and (de)compressing chunks. Requests are spread round-robin; callers bound how
 * many are in flight. One pool serves a whole capture or deploy and is closed at the end.
 */
export class CodecPool {
  readonly size: number;
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(size = Math.max(1, availableParallelism())) {
    this.size = size;
    this.workers = Array.from({ length: size }, () => this.startWorker());
  }

  compress(raw: Uint8Array, level: number): Promise<CompressedChunk> {
    return this.request({ op: 'compress', level, raw }, [raw.buffer as ArrayBuffer]).then((reply) => {
      if (!reply.ok || !('stored' in reply))
        throw new Error('codec worker answered a compress request with something else');
      return { stored: reply.stored, rawSha256: reply.rawSha256, sha256: reply.sha256 };
    });
  }

  /**
   * Verifies the stored hash, decompresses, verifies the raw hash and length; the raw bytes come back only if all hold.
   * `chunk.stored` is handed to the worker: when it has a buffer of its own, that buffer is transferred (detached here).
   */
  decode(chunk: ExpectedChunk): Promise<DecodedChunk> {
    const { sha256, rawSha256, rawBytes } = chunk;
    const stored = ownBuffer(chunk.stored);
    return this.request({ op: 'decompress', stored, sha256, rawSha256, rawBytes }, [stored.buffer]).then((reply) => {
      if (!reply.ok) return { ok: false, failure: reply.failure, actual: reply.actual };
      if (!('raw' in reply)) throw new Error('codec worker answered a decompress request with something else');
      return { ok: true, raw: reply.raw };
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private request(body: DistributiveOmit<CodecRequest, 'id'>, transfer: ArrayBuffer[]): Promise<CodecReply> {
    const id = this.nextId++;
    const worker = this.workers[id % this.workers.length];
    if (worker === undefined) throw new Error('codec pool has no workers');
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...body, id }, transfer);
    });
  }

  private startWorker(): Worker {
    const worker = startCodecWorker();
    worker.on('message', (reply: CodecReply) => {
      this.pending.get(reply.id)?.resolve(reply);
      this.pending.delete(reply.id);
    });
    worker.on('error', (error) => {
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
    });
    return worker;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
