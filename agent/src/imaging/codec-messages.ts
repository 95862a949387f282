/**
 * Messages between the codec pool and its workers. Chunk bytes cross threads by transfer, never by copy: a structured
 * clone copies the whole ArrayBuffer behind a view, and the copies left as garbage in each thread (each with its own
 * garbage collector) were what filled a 512 MiB PC during a deploy. Chunk-sized buffers go out and come back, so the
 * caller can use them again (chunk-buffers.ts).
 */
export type CodecRequest =
  /** `raw`'s first `rawBytes` bytes are the chunk; its buffer comes back in the reply. */
  | { id: number; op: 'compress'; level: number; raw: ChunkBytes; rawBytes: number }
  /** The decoded bytes are written into `into` (at least `rawBytes` long), which comes back in the reply. */
  | {
      id: number;
      op: 'decompress';
      stored: Uint8Array;
      sha256: string;
      rawSha256: string;
      rawBytes: number;
      into: ChunkBytes;
    };

/**
 * A chunk buffer on its way to a worker or back: its own bytes, moved by transfer, or a slot of the shared buffers the
 * worker was given once (`share`, on first use). Every ArrayBuffer that arrives in a thread counts as new external
 * memory there, and that count is what starts V8's full garbage collections: one per ~64 MiB, dozens per capture when
 * each 32 MiB chunk crossed twice. A slot number crosses for free.
 */
export type ChunkBytes = { bytes: Uint8Array } | { slot: number; share?: SharedArrayBuffer };

/** The bytes of `view` in an ArrayBuffer of their own, which can be transferred (a copy only when `view` is a slice). */
export function ownBuffer(view: Uint8Array): Uint8Array<ArrayBuffer> {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer)
    return view as Uint8Array<ArrayBuffer>;
  const copy = new Uint8Array(new ArrayBuffer(view.byteLength));
  copy.set(view);
  return copy;
}

/**
 * Frees a chunk's memory now rather than at the next garbage collection: detaching its ArrayBuffer drops the backing
 * store at once. For a worker's own copy of a request's bytes, once it has answered: nothing else can hold them.
 */
export function release(view: Uint8Array): void {
  if (view.buffer instanceof ArrayBuffer && !view.buffer.detached) view.buffer.transfer(0);
}

export type CodecFailure = 'stored-hash' | 'decompress' | 'raw-hash';

export type CodecReply =
  /** `raw` is the request's buffer, handed back. */
  | { id: number; ok: true; rawSha256: string; sha256: string; stored: Uint8Array; raw: ChunkBytes }
  /** `raw` is the request's `into`, handed back; its first `length` bytes are the chunk. */
  | { id: number; ok: true; raw: ChunkBytes; length: number; decoded: true }
  | { id: number; ok: false; failure: CodecFailure; actual: string };
