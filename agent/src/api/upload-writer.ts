import {
  BrumeError,
  CHUNK_OFFSET_HEADER,
  CHUNK_SHA256_HEADER,
  type CallInput,
  type ImageSummary,
  type Manifest,
  type Routes,
  type UploadListing,
} from '@brume/protocol';
import type { ImageWriter, StoredPiece } from '../ports.ts';
import type { ApiClient } from './client.ts';
import { backoffDelay, retryPolicy } from './retry.ts';

export interface UploadStats {
  sentChunks: number;
  sentBytes: number;
  /** Chunks the server already held from an earlier attempt at this task (resume). */
  skippedChunks: number;
  skippedBytes: number;
}

export interface UploadWriter extends ImageWriter {
  stats(): UploadStats;
  /** The published image, once the commit was acknowledged. */
  published(): ImageSummary | undefined;
}

export interface UploadOptions {
  /** A commit re-reads and hashes every chunk before it answers: allow it time. */
  commitTimeoutMs?: number;
  /** Pieces at index 0 up to this size (boot area, sfdisk dump) are kept, to be sent again if the server lost them. */
  keepSmallBytes?: number;
}

/** How many times one chunk is sent when the server says what arrived does not match its sha256. */
const CORRUPT_RESENDS = 3;
/** PUTs that may run at once behind the capture: one on the wire, one ready, bounded memory (two stored chunks). */
const UPLOADS_IN_FLIGHT = 2;
/** Network faults tolerated on one chunk while the server itself keeps answering (a link that breaks every large transfer). */
const MAX_PUT_FAULTS = 30;

type Ledger = Map<string, Map<number, { offset: number; bytes: number; sha256: string }>>;

/**
 * A capture's image uploaded to the server, chunk by chunk (docs/api.md, "Upload protocol"): what the server already
 * holds for this task is not sent again, every PUT is retried through network faults, and the commit publishes it.
 */
export function uploadImageWriter(
  client: ApiClient,
  taskId: number,
  imageName: string,
  options: UploadOptions = {},
): UploadWriter {
  const keepSmall = options.keepSmallBytes ?? 2 * 1024 * 1024;
  const stats: UploadStats = { sentChunks: 0, sentBytes: 0, skippedChunks: 0, skippedBytes: 0 };
  const ledger: Ledger = new Map();
  const kept = new Map<string, StoredPiece>();
  let held: Ledger = new Map();
  let image: ImageSummary | undefined;
  // Uploads run behind the capture: put() returns once its PUT is started, unless UPLOADS_IN_FLIGHT are still going,
  // so partclone keeps streaming while the network works. A failed PUT surfaces at the next put() or at publish().
  const uploading: Promise<void>[] = [];
  const settleOldest = async (): Promise<void> => {
    await uploading.shift();
  };
  const drain = async (): Promise<void> => {
    while (uploading.length > 0) await settleOldest();
  };

  const listHeld = async (): Promise<Ledger> =>
    toLedger(await client.call('uploadListing', { params: { task: taskId } }));
  const send = async (file: string, index: number, piece: StoredPiece): Promise<void> => {
    const entry = { offset: piece.offset, bytes: piece.stored.byteLength, sha256: piece.sha256 };
    const stillMissing = async (): Promise<boolean> => !sameChunk((await listHeld()).get(file)?.get(index), entry);
    await putChunk(client, { params: { task: taskId, file }, query: { chunk: index } }, piece, stillMissing);
    stats.sentChunks++;
    stats.sentBytes += piece.stored.byteLength;
  };
  const commit = (manifest: Manifest): Promise<ImageSummary> =>
    client.call(
      'uploadCommit',
      { params: { task: taskId }, body: { manifest } },
      { headersTimeoutMs: options.commitTimeoutMs ?? 30 * 60 * 1000 },
    );

  return {
    location: `${client.url}/images/${imageName}`,
    async begin() {
      held = await listHeld();
    },
    async put(file, index, piece) {
      const entry = { offset: piece.offset, bytes: piece.stored.byteLength, sha256: piece.sha256 };
      ledgerOf(ledger, file).set(index, entry);
      if (index === 0 && piece.stored.byteLength <= keepSmall) kept.set(file, piece);
      else kept.delete(file);
      if (sameChunk(held.get(file)?.get(index), entry)) {
        stats.skippedChunks++;
        stats.skippedBytes += entry.bytes;
        return;
      }
      const upload = send(file, index, piece);
      upload.catch(() => undefined); // observed when settled, in order
      uploading.push(upload);
      while (uploading.length > UPLOADS_IN_FLIGHT) await settleOldest();
    },
    endFile: async () => undefined,
    async publish(manifest) {
      await drain();
      try {
        image = await commit(manifest);
      } catch (error) {
        if (!(error instanceof BrumeError) || (error.code !== 'UPLOAD_INCOMPLETE' && error.code !== 'CHUNK_CORRUPT'))
          throw error;
        // The server lost (or found damaged and forgot) chunks it had acknowledged: send again what is still here,
        // then commit once more.
        await resendMissing(await listHeld(), ledger, kept, send);
        image = await commit(manifest);
      }
    },
    async close() {
      await Promise.allSettled(uploading.splice(0));
    },
    stats: () => ({ ...stats }),
    published: () => image,
  };
}

