import type { FileLocation, ImageStore } from '../store/image-store.ts';
import type { FilePlan } from './image-plan.ts';

export interface FileProblem {
  file: string;
  /** The chunk index, or null for a problem with the whole file. */
  chunk: number | null;
  message: string;
}

export interface CheckResult {
  problems: FileProblem[];
  chunks: number;
  bytes: number;
}

/**
 * Reads every chunk of every file back from the store and hashes it, and each whole file: the check behind a commit
 * (nothing is published unless the bytes on disk are the bytes announced) and behind `image verify`.
 * `exactSize` also requires each file to end where its last chunk does (a staged file may hold stray bytes after).
 */
export async function checkFiles(
  store: ImageStore,
  location: FileLocation,
  files: readonly FilePlan[],
  exactSize: boolean,
): Promise<CheckResult> {
  const result: CheckResult = { problems: [], chunks: 0, bytes: 0 };
  for (const file of files) {
    if (exactSize) {
      const size = await store.fileSize(location, file.file);
      if (size === null) {
        result.problems.push({ file: file.file, chunk: null, message: `${file.file} is missing` });
        continue;
      }
      if (size !== file.bytes)
        result.problems.push({
          file: file.file,
          chunk: null,
          message: `${file.file} is ${size} bytes, expected ${file.bytes}`,
        });
    }
    const digest = await store.digest(location, file.file, file.chunks);
    let chunksOk = true;
    file.chunks.forEach((chunk, position) => {
      const read = digest.chunks[position];
      result.chunks += 1;
      result.bytes += read?.bytes ?? 0;
      if (read?.bytes !== chunk.bytes) {
        chunksOk = false;
        result.problems.push({
          file: file.file,
          chunk: chunk.index,
          message: `chunk ${chunk.index} of ${file.file}: ${read?.bytes ?? 0} of its ${chunk.bytes} bytes are stored`,
        });
      } else if (read.sha256 !== chunk.sha256) {
        chunksOk = false;
        result.problems.push({
          file: file.file,
          chunk: chunk.index,
          message: `chunk ${chunk.index} of ${file.file} does not match its sha256`,
        });
      }
    });
    if (chunksOk && digest.sha256 !== file.sha256) {
      result.problems.push({
        file: file.file,
        chunk: null,
        message: `${file.file} does not match its sha256 ${file.sha256}`,
      });
    }
  }
  return result;
}
