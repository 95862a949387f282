import { statSync } from 'node:fs';
import { lutimes, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sysroot } from './sysroot.ts';
import { walk } from './tree.ts';

export interface Packed {
  cpioBytes: number;
  zstdBytes: number;
  entries: number;
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * cpio (newc) | zstd into `output`, reproducibly: one mtime for every entry, the file list in byte order (a parent
 * always sorts before its children, as the kernel's unpacker needs), owner root, inode numbers renumbered and device
 * numbers dropped (`--reproducible`). The archive is written beside `output` and renamed over it: a VM booting at that
 * moment reads the old ramdisk or the new one, never half of one.
 */
export async function pack(sys: Sysroot, root: string, output: string, epoch: number, level: number): Promise<Packed> {
  const entries = await walk(root);
  for (const entry of [...entries].reverse()) await lutimes(join(root, entry.rel), epoch, epoch);
  await lutimes(root, epoch, epoch);
  const list = entries.map((entry) => entry.rel).sort(byteOrder);
  const cpio = `${output}.cpio`;
  const partial = `${output}.partial`;
  await sys.exec(
    'usr/bin/cpio',
    ['--create', '--format=newc', '--reproducible', '--owner=0:0', '--quiet', `--file=${cpio}`],
    {
      cwd: root,
      input: `${list.join('\n')}\n`,
    },
  );
  // -T0: zstd's multi-threaded format gives the same bytes whatever the core count, so builds on other machines match.
  await sys.exec('usr/bin/zstd', [`-${level}`, '-T0', '-q', '-f', '--no-progress', cpio, '-o', partial]);
  const packed = { cpioBytes: statSync(cpio).size, zstdBytes: statSync(partial).size, entries: list.length };
  await rename(partial, output);
  await rm(cpio);
  return packed;
}
