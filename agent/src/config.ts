import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where partclone logs of this run go: the failure message points here, and the agent ships them to the server. */
export function runLogDir(explicit: string | undefined): string {
  const dir = explicit ?? join(tmpdir(), 'brume-logs', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const DEFAULT_CHUNK_BYTES = 32 * 1024 * 1024;
export const DEFAULT_LEVEL = 3;
