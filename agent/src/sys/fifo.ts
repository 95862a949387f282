import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, read, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Both ends of a named pipe, already unlinked: the write end goes to a child as its stdout, the read end stays here. */
export interface FifoPipe {
  readFd: number;
  writeFd: number;
}

/**
 * A pipe whose read end this process reads with plain read(2) into buffers of its own. Node gives a child's stdout a
 * socket read in 64 KiB pieces, each a fresh Buffer: for a partition stream that is a copy of every byte and hundreds
 * of MB of garbage that drive V8's full collections. The write end is opened O_RDWR (which never waits for a reader),
 * so the read end's open returns at once; once the child has it and the parent closes its copy, the reads end (0) when
 * the child exits.
 */
export function openFifoPipe(dir: string, name: string): FifoPipe {
  const path = join(dir, `${name}.${process.pid}.fifo`);
  execFileSync('mkfifo', ['-m', '600', path]);
  try {
    const writeFd = openSync(path, constants.O_RDWR);
    const readFd = openSync(path, constants.O_RDONLY);
    return { readFd, writeFd };
  } finally {
    unlinkSync(path);
  }
}

/** read(2) on the libuv thread pool: how many bytes landed in `into` at `offset`, 0 at the end of the stream. */
export function readInto(fd: number, into: Uint8Array, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, into, offset, length, null, (error, bytesRead) => (error === null ? resolve(bytesRead) : reject(error)));
  });
}

export function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing holds it any more.
  }
}