/**
 * One PUT. After a network fault the chunk may have reached the server before the answer was lost: the agent asks what
 * the server holds (that request waits out the outage) and sends the chunk again only if it is still missing, so a
 * chunk the server holds never crosses the network twice. CHUNK_CORRUPT means the bytes changed on the way: sent again.
 */
async function putChunk(
  client: ApiClient,
  target: CallInput<Routes['uploadChunk']>,
  piece: StoredPiece,
  stillMissing: () => Promise<boolean>,
): Promise<void> {
  const headers = { [CHUNK_SHA256_HEADER]: piece.sha256, [CHUNK_OFFSET_HEADER]: String(piece.offset) };
  const policy = retryPolicy();
  for (let corrupt = 0, faults = 0; ;) {
    try {
      await client.call('uploadChunk', target, { headers, bytes: piece.stored, once: true });
      return;
    } catch (error) {
      if (!(error instanceof BrumeError)) throw error;
      if (error.code === 'CHUNK_CORRUPT' && ++corrupt < CORRUPT_RESENDS) continue;
      if (error.code !== 'SERVER_UNREACHABLE' || ++faults >= MAX_PUT_FAULTS) throw error;
      await policy.sleep(backoffDelay(faults - 1, policy));
      if (!(await stillMissing())) return;
    }
  }
}

async function resendMissing(
  held: Ledger,
  ledger: Ledger,
  kept: Map<string, StoredPiece>,
  send: (file: string, index: number, piece: StoredPiece) => Promise<void>,
): Promise<void> {
  const lost: string[] = [];
  for (const [file, chunks] of ledger) {
    for (const [index, entry] of chunks) {
      if (sameChunk(held.get(file)?.get(index), entry)) continue;
      const piece = kept.get(file);
      if (index === 0 && piece !== undefined && piece.sha256 === entry.sha256) await send(file, index, piece);
      else lost.push(`${file} chunk ${index}`);
    }
  }
  if (lost.length > 0) {
    throw new BrumeError(
      'UPLOAD_INCOMPLETE',
      `the server no longer holds ${lost.length} uploaded chunks (${lost.slice(0, 5).join(', ')}${lost.length > 5 ? ', …' : ''}); capture again to send them`,
      {
        detail: { missing: lost },
      },
    );
  }
}

function toLedger(listing: UploadListing): Ledger {
  const ledger: Ledger = new Map();
  for (const [file, chunks] of Object.entries(listing.files)) {
    for (const chunk of chunks)
      ledgerOf(ledger, file).set(chunk.index, { offset: chunk.offset, bytes: chunk.bytes, sha256: chunk.sha256 });
  }
  return ledger;
}

function ledgerOf(ledger: Ledger, file: string): Map<number, { offset: number; bytes: number; sha256: string }> {
  let chunks = ledger.get(file);
  if (chunks === undefined) {
    chunks = new Map();
    ledger.set(file, chunks);
  }
  return chunks;
}

const sameChunk = (
  a: { offset: number; bytes: number; sha256: string } | undefined,
  b: { offset: number; bytes: number; sha256: string },
): boolean => a !== undefined && a.offset === b.offset && a.bytes === b.bytes && a.sha256 === b.sha256;
