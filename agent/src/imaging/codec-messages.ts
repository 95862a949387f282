/**
 * Messages between the codec pool and its workers. Chunk bytes cross threads by transfer, never by copy: a structured
 * clone copies the whole ArrayBuffer behind a view, and the copies left as garbage in each thread (each with its own
 * garbage collector) were what filled a 512 MiB PC during a deploy.
 */
export type CodecRequest =
  | { id: number; op: 'compress'; level: number; raw: Uint8Array }
  | { id: number; op: 'decompress'; stored: Uint8Array; sha256: string; rawSha256: string; rawBytes: number };

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
  | { id: number; ok: true; rawSha256: string; sha256: string; stored: Uint8Array }
  | { id: number; ok: true; raw: Uint8Array }
  | { id: number; ok: false; failure: CodecFailure; actual: string };
