import { z } from 'zod';
import { Sha256 } from './api.ts';

// ── recovered files (what a recovery task whose destination is the server sends) ──────────────────────────────────
/** A recovered file's name on the server: one plain segment, as PhotoRec names them (f0018950.png). */
export const RecoveredFileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a plain file name');
/** The largest piece of a recovered file in one `PUT /recovered/:task/:file?offset=N`. */
export const RECOVERED_PIECE_BYTES = 32 * 1024 * 1024;
/** `PUT /recovered/:task/:file?offset=N`: the bytes from `offset` on; what the server held beyond it is dropped. */
export const RecoveredPieceQuery = z.object({
  offset: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
export const RecoveredPieceHeld = z.object({ name: RecoveredFileName, bytes: z.number().int().nonnegative() });
export type RecoveredPieceHeld = z.infer<typeof RecoveredPieceHeld>;
/** `POST /recovered/:task/:file/commit`: the whole file's size and sha256; the server checks both, then keeps it. */
export const RecoveredCommit = z.object({ bytes: z.number().int().nonnegative(), sha256: Sha256 });
export type RecoveredCommit = z.infer<typeof RecoveredCommit>;
export const RecoveredEntry = z.object({ name: RecoveredFileName, bytes: z.number().int().nonnegative() });
export type RecoveredEntry = z.infer<typeof RecoveredEntry>;
export const RecoveredStored = RecoveredEntry.extend({ sha256: Sha256 });
export type RecoveredStored = z.infer<typeof RecoveredStored>;
/** `GET /tasks/:id/recovered` (admin): what the server holds of a recovery, by name (sha256s are in the task's result). */
export const RecoveredList = z.object({
  task: z.number().int().positive(),
  dir: z.string(),
  files: z.array(RecoveredEntry),
  bytes: z.number().int().nonnegative(),
});
export type RecoveredList = z.infer<typeof RecoveredList>;
