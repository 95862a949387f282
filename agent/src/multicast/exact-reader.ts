import type { Readable } from 'node:stream';

/**
 * Reads a byte stream in pieces of exact sizes (a header, then each chunk of the manifest). Node's streams give data
 * in whatever pieces the pipe delivered; this keeps the remainder for the next read.
 */
export class ExactReader {
  readonly #iterator: AsyncIterator<Buffer>;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #ended = false;

  constructor(stream: Readable) {
    this.#iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** Exactly `bytes` bytes, or fewer when the stream ended first (the caller decides what a short read means). */
  async read(bytes: number): Promise<Uint8Array> {
    while (this.#pendingBytes < bytes && !this.#ended) {
      const next = await this.#iterator.next().catch(() => ({ done: true as const, value: undefined }));
      if (next.done === true) this.#ended = true;
      else {
        this.#pending.push(next.value);
        this.#pendingBytes += next.value.byteLength;
      }
    }
    const all =
      this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending, this.#pendingBytes);
    const take = Math.min(bytes, all.byteLength);
    // A copy the caller owns: the codec pool moves chunks to worker threads.
    const result = new Uint8Array(take);
    result.set(all.subarray(0, take));
    const rest = all.subarray(take);
    this.#pending = rest.byteLength === 0 ? [] : [rest];
    this.#pendingBytes = rest.byteLength;
    return result;
  }
}
