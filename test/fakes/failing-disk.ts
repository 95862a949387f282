// Tests only: a BlockReader standing in for a failing disk, which the machines that build Brume do not have (and this
// host's kernel has no device-mapper for dm-error). It fails every read that touches one of its bad sectors with EIO,
// as the kernel fails a direct read of a block holding an unreadable sector: the whole read, no partial bytes. The real
// check is the QEMU blkdebug test. No production module imports this file.
import type { BlockReader, MediaErrno } from '../../agent/src/sys/block-reader.ts';

export interface FailingDisk extends BlockReader {
  /** Every read asked for, in order: [offset, length]. */
  readonly reads: Array<[number, number]>;
}

export function failingDisk(options: {
  sizeBytes: number;
  sectorBytes: number;
  badSectors: Iterable<number>;
  errno?: MediaErrno;
}): FailingDisk {
  const bad = [...options.badSectors].sort((a, b) => a - b);
  const reads: Array<[number, number]> = [];
  let closed = false;
  return {
    mode: 'direct',
    reads,
    read(offset, length) {
      if (closed) throw new Error('read after close');
      if (offset % options.sectorBytes !== 0 || length % options.sectorBytes !== 0)
        throw new Error(`unaligned read ${offset}+${length} (EINVAL)`);
      reads.push([offset, length]);
      const end = Math.min(offset + length, options.sizeBytes);
      const first = offset / options.sectorBytes;
      const last = end / options.sectorBytes; // exclusive
      if (bad.some((sector) => sector >= first && sector < last))
        return Promise.resolve({ ok: false, errno: options.errno ?? 'EIO' });
      return Promise.resolve({ ok: true, bytes: new Uint8Array(Math.max(0, end - offset)) });
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
