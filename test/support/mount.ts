import { constants } from 'node:fs';
import { mkdtemp, open, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FILESYSTEMS, type SampleFs } from './filesystems.ts';
import { tool } from './tools.ts';

/**
 * Mounts `device` on a fresh temporary directory for the duration of `use`, then always unmounts and removes it.
 * Not for vfat (no kernel module here): `populate.ts` and `file-tree.ts` go through mtools for it.
 */
export async function withMount<T>(
  device: string,
  fs: SampleFs,
  mode: 'ro' | 'rw',
  use: (dir: string) => Promise<T>,
): Promise<T> {
  const access = FILESYSTEMS[fs].access;
  if (access.kind !== 'mount')
    throw new Error(`${fs} is not mounted on this machine; it is read and written with mtools`);
  const dir = await mkdtemp(join(tmpdir(), `brume-mnt-${fs}-`));
  try {
    await tool('mount', ['-t', access.type, '-o', [mode, ...access.options].join(','), device, dir]);
    try {
      return await use(dir);
    } finally {
      await unmount(dir, device);
    }
  } finally {
    // rmdir, never a recursive rm: if the unmount failed this must not empty the filesystem.
    await rmdir(dir);
  }
}

async function unmount(dir: string, device: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await tool('umount', [dir]);
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
      await sleep(200 * attempt);
    }
  }
  await waitUntilReleased(device);
}

/**
 * `umount` of a FUSE filesystem (ntfs-3g) returns before the daemon has flushed and closed the device. ntfs-3g and the
 * kernel both hold the device open exclusively, so it is released once an O_EXCL open succeeds.
 */
export async function waitUntilReleased(device: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await (await open(device, constants.O_RDONLY | constants.O_EXCL)).close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EBUSY' || Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}
