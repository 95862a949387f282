import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { FILESYSTEMS, type SampleFs } from './filesystems.ts';
import { withMount } from './mount.ts';
import { tool } from './tools.ts';

export { rawHash } from './raw-bytes.ts';
export { fsck, type FsckResult } from './fsck.ts';

/**
 * Relative path → sha256 of every regular file in the filesystem on `device`, and → `link:` + target of every symlink
 * (directories themselves are not listed). Mounts read-only on a temporary directory and always unmounts; vfat, which
 * this machine cannot mount, is extracted with mcopy into a temporary directory instead.
 */
export async function fileTreeHashes(device: string, fs: SampleFs): Promise<Map<string, string>> {
  await tool('blockdev', ['--flushbufs', device]);
  if (FILESYSTEMS[fs].access.kind === 'mount') return withMount(device, fs, 'ro', (dir) => hashDirectory(dir));
  const dir = await mkdtemp(join(tmpdir(), 'brume-fat-'));
  try {
    await tool('mcopy', ['-s', '-n', '-i', device, '::', dir]);
    return await hashDirectory(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The same map for a directory tree (sorted by path, so two maps print alike). */
export async function hashDirectory(root: string): Promise<Map<string, string>> {
  const found: [string, string][] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const name = relative(root, path);
    if (entry.isSymbolicLink()) found.push([name, `link:${await readlink(path)}`]);
    else if (entry.isFile()) found.push([name, await hashFile(path)]);
  }
  return new Map(found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
