import { constants } from 'node:fs';
import { mkdtemp, open, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrumeError } from '@brume/protocol';
import type { Runner } from './exec.ts';

/** Mounts a device on a fresh temporary directory for the duration of `work`, and always unmounts it. */
export async function withMount<T>(
  run: Runner,
  device: string,
  fsType: string,
  options: string,
  work: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'brume-mnt-'));
  try {
    await run('mount', ['-t', fsType, '-o', options, device, dir]);
    try {
      return await work(dir);
    } finally {
      await unmountAndRelease(run, dir, device);
    }
  } finally {
    await rmdir(dir);
  }
}

/** Unmounts `dir` (retrying a busy unmount a few times) and waits until `device` is free again. */
export async function unmountAndRelease(run: Runner, dir: string, device: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run('umount', [dir]);
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
      await sleep(200 * attempt);
    }
  }
  await waitUntilReleased(device);
}

/**
 * `umount` of a FUSE filesystem (ntfs-3g) returns before the daemon has closed the device; the kernel and ntfs-3g hold
 * it exclusively, so it is released once an O_EXCL open succeeds.
 */
async function waitUntilReleased(device: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await (await open(device, constants.O_RDONLY | constants.O_EXCL)).close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw error;
      if (Date.now() > deadline)
        throw new BrumeError('DEVICE_BUSY', `${device} is still held ${timeoutMs / 1000} s after its unmount`, {
          cause: error,
        });
      await sleep(50);
    }
  }
}
