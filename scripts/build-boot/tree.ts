import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { dirname, join, posix, relative } from 'node:path';

/** Top-level directories a merged-/usr system keeps only as links into /usr (Debian 12's layout). */
export const MERGED_DIRS = ['bin', 'sbin', 'lib', 'lib64'] as const;

/** `bin/sh` → `usr/bin/sh`: packages still ship files under /bin, /sbin, /lib; the ramdisk keeps them all under /usr. */
export function canonicalPath(rel: string): string {
  const [top] = rel.split('/', 1);
  return (MERGED_DIRS as readonly string[]).includes(top ?? '') ? `usr/${rel}` : rel;
}

/**
 * A symlink's target, made relative and pointing at the canonical place. Absolute targets (`/lib/x86_64-linux-gnu/…`)
 * would point at the build machine's own files whenever the tree is read on the build machine (ld.so --list, copies).
 */
export function canonicalLinkTarget(linkRel: string, target: string): string {
  const absolute = target.startsWith('/')
    ? posix.normalize(target)
    : posix.normalize(posix.join('/', posix.dirname(linkRel), target));
  const canonicalTarget = `/${canonicalPath(absolute.slice(1))}`;
  const from = `/${posix.dirname(canonicalPath(linkRel))}`;
  return posix.relative(from, canonicalTarget) || '.';
}

export interface TreeEntry {
  /** Path relative to the walked root, `/`-separated. */
  rel: string;
  kind: 'dir' | 'file' | 'link';
}

/** Every entry below `root`, parents before children, in byte order (deterministic). */
export async function walk(root: string, rel = ''): Promise<TreeEntry[]> {
  const entries = (await readdir(join(root, rel), { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const out: TreeEntry[] = [];
  for (const entry of entries) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      out.push({ rel: path, kind: 'dir' }, ...(await walk(root, path)));
    } else if (entry.isSymbolicLink()) {
      out.push({ rel: path, kind: 'link' });
    } else if (entry.isFile()) {
      out.push({ rel: path, kind: 'file' });
    }
  }
  return out;
}

/** Creates `rel` and its parents under `root` with mode 0755 (the umask is fixed by the build). */
export async function ensureDir(root: string, rel: string): Promise<void> {
  await mkdir(join(root, rel), { recursive: true, mode: 0o755 });
}

export type CopyMode = 'link' | 'copy';

/**
 * Copies one entry from `src/rel` to `dest/canonical(rel)`: directories with their mode, files (hard-linked when
 * `mode` is 'link': only for trees that are never archived), symlinks rewritten by canonicalLinkTarget.
 * Returns false when the destination already exists (the caller decides whether that is a conflict).
 */
export async function copyEntry(src: string, dest: string, entry: TreeEntry, mode: CopyMode): Promise<boolean> {
  const target = join(dest, canonicalPath(entry.rel));
  const from = join(src, entry.rel);
  if (entry.kind === 'dir') {
    if (!existsSync(target)) {
      await mkdir(target, { recursive: true });
      await chmod(target, (await lstat(from)).mode & 0o7777);
    }
    return true;
  }
  if (existsSync(target) || isDanglingLink(target)) return false;
  await ensureDir(dest, dirname(canonicalPath(entry.rel)));
  if (entry.kind === 'link') {
    await symlink(canonicalLinkTarget(entry.rel, await readlink(from)), target);
  } else if (mode === 'link') {
    await link(from, target);
  } else {
    await copyFile(from, target);
    await chmod(target, (await lstat(from)).mode & 0o7777);
  }
  return true;
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The merged-/usr links at the top of a tree: /bin → usr/bin, and so on. */
export async function addMergedUsrLinks(root: string): Promise<void> {
  for (const dir of MERGED_DIRS) {
    await ensureDir(root, `usr/${dir}`);
    if (!isDanglingLink(join(root, dir))) await symlink(`usr/${dir}`, join(root, dir));
  }
}

/** Where a symlink inside `root` finally points, resolved inside `root` (never on the build machine). */
export function resolveInside(root: string, rel: string, depth = 0): string {
  if (depth > 40) throw new Error(`${rel}: too many levels of symbolic links`);
  const parts = rel.split('/');
  for (let i = 1; i <= parts.length; i += 1) {
    const prefix = parts.slice(0, i).join('/');
    const stat = lstatSync(join(root, prefix), { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) {
      const target = readlinkSync(join(root, prefix));
      const base = target.startsWith('/') ? target.slice(1) : posix.join(posix.dirname(prefix), target);
      return resolveInside(root, posix.normalize(posix.join(base, ...parts.slice(i))), depth + 1);
    }
  }
  return relative('.', rel);
}
