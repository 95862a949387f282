import { availableParallelism } from 'node:os';
import { getAsset, isSea } from 'node:sea';
import { Worker } from 'node:worker_threads';
import { ownBuffer, type ChunkBytes, type CodecFailure, type CodecReply, type CodecRequest } from './codec-messages.ts';

export interface CompressedChunk {
  stored: Uint8Array;
  rawSha256: string;
  sha256: string;
  /** The raw buffer given to compress(), handed back to be used again. */
  raw: Uint8Array;
}

export interface ExpectedChunk {
  stored: Uint8Array;
  sha256: string;
  rawSha256: string;
  rawBytes: number;
  /** Where the decoded bytes go (at least rawBytes long; handed to the worker and back); a new buffer when absent. */
  into?: Uint8Array;
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
  /** Shared chunk buffers by slot number, and the slots each worker already holds (chunk-buffers.ts). */
  private readonly slotOf = new Map<SharedArrayBuffer, number>();
  private readonly shareOf = new Map<number, SharedArrayBuffer>();
  private readonly known: Set<number>[];

  constructor(size = Math.max(1, availableParallelism())) {
    this.size = size;
    this.workers = Array.from({ length: size }, () => this.startWorker());
    this.known = this.workers.map(() => new Set<number>());
  }

  /**
   * Compresses the first `rawBytes` bytes of `raw` into one zstd frame and hashes both sides. `raw` is handed to the
   * worker (its buffer transferred, detached here) and comes back as the result's `raw`.
   */
  compress(raw: Uint8Array, level: number, rawBytes = raw.byteLength): Promise<CompressedChunk> {
    return this.request((worker) => {
      const [ref, transfer] = this.outgoing(raw, worker);
      return [{ op: 'compress', level, raw: ref, rawBytes }, transfer];
    }).then((reply) => {
      if (!reply.ok || !('stored' in reply))
        throw new Error('codec worker answered a compress request with something else');
      return { stored: reply.stored, rawSha256: reply.rawSha256, sha256: reply.sha256, raw: this.incoming(reply.raw) };
    });
  }

  /**
   * Verifies the stored hash, decompresses, verifies the raw hash and length; the raw bytes come back only if all hold.
   * `chunk.stored` and `chunk.into` are handed to the worker: when one has a buffer of its own, that buffer is
   * transferred (detached here). The raw bytes come back in `into`'s buffer.
   */
  decode(chunk: ExpectedChunk): Promise<DecodedChunk> {
    const { sha256, rawSha256, rawBytes } = chunk;
    const stored = ownBuffer(chunk.stored);
    const target =
      chunk.into === undefined || chunk.into.byteLength < rawBytes
        ? new Uint8Array(new ArrayBuffer(rawBytes))
        : chunk.into;
    return this.request((worker) => {
      const [into, transfer] = this.outgoing(target, worker);
      return [{ op: 'decompress', stored, sha256, rawSha256, rawBytes, into }, [stored.buffer, ...transfer]];
    }).then((reply) => {
      if (!reply.ok) return { ok: false, failure: reply.failure, actual: reply.actual };
      if (!('decoded' in reply)) throw new Error('codec worker answered a decompress request with something else');
      return { ok: true, raw: this.incoming(reply.raw).subarray(0, reply.length) };
    });
  }

  /** A shared buffer goes as its slot (with the buffer itself the first time this worker sees it); any other by transfer. */
  private outgoing(view: Uint8Array, worker: number): [ChunkBytes, ArrayBuffer[]] {
    const buffer = view.buffer;
    if (!(buffer instanceof SharedArrayBuffer)) {
      const own = ownBuffer(view);
      return [{ bytes: own }, [own.buffer]];
    }
    let slot = this.slotOf.get(buffer);
    if (slot === undefined) {
      slot = this.slotOf.size;
      this.slotOf.set(buffer, slot);
      this.shareOf.set(slot, buffer);
    }
    const known = this.known[worker];
    if (known === undefined || known.has(slot)) return [{ slot }, []];
    known.add(slot);
    return [{ slot, share: buffer }, []];
  }

  private incoming(ref: ChunkBytes): Uint8Array {
    if ('bytes' in ref) return ref.bytes;
    const share = this.shareOf.get(ref.slot);
    if (share === undefined) throw new Error(`codec worker answered with unknown shared slot ${ref.slot}`);
    return new Uint8Array(share);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private request(
    build: (worker: number) => [DistributiveOmit<CodecRequest, 'id'>, ArrayBuffer[]],
  ): Promise<CodecReply> {
    const id = this.nextId++;
    const index = id % this.workers.length;
    const worker = this.workers[index];
    if (worker === undefined) throw new Error('codec pool has no workers');
    const [body, transfer] = build(index);
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
