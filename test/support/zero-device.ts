import { createHash } from 'node:crypto';

/** sha256 of `length` zero bytes, to compare with rawHash of a region that must hold nothing. */
export function zeroHash(length: number): string {
  const hash = createHash('sha256');
  const block = Buffer.alloc(1024 * 1024);
  for (let left = length; left > 0; left -= block.byteLength)
    hash.update(left >= block.byteLength ? block : block.subarray(0, left));
  return hash.digest('hex');
}
