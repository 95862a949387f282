import { z } from 'zod';

export const IMAGE_FORMAT = 'brume-image/1';
export const MANIFEST_FILE = 'manifest.json';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');
const byteCount = z.number().int().nonnegative();
/** File names inside an image directory: no path separators, no dot-dot, nothing a shell would trip on. */
const imageFileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a plain file name inside the image directory');

export const fsTypes = ['vfat', 'ext2', 'ext3', 'ext4', 'ntfs', 'xfs', 'btrfs', 'swap', 'raw', 'extended'] as const;
export const FsType = z.enum(fsTypes);
export type FsType = z.infer<typeof FsType>;

export const Chunk = z.object({
  rawOffset: byteCount,
  rawBytes: byteCount,
  rawSha256: sha256,
  offset: byteCount,
  bytes: byteCount,
  sha256,
});
export type Chunk = z.infer<typeof Chunk>;

export const ManifestPartition = z.object({
  disk: z.number().int().positive(),
  number: z.number().int().positive(),
  startBytes: byteCount,
  sizeBytes: byteCount,
  /** GPT type GUID or MBR type byte in hex, exactly as sfdisk spells it. */
  type: z.string().min(1),
  partUuid: z.string().optional(),
  name: z.string().optional(),
  attrs: z.string().optional(),
  bootable: z.boolean().optional(),
  fs: FsType,
  /** What blkid called it when Brume has no adapter for it (captured with partclone.dd). */
  detectedFs: z.string().optional(),
  fsUuid: z.string().optional(),
  fsLabel: z.string().optional(),
  usedBytes: byteCount,
  /** The smallest partition this filesystem can be shrunk to; equals sizeBytes when it cannot shrink. */
  minBytes: byteCount,
  /** Whether the planner may give this partition the extra space of a larger disk. */
  resizable: z.boolean(),
  /** partclone.<fs> for content, mkswap for swap, null for an extended partition (no content). */
  tool: z.string().nullable(),
  file: imageFileName.nullable(),
  rawBytes: byteCount,
  storedBytes: byteCount,
  /** sha256 of the whole stored file, for `sha256sum` by hand; null when there is no file. */
  sha256: sha256.nullable(),
  chunks: z.array(Chunk),
});
export type ManifestPartition = z.infer<typeof ManifestPartition>;

export const PartitionLabel = z.enum(['gpt', 'dos']);
export type PartitionLabel = z.infer<typeof PartitionLabel>;

export const ManifestDisk = z.object({
  index: z.number().int().positive(),
  sizeBytes: byteCount,
  logicalSectorSize: z.number().int().positive(),
  physicalSectorSize: z.number().int().positive(),
  label: PartitionLabel,
  id: z.string(),
  /** First usable byte for partitions (GPT first-lba or the end of the MBR), in bytes. */
  firstUsableBytes: byteCount,
  bootArea: z.object({ file: imageFileName, bytes: byteCount, sha256 }),
  sfdiskFile: imageFileName,
  /** `sfdisk --json` of the source disk, kept whole for reference. */
  table: z.looseObject({}),
});
export type ManifestDisk = z.infer<typeof ManifestDisk>;

export const Manifest = z.object({
  format: z.literal(IMAGE_FORMAT),
  name: z.string().min(1),
  created: z.iso.datetime(),
  source: z.object({ host: z.string(), device: z.string() }),
  tools: z.record(z.string(), z.string()),
  compression: z.object({
    algorithm: z.literal('zstd'),
    level: z.number().int(),
    chunkBytes: z.number().int().positive(),
  }),
  disks: z.array(ManifestDisk).min(1),
  partitions: z.array(ManifestPartition),
});
export type Manifest = z.infer<typeof Manifest>;
