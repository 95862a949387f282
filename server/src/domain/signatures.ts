import { BrumeError, type SignatureFile, type SignatureList } from '@brume/protocol';
import type { TaskCredentials } from '../db/tasks.ts';
import type { SignatureDir, StoredSignature } from '../store/signatures-dir.ts';
import { requireAgentRoute } from './task-kinds.ts';

/**
 * Where the server's ClamAV signatures come from: what admins uploaded (DATA/signatures/) and, optionally, a mirrored
 * definitions directory (`brume server --signatures DIR`, kept current by freshclam or cvdupdate on a machine that has
 * the internet). The two merge by file name, and an upload wins: an admin can replace one mirrored file (a newer
 * daily.cvd carried in on a USB stick) without touching the mirror, and deleting the upload brings the mirror's back.
 */
export interface SignatureSources {
  uploads: SignatureDir;
  mirror: SignatureDir | null;
}

/** The largest database file accepted: main.cvd is ~170 MiB today. */
export const MAX_SIGNATURE_BYTES = 1024 * 1024 * 1024;

type Located = StoredSignature & { source: SignatureFile['source'] };

async function merged(sources: SignatureSources): Promise<Located[]> {
  const byName = new Map<string, Located>();
  for (const file of (await sources.mirror?.list()) ?? []) byName.set(file.name, { ...file, source: 'mirror' });
  for (const file of await sources.uploads.list()) byName.set(file.name, { ...file, source: 'upload' });
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const publicFile = ({ name, bytes, sha256, source, modifiedAt }: Located): SignatureFile => ({
  name,
  bytes,
  sha256,
  source,
  modifiedAt,
});

export async function listSignatures(sources: SignatureSources): Promise<SignatureList> {
  return { files: (await merged(sources)).map(publicFile) };
}

/** One file as served (its path stays on the server). */
export async function findSignature(sources: SignatureSources, name: string): Promise<Located> {
  const file = (await merged(sources)).find((candidate) => candidate.name === name);
  if (file === undefined)
    throw new BrumeError('NOT_FOUND', `the server has no signature file ${name}`, { detail: { name } });
  return file;
}

/** Stores an upload under its name (replacing an earlier upload); `created` is false when it replaced one. */
export async function uploadSignature(
  sources: SignatureSources,
  name: string,
  body: AsyncIterable<Uint8Array>,
  sha256: string | undefined,
): Promise<{ created: boolean; file: SignatureFile }> {
  const existed = (await sources.uploads.list()).some((file) => file.name === name);
  const stored = await sources.uploads.save(name, body, { maxBytes: MAX_SIGNATURE_BYTES, sha256 });
  return { created: !existed, file: publicFile({ ...stored, source: 'upload' }) };
}

/** Deletes an upload. A mirrored file is not the server's to delete: it says where to remove it instead. */
export async function deleteSignature(sources: SignatureSources, name: string): Promise<void> {
  if (await sources.uploads.remove(name)) return;
  const mirrored = (await sources.mirror?.list())?.some((file) => file.name === name) === true;
  if (mirrored) {
    throw new BrumeError(
      'BAD_REQUEST',
      `${name} is in the mirrored definitions directory ${sources.mirror?.dir ?? ''}, which the server only reads: remove it there`,
      { detail: { name } },
    );
  }
  throw new BrumeError('NOT_FOUND', `the server has no uploaded signature file ${name}`, { detail: { name } });
}

/** Signatures go to the admin and to the agents of virus-scan tasks, not to every task token. */
export function checkSignatureReader(task: TaskCredentials): void {
  requireAgentRoute(task, 'signatures');
}
