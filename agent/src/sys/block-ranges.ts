import { closeSync, constants, openSync } from 'node:fs';
import koffi from 'koffi';
import { BrumeError } from '@brume/protocol';

// ioctl numbers from <linux/fs.h>: _IO(0x12, 119) and _IO(0x12, 127). Both take a uint64_t[2] = {offset, length}.
const REQUESTS = { discard: 0x1277, zeroout: 0x127f } as const;

/** discard: the device may forget the range (TRIM/UNMAP); zeroout: the range reads as zeroes (offloaded when it can be). */
export type RangeOperation = keyof typeof REQUESTS;

export interface RangeDevice {
  /** 'unsupported' when the device has no such command (EOPNOTSUPP): a value the caller plans around, not an error. */
  apply(operation: RangeOperation, offset: number, length: number): Promise<'done' | 'unsupported'>;
  close(): void;
}

type Callback = (error: unknown, result: number) => void;
export interface RangeIoctl {
  async(fd: number, request: number, range: number[], callback: Callback): void;
}

function loadIoctl(): RangeIoctl {
  const libc = koffi.load('libc.so.6');
  return libc.func('int ioctl(int fd, unsigned long request, const uint64_t *range)') as RangeIoctl;
}

/** Opens a whole disk for BLKDISCARD/BLKZEROOUT. O_EXCL: the kernel refuses while anything mounts or holds it. */
export function openRangeDevice(path: string, ioctl: RangeIoctl = loadIoctl()): RangeDevice {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_EXCL);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EBUSY')
      throw new BrumeError('DEVICE_BUSY', `${path} is held by another user (mounted, or part of a volume)`, {
        cause: error,
      });
    throw error;
  }
  return {
    // Asynchronous: a zeroout of 256 MiB on a disk that writes it itself takes seconds, and the reporter must keep
    // talking to the server meanwhile. errno is read in the callback, where koffi keeps the worker's value.
    apply: (operation, offset, length) =>
      new Promise((resolve, reject) => {
        ioctl.async(fd, REQUESTS[operation], [offset, length], (error, result) => {
          if (error !== null && error !== undefined)
            return reject(error instanceof Error ? error : new Error(String(error)));
          if (result === 0) return resolve('done');
          const errno = koffi.errno();
          if (errno === koffi.os.errno['EOPNOTSUPP']) return resolve('unsupported');
          reject(
            new BrumeError(
              'TOOL_FAILED',
              `${operation} of ${length} bytes at ${offset} on ${path} failed (errno ${errno})`,
              {
                detail: { operation, offset, length, errno },
              },
            ),
          );
        });
      }),
    close: () => closeSync(fd),
  };
}
