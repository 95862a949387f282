import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { BrumeError } from '@brume/protocol';

/** Writes at positions of a whole disk held exclusively. */
export interface BlockWriter {
  write(bytes: Uint8Array, offset: number): Promise<void>;
  /** Waits until what was written is on the device (and progress figures are true). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** O_EXCL: the kernel refuses while a partition is mounted or the disk is in a volume, and keeps others out meanwhile. */
export async function openBlockWriter(path: string): Promise<BlockWriter> {
  const handle = await open(path, constants.O_WRONLY | constants.O_EXCL).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EBUSY')
      throw new BrumeError('DEVICE_BUSY', `${path} is held by another user (mounted, or part of a volume)`, {
        cause: error,
      });
    throw error;
  });
  return {
    async write(bytes, offset) {
      for (let done = 0; done < bytes.byteLength;) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, offset + done);
        if (bytesWritten === 0)
          throw new BrumeError(
            'TOOL_FAILED',
            `${path}: the device accepted no bytes at ${offset + done} (past its end?)`,
          );
        done += bytesWritten;
      }
    },
    flush: () => handle.datasync(),
    close: () => handle.close(),
  };
}
