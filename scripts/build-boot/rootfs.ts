import { chmod, copyFile, lstat, mkdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './run.ts';
import { addMergedUsrLinks, ensureDir, walk } from './tree.ts';

/** Mount points and the few links an installed system's packages would have made. */
const DIRS: Array<[string, number]> = [
  ['dev', 0o755],
  ['proc', 0o555],
  ['sys', 0o555],
  ['run', 0o755],
  ['tmp', 0o1777],
  ['root', 0o700],
  ['mnt', 0o755],
  ['etc', 0o755],
  ['var', 0o755],
  ['var/log', 0o755],
  ['var/tmp', 0o1777],
];
const LINKS: Array<[string, string]> = [
  ['etc/mtab', '../proc/self/mounts'],
  ['var/run', '../run'],
];

/** The empty ramdisk tree: merged-/usr links, mount points, and /dev/console for the kernel to open before /init. */
export async function createSkeleton(root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  await addMergedUsrLinks(root);
  for (const [dir, mode] of DIRS) {
    await ensureDir(root, dir);
    await chmod(join(root, dir), mode);
  }
  for (const [path, target] of LINKS) await symlink(target, join(root, path));
  // The kernel's built-in initramfs has /dev/console too, but a custom kernel may not; mknod needs root.
  if (process.getuid?.() === 0) await run('mknod', ['-m', '600', join(root, 'dev', 'console'), 'c', '5', '1']);
}

/**
 * Copies initramfs/rootfs over the tree (it wins over package files). Git keeps only the executable bit, so modes are
 * normalized to 0755/0644 whatever the checkout's umask was.
 */
export async function copyOverlay(overlay: string, root: string): Promise<number> {
  let files = 0;
  for (const entry of await walk(overlay)) {
    const from = join(overlay, entry.rel);
    const to = join(root, entry.rel);
    if (entry.kind === 'dir') {
      await ensureDir(root, entry.rel);
    } else if (entry.kind === 'link') {
      await symlink(await readlink(from), to);
    } else {
      await copyFile(from, to);
      await chmod(to, ((await lstat(from)).mode & 0o111) !== 0 ? 0o755 : 0o644);
      files += 1;
    }
  }
  return files;
}

export async function writeTextFile(root: string, rel: string, text: string): Promise<void> {
  await ensureDir(root, rel.split('/').slice(0, -1).join('/'));
  await writeFile(join(root, rel), text, { mode: 0o644 });
  await chmod(join(root, rel), 0o644);
}
