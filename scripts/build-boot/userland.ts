import { existsSync, lstatSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Extracted } from './extract.ts';
import { underAny } from './lists.ts';
import type { Sysroot } from './sysroot.ts';
import { canonicalPath, copyEntry, ensureDir, walk } from './tree.ts';

const BUSYBOX = 'usr/bin/busybox';
const PATH_DIRS = ['usr/bin', 'usr/sbin'];

/** Copies the userland packages' files into the ramdisk tree, minus the stripped paths. Returns the count of files. */
export async function copyUserland(
  packages: readonly Extracted[],
  root: string,
  stripped: readonly string[],
): Promise<number> {
  let files = 0;
  for (const { dir } of packages) {
    for (const entry of await walk(dir)) {
      if (underAny(canonicalPath(entry.rel), stripped)) continue;
      // A later package shipping the same path loses, as in the sysroot: Debian forbids the overlap anyway.
      if ((await copyEntry(dir, root, entry, 'copy')) && entry.kind !== 'dir') files += 1;
    }
  }
  return files;
}

/**
 * A link for each busybox applet no package provides under any name on PATH: `mount`, `fdisk`, `modprobe`, `losetup`
 * stay the full programs; `sh`, `ip`, `udhcpc`, `ls`… come from busybox. Returns the applets linked.
 */
export async function linkBusyboxApplets(sys: Sysroot, root: string): Promise<string[]> {
  const { stdout } = await sys.exec(BUSYBOX, ['--list-full']);
  const linked: string[] = [];
  for (const applet of stdout
    .split('\n')
    .filter((line) => line !== '')
    .sort()) {
    const path = canonicalPath(applet);
    const name = posix.basename(path);
    if (PATH_DIRS.some((dir) => exists(join(root, dir, name))) || exists(join(root, path))) continue;
    await ensureDir(root, posix.dirname(path));
    await symlink(posix.relative(posix.dirname(path), BUSYBOX), join(root, path));
    linked.push(name);
  }
  return linked;
}

function exists(path: string): boolean {
  return existsSync(path) || lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true;
}
