/**
 * Chunk-sized buffers used again and again instead of a fresh one per chunk. A fresh 32 MiB buffer costs 8192 page
 * faults to fill and a garbage collection to free; the same few buffers, handed to a codec worker and back by
 * transfer, cost neither. Callers already bound how many chunks are in flight (chunk-window.ts), so at most that many
 * buffers (plus the one being filled or written) ever exist; `keep` caps the free list all the same.
 */
export class ChunkBuffers {
  private readonly free: ArrayBuffer[] = [];
  readonly bytes: number;
  private readonly keep: number;
  /** How many buffers were ever made: what the reuse saves shows here. */
  allocated = 0;

  constructor(bytes: number, keep: number) {
    this.bytes = bytes;
    this.keep = keep;
  }

  /** A buffer of `bytes` bytes, with whatever it held last time. */
  take(): Uint8Array<ArrayBuffer> {
    const reused = this.free.pop();
    if (reused !== undefined) return new Uint8Array(reused);
    this.allocated++;
    return new Uint8Array(new ArrayBuffer(this.bytes));
  }

  /** Hands a buffer back once nothing reads it any more (a view of it is enough); others are left to the GC. */
  give(view: Uint8Array): void {
    const buffer = view.buffer;
    if (!(buffer instanceof ArrayBuffer) || buffer.detached || buffer.byteLength !== this.bytes || this.free.length >= this.keep) return;
    if (!this.free.includes(buffer)) this.free.push(buffer);
  }
}
