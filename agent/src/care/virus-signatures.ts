import { open, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { BrumeError, holdsSignatures, isSignatureFileName } from '@brume/protocol';

/** The database a scan used: the directory, its files, and the versions of its signed databases (main, daily …). */
export interface Signatures {
  dir: string;
  files: string[];
  /** "daily 27478, main 62" from the .cvd/.cld headers; absent for a directory of plain signature files. */
  version?: string;
}

/** Lists the database directory; refuses one that is missing or holds no signatures, before any disk is mounted. */
export async function readSignatures(dir: string): Promise<Signatures> {
  const info = await stat(dir).catch(() => undefined);
  if (info?.isDirectory() !== true) {
    throw new BrumeError(
      'BAD_REQUEST',
      `no virus signature directory at ${dir}: the server provides ClamAV definitions once an admin uploads or mirrors them`,
      { detail: { signaturesDir: dir } },
    );
  }
  // Which extensions libclamav loads, and which only amend others, is the protocol's list (the server's uploads too).
  const files = (await readdir(dir)).filter(isSignatureFileName).sort();
  if (!holdsSignatures(files)) {
    throw new BrumeError(
      'BAD_REQUEST',
      `${dir} holds no ClamAV signatures (main.cvd, daily.cvd, or .hdb/.ndb/.ldb files): upload or mirror the definitions on the server first`,
      {
        detail: { signaturesDir: dir, files },
      },
    );
  }
  const versions: string[] = [];
  for (const name of files) {
    const header = await readDatabaseHeader(dir, name);
    if (header !== undefined) versions.push(`${name.slice(0, -4)} ${header.version}`);
  }
  return versions.length > 0 ? { dir, files, version: versions.join(', ') } : { dir, files };
}

/** The header of a signed database (.cvd/.cld/.cud) in `dir`; undefined for a plain signature file. */
export async function readDatabaseHeader(dir: string, name: string): Promise<ReturnType<typeof parseCvdHeader>> {
  if (!['.cvd', '.cld', '.cud'].includes(extname(name).toLowerCase())) return undefined;
  return parseCvdHeader(await readHead(join(dir, name), 512));
}

/** The header a signed database (.cvd/.cld) starts with: "ClamAV-VDB:<build time>:<version>:<signatures>:…". */
export function parseCvdHeader(head: string): { built: string; version: number; signatures: number } | undefined {
  const match = /^ClamAV-VDB:(.*?[+-]\d{4}):(\d+):(\d+):/.exec(head);
  if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) return undefined;
  return { built: match[1], version: Number(match[2]), signatures: Number(match[3]) };
}

async function readHead(path: string, bytes: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
}
