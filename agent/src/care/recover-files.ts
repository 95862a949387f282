import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';

/** One file PhotoRec carved. */
export interface RecoveredFile {
  /** Its name at the destination: a path under the task's folder on a USB disk, a plain name on the server. */
  name: string;
  /** Where it is on this PC now. */
  path: string;
  /** Its family, by extension (png, pdf …; `none` without one). */
  type: string;
  bytes: number;
  sha256: string;
}

/** PhotoRec's own report beside the files: not a recovered file. */
const NOT_RECOVERED = new Set(['report.xml']);

/** Every file PhotoRec wrote under `root` (its recup_dir.N folders), hashed, in name order. */
export async function listRecovered(root: string): Promise<RecoveredFile[]> {
  const files: RecoveredFile[] = [];
  for (const entry of (await readdir(root, { recursive: true, withFileTypes: true })).sort((a, b) =>
    join(a.parentPath, a.name).localeCompare(join(b.parentPath, b.name)),
  )) {
    if (!entry.isFile() || NOT_RECOVERED.has(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    files.push({
      name: relative(root, path),
      path,
      type: extname(entry.name).slice(1).toLowerCase() || 'none',
      bytes: (await stat(path)).size,
      sha256: await sha256Of(path),
    });
  }
  return files;
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

/**
 * Plain names for the server's folder (one level, the server's name pattern): PhotoRec's names carry the sector the file
 * started at, so they are unique in a run; a name seen twice (two passes) takes its folder's number.
 */
export function serverNames(files: readonly RecoveredFile[]): string[] {
  const seen = new Set<string>();
  return files.map((file) => {
    const base =
      (file.name.split('/').at(-1) ?? 'file')
        .replace(/[^A-Za-z0-9._-]/g, '_')
        .replace(/^[^A-Za-z0-9]+/, '')
        .slice(-120) || 'file';
    const folder = /(\d+)\/[^/]+$/.exec(file.name)?.[1] ?? String(seen.size);
    const name = seen.has(base) ? `${folder}-${base}` : base;
    seen.add(name);
    return name;
  });
}

/** The result's summary: files and bytes by family, and a list capped at `cap` entries. */
export interface RecoveredSummary {
  files: number;
  bytes: number;
  byType: Record<string, { files: number; bytes: number }>;
  list: { name: string; bytes: number; sha256: string }[];
  /** `list` holds only the first `cap` files. */
  listTruncated: boolean;
}

export function summarize(files: readonly RecoveredFile[], names: readonly string[], cap: number): RecoveredSummary {
  const byType: RecoveredSummary['byType'] = {};
  for (const file of files) {
    const entry = (byType[file.type] ??= { files: 0, bytes: 0 });
    entry.files += 1;
    entry.bytes += file.bytes;
  }
  return {
    files: files.length,
    bytes: files.reduce((sum, file) => sum + file.bytes, 0),
    byType,
    list: files
      .slice(0, cap)
      .map((file, index) => ({ name: names[index] ?? file.name, bytes: file.bytes, sha256: file.sha256 })),
    listTruncated: files.length > cap,
  };
}
