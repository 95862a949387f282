import { readFileSync } from 'node:fs';
import { mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runner } from './exec.ts';
import { unmountAndRelease } from './mount.ts';

/** How to mount one filesystem type so that mounting itself writes nothing (no journal replay, no log recovery). */
export interface ReadOnlyMountPlan {
  /** `mount -t` type: a kernel filesystem, or a FUSE helper (`ntfs-3g` → mount.ntfs-3g). */
  type: string;
  /** Always starts with `ro`. */
  options: readonly string[];
  /** Served by the kernel (listed in /proc/filesystems once its module is loaded), not by a FUSE helper. */
  kernel: boolean;
}

export type MountOutcome<T> = { mounted: true; value: T } | { mounted: false; reason: string };

/**
 * Mounts `device` read-only on a fresh directory for the duration of `work`, and always unmounts it. Belt and braces:
 * the partition's block device is itself switched read-only (BLKROSET) first, so the kernel refuses any write a
 * filesystem driver might still attempt; the flag is put back afterwards. A kernel without the filesystem is "not
 * mounted" with a reason, not an error; any other mount failure throws.
 */
export async function withReadOnlyMount<T>(
  run: Runner,
  device: string,
  plan: ReadOnlyMountPlan,
  work: (dir: string) => Promise<T>,
): Promise<MountOutcome<T>> {
  const wasReadOnly = (await run('blockdev', ['--getro', device])).stdout.trim() === '1';
  if (!wasReadOnly) await run('blockdev', ['--setro', device]);
  try {
    const dir = await mkdtemp(join(tmpdir(), 'brume-scan-'));
    try {
      const mounted = await run('mount', ['-t', plan.type, '-o', plan.options.join(','), device, dir]).then(
        () => undefined,
        (error: unknown) => error,
      );
      if (mounted !== undefined) {
        if (plan.kernel && !kernelHas(plan.type))
          return { mounted: false, reason: `this kernel has no ${plan.type} support` };
        throw mounted;
      }
      try {
        return { mounted: true, value: await work(dir) };
      } finally {
        await unmountAndRelease(run, dir, device);
      }
    } finally {
      // rmdir, never a recursive removal: if the unmount failed this must not empty the filesystem.
      await rmdir(dir);
    }
  } finally {
    if (!wasReadOnly) await run('blockdev', ['--setrw', device]);
  }
}

/** The kernel serves `type` (after any module load the mount attempt triggered). */
function kernelHas(type: string): boolean {
  return readFileSync('/proc/filesystems', 'utf8')
    .split('\n')
    .some((line) => line.split('\t').at(-1)?.trim() === type);
}
