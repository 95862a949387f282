import { BrumeError, ImageFileName, type Manifest } from '@brume/protocol';

/** A chunk a manifest expects; null fields are not in the manifest (the sfdisk dump has no hash there) and come from the upload. */
export interface ExpectedChunk {
  index: number;
  offset: number;
  bytes: number | null;
  sha256: string | null;
}
export interface ExpectedFile {
  file: string;
  chunks: ExpectedChunk[];
  /** The whole file's sha256 when the manifest gives it. */
  sha256: string | null;
}

export interface FileChunk {
  index: number;
  offset: number;
  bytes: number;
  sha256: string;
}
/** A file with every chunk known: what is re-read and hashed, and what downloads serve. */
export interface FilePlan {
  file: string;
  chunks: FileChunk[];
  sha256: string;
  bytes: number;
}

const invalid = (message: string, detail?: unknown): BrumeError =>
  new BrumeError('MANIFEST_INVALID', message, { detail });

/**
 * Every file of an image as the manifest describes it: each disk's boot area and sfdisk dump (one chunk, index 0) and
 * each partition's stream file with its chunks, which must follow each other from offset 0 to the stored size.
 */
export function expectedFiles(manifest: Manifest): ExpectedFile[] {
  const files: ExpectedFile[] = [];
  for (const disk of manifest.disks) {
    files.push({
      file: disk.bootArea.file,
      sha256: disk.bootArea.sha256,
      chunks: [{ index: 0, offset: 0, bytes: disk.bootArea.bytes, sha256: disk.bootArea.sha256 }],
    });
    files.push({ file: disk.sfdiskFile, sha256: null, chunks: [{ index: 0, offset: 0, bytes: null, sha256: null }] });
  }
  for (const partition of manifest.partitions) {
    const where = `partition ${partition.disk}.${partition.number}`;
    if (partition.file === null) {
      if (partition.chunks.length > 0) throw invalid(`${where} lists chunks but no file`);
      continue;
    }
    if (partition.sha256 === null) throw invalid(`${where}: ${partition.file} has no sha256`);
    // A partition stream is never empty (partclone writes a header, zstd a frame): one with no chunk holds no image.
    if (partition.chunks.length === 0) throw invalid(`${where}: ${partition.file} lists no chunk`);
    let offset = 0;
    const chunks = partition.chunks.map((chunk, index) => {
      if (chunk.offset !== offset)
        throw invalid(`${where}: chunk ${index} of ${partition.file} starts at ${chunk.offset}, expected ${offset}`);
      offset += chunk.bytes;
      return { index, offset: chunk.offset, bytes: chunk.bytes, sha256: chunk.sha256 };
    });
    if (offset !== partition.storedBytes)
      throw invalid(
        `${where}: the chunks of ${partition.file} add up to ${offset} bytes, storedBytes says ${partition.storedBytes}`,
      );
    files.push({ file: partition.file, sha256: partition.sha256, chunks });
  }
  const seen = new Set<string>();
  for (const { file } of files) {
    if (!ImageFileName.safeParse(file).success)
      throw invalid(`${file} is not a name an image file can have (d1.boot, d1.sfdisk, d1p2.pc.zst)`, { file });
    if (seen.has(file)) throw invalid(`${file} is named twice in the manifest`, { file });
    seen.add(file);
  }
  return files;
}

/** The known bytes and sha256 of a file or chunk the manifest does not describe fully. */
export type KnownChunk = (file: string, index: number) => { offset: number; bytes: number; sha256: string } | undefined;

/** Fills in what the manifest leaves open; a chunk that cannot be filled in is returned in `missing`. */
export function resolveFiles(
  expected: readonly ExpectedFile[],
  known: KnownChunk,
): { files: FilePlan[]; missing: { file: string; chunk: number }[] } {
  const files: FilePlan[] = [];
  const missing: { file: string; chunk: number }[] = [];
  for (const file of expected) {
    const chunks: FileChunk[] = [];
    for (const chunk of file.chunks) {
      const held = known(file.file, chunk.index);
      const matches =
        held !== undefined &&
        held.offset === chunk.offset &&
        (chunk.bytes === null || held.bytes === chunk.bytes) &&
        (chunk.sha256 === null || held.sha256 === chunk.sha256);
      if (!matches) missing.push({ file: file.file, chunk: chunk.index });
      else chunks.push({ index: chunk.index, offset: chunk.offset, bytes: held.bytes, sha256: held.sha256 });
    }
    const bytes = chunks.reduce((sum, chunk) => sum + chunk.bytes, 0);
    // A one-chunk file's hash is its chunk's hash.
    const sha256 = file.sha256 ?? chunks[0]?.sha256 ?? '';
    files.push({ file: file.file, chunks, sha256, bytes });
  }
  return { files, missing };
}

/**
 * The chunks of a stored image as the manifest gives them; for a file the manifest does not hash (the sfdisk dump),
 * `unhashed` supplies its bytes and sha256 (recorded at publish, or hashed now), as one chunk at offset 0.
 */
export function manifestChunks(
  expected: readonly ExpectedFile[],
  unhashed: (file: string) => { bytes: number; sha256: string } | undefined,
): KnownChunk {
  const byName = new Map(expected.map((file) => [file.file, file]));
  return (file, index) => {
    const chunk = byName.get(file)?.chunks[index];
    if (chunk === undefined) return undefined;
    if (chunk.bytes !== null && chunk.sha256 !== null)
      return { offset: chunk.offset, bytes: chunk.bytes, sha256: chunk.sha256 };
    const whole = unhashed(file);
    return whole === undefined ? undefined : { offset: 0, ...whole };
  };
}
