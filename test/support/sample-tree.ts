import { createHash } from 'node:crypto';
import { mkdir, open, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { contentChunks, type ContentKind } from './content.ts';
import { createPrng, hashSeed, type Prng } from './prng.ts';

/** A file or symlink to put into a sample filesystem; a file's bytes are a function of (content, seed, size). */
export type TreeEntry =
  | { kind: 'file'; path: string; content: ContentKind; seed: number; size: number }
  | { kind: 'symlink'; path: string; target: string };

export interface TreeMix {
  seed: number;
  /** Incompressible bytes, split into files of at most `maxFileBytes`. */
  randomBytes: number;
  /** Log-like compressible bytes, split the same way. */
  textBytes: number;
  /** How many small files (0 to 16 KiB) to scatter in nested directories. */
  smallFiles: number;
  symlinks: boolean;
  maxFileBytes?: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * A deterministic mix: big random and text files, a few hundred small files in nested directories, an empty file, a
 * name with spaces, and (where the filesystem has them) a relative and an absolute symlink.
 */
export function sampleTree(mix: TreeMix): TreeEntry[] {
  const prng = createPrng(mix.seed);
  const file = (path: string, content: ContentKind, size: number): TreeEntry => ({
    kind: 'file',
    path,
    content,
    size,
    seed: hashSeed(path, mix.seed),
  });
  const entries: TreeEntry[] = [
    file('empty', 'empty', 0),
    file('docs/name with spaces.txt', 'text', 3 * KiB + 17),
    ...splitBytes(mix.randomBytes, mix.maxFileBytes ?? 8 * MiB, prng.fork('random')).map((size, i) =>
      file(`blobs/blob-${pad(i)}.bin`, 'random', size),
    ),
    ...splitBytes(mix.textBytes, mix.maxFileBytes ?? 8 * MiB, prng.fork('text')).map((size, i) =>
      file(`logs/app-${pad(i)}.log`, 'text', size),
    ),
  ];
  const small = prng.fork('small');
  for (let i = 0; i < mix.smallFiles; i++) {
    const depth = small.int(1, 3);
    const dirs = Array.from({ length: depth }, (_, level) => `d${level}-${small.int(0, 4)}`);
    const content = small.int(0, 3) === 0 ? 'random' : 'text';
    entries.push(
      file(
        `tree/${dirs.join('/')}/file-${pad(i)}.${content === 'text' ? 'txt' : 'dat'}`,
        content,
        small.int(0, 16 * KiB),
      ),
    );
  }
  if (mix.symlinks) {
    entries.push({ kind: 'symlink', path: 'links/readme', target: '../docs/name with spaces.txt' });
    entries.push({ kind: 'symlink', path: 'links/absolute', target: '/etc/hostname' });
  }
  return entries;
}

/** Splits `total` into sizes of at most `max`, uneven and rarely a multiple of the block size. */
function splitBytes(total: number, max: number, prng: Prng): number[] {
  const sizes: number[] = [];
  let left = total;
  while (left > 0) {
    const size = Math.min(left, Math.max(1, prng.int(Math.ceil(max / 2), max) - prng.int(0, 4095)));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

function pad(n: number): string {
  return String(n).padStart(4, '0');
}

/** Writes the entries under `root` (creating directories). */
export async function writeTree(root: string, entries: readonly TreeEntry[]): Promise<void> {
  for (const entry of entries) {
    const path = join(root, entry.path);
    await mkdir(dirname(path), { recursive: true });
    if (entry.kind === 'symlink') {
      await symlink(entry.target, path);
      continue;
    }
    const handle = await open(path, 'wx');
    try {
      for (const chunk of contentChunks(entry.content, entry.seed, entry.size)) await handle.write(chunk);
    } finally {
      await handle.close();
    }
  }
}

/** What `fileTreeHashes` should find after `writeTree(entries)`: relative path → sha256 (or `link:` + target). */
export function treeHashes(entries: readonly TreeEntry[]): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const entry of entries) {
    if (entry.kind === 'symlink') {
      hashes.set(entry.path, `link:${entry.target}`);
      continue;
    }
    const hash = createHash('sha256');
    for (const chunk of contentChunks(entry.content, entry.seed, entry.size)) hash.update(chunk);
    hashes.set(entry.path, hash.digest('hex'));
  }
  return hashes;
}

/** Total bytes of the files' contents. */
export function treeBytes(entries: readonly TreeEntry[]): number {
  return entries.reduce((sum, entry) => sum + (entry.kind === 'file' ? entry.size : 0), 0);
}
