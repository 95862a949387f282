import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { BrumeError } from '@brume/protocol';
import type { Runner } from './exec.ts';

/**
 * The errors a read of bad media comes back with. EIO: the device failed the command (BLK_STS_IOERR; also what a VM's
 * virtio disk reports for a host-side error). ENODATA: the drive said "unrecoverable medium error" (BLK_STS_MEDIUM).
 * EILSEQ: a protection-information mismatch. ETIMEDOUT: the drive never answered (a sector it keeps retrying).
 * Anything else (EINVAL, ENODEV, ENXIO: the disk is gone) is not about one place on the disk and ends the scan.
 */
const MEDIA_ERRNOS = ['EIO', 'ENODATA', 'EILSEQ', 'ETIMEDOUT'] as const;
export type MediaErrno = (typeof MEDIA_ERRNOS)[number];

/** Bytes read (a view the next read overwrites; short only past the disk's end), or the media error the disk gave. */
export type ReadOutcome = { ok: true; bytes: Uint8Array } | { ok: false; errno: MediaErrno };

/** Reads of a whole disk, never able to write it (opened O_RDONLY). */
export interface BlockReader {
  /** 'direct': O_DIRECT, every read reaches the disk. 'buffered': the page cache, dropped once before the scan. */
  readonly mode: 'direct' | 'buffered';
  /** `offset` and `length` are multiples of the logical sector size; `length` at most the reader's `maxBytes`. */
  read(offset: number, length: number): Promise<ReadOutcome>;
  close(): Promise<void>;
}

export interface BlockReaderOptions {
  /** The largest read asked for. */
  maxBytes: number;
  sectorBytes: number;
  /** For `blockdev --flushbufs` when O_DIRECT is refused. */
  run: Runner;
}

/** Opens a disk for the surface test; a factory, so a test can hand the engine a disk that fails where it says. */
export type OpenBlockReader = (path: string, options: BlockReaderOptions) => Promise<BlockReader>;

const errnoOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;
const isMediaErrno = (code: string | undefined): code is MediaErrno =>
  (MEDIA_ERRNOS as readonly string[]).includes(code ?? '');

/**
 * O_DIRECT wants the buffer aligned to the device's DMA alignment (511 on most; this host's 6.18 kernel accepts less,
 * the ramdisk's may not), and Node has no aligned allocation. A WebAssembly.Memory is: V8 maps it page-aligned (a read
 * of 512 bytes into it fails with EINVAL exactly when it crosses a page at an unaligned offset, as it should from a
 * page-aligned base). The first read checks it anyway: EINVAL falls back to buffered reads.
 */
function alignedBuffer(bytes: number): Uint8Array {
  // The project's lib settings (no DOM) declare WebAssembly only as a namespace of types; Node has the value.
  const wasm = (
    globalThis as unknown as {
      WebAssembly: { Memory: new (size: { initial: number; maximum: number }) => { buffer: ArrayBuffer } };
    }
  ).WebAssembly;
  const pages = Math.ceil(bytes / 65_536);
  return new Uint8Array(new wasm.Memory({ initial: pages, maximum: pages }).buffer, 0, bytes);
}

async function readFully(handle: FileHandle, buffer: Uint8Array, offset: number, length: number): Promise<ReadOutcome> {
  let done = 0;
  try {
    while (done < length) {
      const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
      if (bytesRead === 0) break; // the disk's end
      done += bytesRead;
    }
  } catch (error) {
    const code = errnoOf(error);
    if (isMediaErrno(code)) return { ok: false, errno: code };
    throw error;
  }
  return { ok: true, bytes: buffer.subarray(0, done) };
}

async function openDirect(path: string, buffer: Uint8Array, sectorBytes: number): Promise<FileHandle | undefined> {
  const handle = await open(path, constants.O_RDONLY | constants.O_DIRECT).catch((error: unknown) => {
    if (errnoOf(error) === 'EINVAL') return undefined; // a file on a filesystem without O_DIRECT (tmpfs)
    throw error;
  });
  if (handle === undefined) return undefined;
  try {
    // A media error here still proves the alignment was accepted: the kernel checks it before any I/O.
    await readFully(handle, buffer, 0, sectorBytes);
    return handle;
  } catch (error) {
    await handle.close();
    if (errnoOf(error) === 'EINVAL') return undefined;
    throw error;
  }
}

/** O_DIRECT when the device and the buffer allow it, else plain reads after the disk's page cache is dropped. */
export const openBlockReader: OpenBlockReader = async (path, options) => {
  const buffer = alignedBuffer(options.maxBytes);
  let mode: BlockReader['mode'] = 'direct';
  let handle = await openDirect(path, buffer, options.sectorBytes);
  if (handle === undefined) {
    mode = 'buffered';
    await options.run('blockdev', ['--flushbufs', path]);
    handle = await open(path, constants.O_RDONLY);
  }
  const opened = handle;
  return {
    mode,
    read(offset, length) {
      if (length > buffer.byteLength)
        throw new BrumeError('INTERNAL', `a read of ${length} bytes is larger than the reader's ${buffer.byteLength}`);
      return readFully(opened, buffer, offset, length);
    },
    close: () => opened.close(),
  };
};
