import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { BrumeError, formatBytes, holdsSignatures, type SignatureFile } from '@brume/protocol';
import type { ApiClient } from '../api/client.ts';
import { reportProgress } from '../imaging/progress.ts';
import { phase } from '../imaging/run-context.ts';
import type { Reporter } from '../ports.ts';

/** Each Range request asks for this much: a cut connection costs one piece, and no file is held in memory whole. */
const PIECE_BYTES = 8 * 1024 * 1024;

/**
 * Fetches the server's ClamAV databases into `dir` (empty, the agent's own), each checked against the sha256 the
 * server listed before the scan may use it. A server without signatures is refused here, before any disk is touched:
 * a scan without them would find nothing and say the disk is clean.
 */
export async function downloadSignatures(
  client: ApiClient,
  taskId: number,
  dir: string,
  reporter: Reporter,
): Promise<SignatureFile[]> {
  const { files } = await client.call('taskSignatures', { params: { id: taskId } });
  if (!holdsSignatures(files.map((file) => file.name))) {
    throw new BrumeError(
      'NO_SIGNATURES',
      `the server at ${client.url} has no ClamAV signatures${files.length === 0 ? '' : ` (only ${files.map((file) => file.name).join(', ')})`}: an admin uploads them (brume signatures upload main.cvd daily.cvd …) or starts the server with --signatures DIR`,
      {
        detail: { files: files.map((file) => file.name) },
      },
    );
  }
  const total = files.reduce((sum, file) => sum + file.bytes, 0);
  phase(
    reporter,
    'receive',
    `downloading ${files.length} signature file(s), ${formatBytes(total)}, from the server`,
    'signatures',
  );
  const started = performance.now();
  let done = 0;
  for (const file of files) {
    // The name was checked by the schema (one plain segment with a database extension): it cannot leave `dir`.
    await downloadFile(client, taskId, join(dir, file.name), file, (bytes) => {
      done += bytes;
      reportProgress(reporter, { phase: 'receive', target: 'signatures', done, total, started });
    });
  }
  return files;
}

async function downloadFile(
  client: ApiClient,
  taskId: number,
  target: string,
  file: SignatureFile,
  onPiece: (bytes: number) => void,
): Promise<void> {
  const hash = createHash('sha256');
  const handle = await open(target, 'wx', 0o600);
  try {
    for (let offset = 0; offset < file.bytes; offset += PIECE_BYTES) {
      const bytes = Math.min(PIECE_BYTES, file.bytes - offset);
      // If-Range: a file replaced on the server meanwhile answers whole (200), which `bytes` refuses as too long.
      const piece = await client.bytes('taskSignatureFile', { params: { id: taskId, name: file.name } }, bytes, {
        headers: { range: `bytes=${offset}-${offset + bytes - 1}`, 'if-range': `"${file.sha256}"` },
      });
      hash.update(piece);
      await handle.write(piece, 0, piece.length, offset);
      onPiece(bytes);
    }
  } finally {
    await handle.close();
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== file.sha256) {
    throw new BrumeError(
      'CHUNK_CORRUPT',
      `signature file ${file.name} arrived with sha256 ${sha256}, not the ${file.sha256} the server listed (replaced on the server during the download?): start the task again`,
      {
        detail: { name: file.name, expected: file.sha256, actual: sha256 },
      },
    );
  }
}
