// The names of an image's files and of the partitions they hold, built here and nowhere else: the agent writes and
// reads them, the multicast stream and the server name files by them, and progress events and logs name a partition
// the same way. ImageFileName (api.ts) is the schema that accepts exactly these names.

/** The suffix of a partition's stored stream: partclone's image, compressed with zstd. */
export const PARTITION_FILE_SUFFIX = '.pc.zst';

/** A partition as image files, progress events and logs name it: disk 1, partition 2 → "d1p2". */
export const partitionTarget = (disk: number, number: number): string => `d${disk}p${number}`;
/** Disk 1, partition 2 → "d1p2.pc.zst". */
export const partitionFileName = (disk: number, number: number): string =>
  `${partitionTarget(disk, number)}${PARTITION_FILE_SUFFIX}`;
/** The bytes before the first partition (MBR or GPT, the boot loader's gap): disk 1 → "d1.boot". */
export const bootAreaFileName = (disk: number): string => `d${disk}.boot`;
/** The partition table as `sfdisk --dump` prints it: disk 1 → "d1.sfdisk". */
export const sfdiskFileName = (disk: number): string => `d${disk}.sfdisk`;

/** The partition a partition file holds ("d1p2.pc.zst" → "d1p2"); undefined for the other files of an image. */
export function partitionTargetOfFile(file: string): string | undefined {
  return file.endsWith(PARTITION_FILE_SUFFIX) ? file.slice(0, -PARTITION_FILE_SUFFIX.length) : undefined;
}
