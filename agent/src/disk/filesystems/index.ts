import type { FsType } from '@brume/protocol';
import type { FilesystemAdapter, Probe } from './adapter.ts';
import { btrfs } from './btrfs.ts';
import { ext2, ext3, ext4 } from './ext.ts';
import { ntfs } from './ntfs.ts';
import { raw } from './raw.ts';
import { swap } from './swap.ts';
import { vfat } from './vfat.ts';
import { xfs } from './xfs.ts';

export type { FilesystemAdapter, Probe, Usage } from './adapter.ts';

/** Every filesystem Brume knows, by type; the extended container has no content and no adapter. */
export const filesystems = { vfat, ext2, ext3, ext4, ntfs, xfs, btrfs, swap, raw } as const satisfies Record<
  Exclude<FsType, 'extended'>,
  FilesystemAdapter
>;

/** Detection order: specific adapters first, raw (always matches) last. */
const detectionOrder: readonly FilesystemAdapter[] = [vfat, ext2, ext3, ext4, ntfs, xfs, btrfs, swap, raw];

export function detectFilesystem(probe: Probe): FilesystemAdapter {
  return detectionOrder.find((adapter) => adapter.detect(probe)) ?? raw;
}

export function adapterFor(fsType: FsType): FilesystemAdapter | undefined {
  return fsType === 'extended' ? undefined : filesystems[fsType];
}
