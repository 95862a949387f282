import { mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runner } from './exec.ts';

/** Mounts a device on a fresh temporary directory for the duration of `work`, and always unmounts it. */
export async function withMount<T>(run: Runner, device: string, fsType: string, options: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'brume-mnt-'));
  try {
    await run('mount', ['-t', fsType, '-o', options, device, dir]);
    try {
      return await work(dir);
    } finally {
      await run('umount', [dir]);
    }
  } finally {
    await rmdir(dir);
  }
}
