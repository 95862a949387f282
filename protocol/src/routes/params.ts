import { z } from 'zod';
import {
  CHUNK_OFFSET_HEADER,
  CHUNK_SHA256_HEADER,
  GroupName,
  HostName,
  Id,
  ImageFileName,
  ImageName,
  Sha256,
  TechName,
} from '../api.ts';
import { RecoveredFileName } from '../recovered.ts';
import { SignatureFileName } from '../signatures.ts';

/** The path parameters and headers of the routes: the pieces of a URL the table's paths name. */
export const IdParams = z.object({ id: Id });
export const TaskParam = z.object({ task: Id });
export const HostParams = z.object({ name: HostName });
export const GroupParams = z.object({ name: GroupName });
export const TechParams = z.object({ name: TechName });
export const ImageParams = z.object({ name: ImageName });
export const ImageFileParams = z.object({ name: ImageName, file: ImageFileName });
export const UploadChunkParams = z.object({ task: Id, file: ImageFileName });
export const RecoveredPieceParams = z.object({ task: Id, file: RecoveredFileName });
export const RecoveredFileParams = z.object({ id: Id, file: RecoveredFileName });
export const SignatureParams = z.object({ name: SignatureFileName });
export const TaskSignatureParams = z.object({ id: Id, name: SignatureFileName });

/** A chunk's sha256 and its offset in the file: the server hashes the body as it comes and keeps it only if they match. */
export const UploadChunkHeaders = z.looseObject({
  [CHUNK_SHA256_HEADER]: Sha256,
  [CHUNK_OFFSET_HEADER]: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
/** A signature file's sha256, checked before the upload replaces anything. */
export const SignatureUploadHeaders = z.looseObject({ [CHUNK_SHA256_HEADER]: Sha256.optional() });
