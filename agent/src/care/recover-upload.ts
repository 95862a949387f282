import { open } from 'node:fs/promises';
import { RECOVERED_PIECE_BYTES, type RecoveredStored } from '@brume/protocol';
import type { ApiClient } from '../api/client.ts';
import type { RecoveredFile } from './recover-files.ts';

/**
 * Sends one recovered file to the server's storage: pieces of at most 32 MiB, each at its offset (a piece sent again
 * after a network fault replaces what the server held from there), then a commit with the size and sha256, which the
 * server checks against what it holds before it keeps the file.
 */
export async function uploadRecovered(
  client: ApiClient,
  taskId: number,
  file: RecoveredFile,
  name: string,
  onBytes: (bytes: number) => void,
): Promise<RecoveredStored> {
  const params = { task: taskId, file: name };
  const handle = await open(file.path, 'r');
  try {
    let offset = 0;
    do {
      const piece = new Uint8Array(Math.min(RECOVERED_PIECE_BYTES, file.bytes - offset));
      const { bytesRead } = await handle.read(piece, 0, piece.byteLength, offset);
      if (bytesRead !== piece.byteLength)
        throw new Error(`${file.path} shrank while it was sent (${offset + bytesRead} of ${file.bytes} bytes)`);
      await client.call('recoveredPiece', { params, query: { offset } }, { bytes: piece });
      offset += piece.byteLength;
      onBytes(piece.byteLength);
    } while (offset < file.bytes);
  } finally {
    await handle.close();
  }
  return client.call(
    'recoveredCommit',
    { params, body: { bytes: file.bytes, sha256: file.sha256 } },
    { headersTimeoutMs: 120_000 },
  );
}
