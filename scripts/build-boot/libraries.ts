import { lstatSync, readlinkSync } from 'node:fs';
import { chmod, copyFile, symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { elfLinking } from './elf.ts';
import { LOADER, type Sysroot } from './sysroot.ts';
import { ensureDir, walk } from './tree.ts';

/** Loaded by glibc with dlopen (thread cancellation, unwinding), so no DT_NEEDED names it. */
const ALWAYS = ['usr/lib/x86_64-linux-gnu/libgcc_s.so.1', 'usr/lib64/ld-linux-x86-64.so.2', LOADER];

/** Copies `rel` from the sysroot into the ramdisk, following and recreating every symlink on the way. */
export async function copyResolved(from: string, to: string, rel: string, depth = 0): Promise<void> {
  if (depth > 20) throw new Error(`${rel}: symlink loop`);
  const stat = lstatSync(join(to, rel), { throwIfNoEntry: false });
  if (stat !== undefined) return;
  const source = lstatSync(join(from, rel));
  await ensureDir(to, posix.dirname(rel));
  if (source.isSymbolicLink()) {
    const target = readlinkSync(join(from, rel));
    await symlink(target, join(to, rel));
    await copyResolved(from, to, posix.normalize(posix.join(posix.dirname(rel), target)), depth + 1);
    return;
  }
  await copyFile(join(from, rel), join(to, rel));
  await chmod(join(to, rel), source.mode & 0o7777);
}

/** Copies the listed sysroot files and directories (initramfs/extra-files.list) into the ramdisk. */
export async function copyExtraFiles(sys: Sysroot, root: string, paths: readonly string[]): Promise<number> {
  let count = 0;
  for (const path of paths) {
    const stat = lstatSync(join(sys.dir, path), { throwIfNoEntry: false });
    if (stat === undefined) throw new Error(`initramfs/extra-files.list: ${path} is in no package`);
    const files = stat.isDirectory()
      ? (await walk(join(sys.dir, path))).filter((e) => e.kind !== 'dir').map((e) => posix.join(path, e.rel))
      : [path];
    for (const file of files) await copyResolved(sys.dir, root, file);
    count += files.length;
  }
  return count;
}

/**
 * Copies into the ramdisk every shared library its ELF files load, as the sysroot's `ld.so --list` (what ldd runs)
 * resolves them, plus the loader. Libraries come from the extracted packages, not from the build machine: the
 * ramdisk then depends only on the .deb files recorded in packages.txt. Returns the libraries copied.
 */
export async function copyLibraries(sys: Sysroot, root: string): Promise<string[]> {
  const wanted = new Set<string>(ALWAYS);
  for (const entry of await walk(root)) {
    if (entry.kind !== 'file') continue;
    const linking = await elfLinking(join(root, entry.rel));
    if (linking === undefined || (linking.interpreter === undefined && linking.needed.length === 0)) continue;
    for (const library of await sys.libraries(join(root, entry.rel))) wanted.add(library);
  }
  const libraries = [...wanted].sort();
  for (const library of libraries) await copyResolved(sys.dir, root, library);
  return libraries;
}
