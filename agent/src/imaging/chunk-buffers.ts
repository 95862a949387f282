/**
 * Chunk-sized buffers used again and again instead of a fresh one per chunk. A fresh 32 MiB buffer costs 8192 page
 * faults to fill and a garbage collection to free; the same few buffers, handed to a codec worker and back by
 * transfer, cost neither. Callers already bound how many chunks are in flight (chunk-window.ts), so at most that many
 * buffers (plus the one being filled or written) ever exist; `keep` caps the free list all the same.
 */
export class ChunkBuffers {
  private readonly free: (ArrayBuffer | SharedArrayBuffer)[] = [];
  readonly bytes: number;
  private readonly keep: number;
  private readonly shared: boolean;
  /** How many buffers were ever made: what the reuse saves shows here. */
  allocated = 0;

  /**
   * `shared`: SharedArrayBuffers, which a codec pool hands to each worker once and then names by slot; only for buffers
   * that live as long as the pool (one capture, one deploy), since its workers keep every slot they were given.
   */
  constructor(bytes: number, keep: number, shared = false) {
    this.bytes = bytes;
    this.keep = keep;
    this.shared = shared;
  }

  /** A buffer of `bytes` bytes, with whatever it held last time. */
  take(): Uint8Array {
    const reused = this.free.pop();
    if (reused !== undefined) return new Uint8Array(reused);
    this.allocated++;
    return new Uint8Array(this.shared ? new SharedArrayBuffer(this.bytes) : new ArrayBuffer(this.bytes));
  }

  /** Hands a buffer back once nothing reads it any more (a view of it is enough); others are left to the GC. */
  give(view: Uint8Array): void {
    const buffer = view.buffer;
    const usable = buffer instanceof SharedArrayBuffer || (buffer instanceof ArrayBuffer && !buffer.detached);
    if (!usable || buffer.byteLength !== this.bytes || this.free.length >= this.keep) return;
    if (!this.free.includes(buffer)) this.free.push(buffer);
  }
}
