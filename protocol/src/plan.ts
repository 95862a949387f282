import { z } from 'zod';
import { FsType, PartitionLabel } from './manifest.ts';

/** The disk a plan is made for, as the agent measured it. */
export const TargetDisk = z.object({
  path: z.string(),
  sizeBytes: z.number().int().positive(),
  logicalSectorSize: z.number().int().positive(),
  physicalSectorSize: z.number().int().positive(),
});
export type TargetDisk = z.infer<typeof TargetDisk>;

export const PlannedPartition = z.object({
  number: z.number().int().positive(),
  startBytes: z.number().int().nonnegative(),
  sizeBytes: z.number().int().positive(),
  sourceStartBytes: z.number().int().nonnegative(),
  sourceSizeBytes: z.number().int().positive(),
  type: z.string(),
  partUuid: z.string().optional(),
  name: z.string().optional(),
  attrs: z.string().optional(),
  bootable: z.boolean().optional(),
  fs: FsType,
  /** restore: stream the image into it; recreate-swap: mkswap with the source UUID; container: MBR extended, no content. */
  action: z.enum(['restore', 'recreate-swap', 'container']),
  /** What happens to the filesystem after the restore. shrink needs staging space (see LayoutPlan.stagingBytes). */
  resize: z.enum(['none', 'grow', 'shrink']),
});
export type PlannedPartition = z.infer<typeof PlannedPartition>;

/** A byte range of the image's boot area (d1.boot) copied back to the same offset after the table is written. */
export const BootAreaRange = z.object({ offset: z.number().int().nonnegative(), bytes: z.number().int().positive() });
export type BootAreaRange = z.infer<typeof BootAreaRange>;

export const LayoutPlan = z.object({
  label: PartitionLabel,
  id: z.string(),
  diskSizeBytes: z.number().int().positive(),
  logicalSectorSize: z.number().int().positive(),
  firstUsableBytes: z.number().int().nonnegative(),
  /** Whether the target disk gets exactly the source's table (same size, same sector size). */
  identical: z.boolean(),
  partitions: z.array(PlannedPartition),
  bootArea: z.array(BootAreaRange),
  /** Scratch space a shrinking restore needs (the filesystem is restored full-size in a sparse file, then shrunk). */
  stagingBytes: z.number().int().nonnegative(),
  notes: z.array(z.string()),
});
export type LayoutPlan = z.infer<typeof LayoutPlan>;
