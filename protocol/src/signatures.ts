import { z } from 'zod';
import { Sha256 } from './api.ts';

/**
 * ClamAV signature databases as the server hands them to virus-scan tasks. A name reaches the server's file
 * system and the agent's: one plain segment, with an extension libclamav loads from a database directory
 * (cl_load → cli_loaddbdir), so nothing else can be uploaded under this name.
 */
export const SIGNATURE_EXTENSIONS: readonly string[] = [
  'cvd',
  'cld',
  'cud',
  'hdb',
  'hsb',
  'hdu',
  'hsu',
  'mdb',
  'msb',
  'mdu',
  'msu',
  'ndb',
  'ndu',
  'ldb',
  'ldu',
  'idb',
  'cdb',
  'cbc',
  'crb',
  'cat',
  'pdb',
  'gdb',
  'wdb',
  'ftm',
  'fp',
  'sfp',
  'ign',
  'ign2',
  'imp',
  'info',
  'cfg',
  'pwdb',
  'yar',
  'yara',
];
/** Files that only amend others (allow lists, ignores, settings): a set holding nothing else has no signatures. */
export const SIGNATURE_AMENDMENTS: readonly string[] = ['fp', 'sfp', 'ign', 'ign2', 'cfg', 'info', 'ftm', 'cat', 'crb'];

const extensionOf = (name: string): string => name.slice(name.lastIndexOf('.') + 1).toLowerCase();

/** Whether `name` is a file libclamav would load as a database (by its extension). */
export const isSignatureFileName = (name: string): boolean =>
  name.includes('.') && SIGNATURE_EXTENSIONS.includes(extensionOf(name));
/** Whether a set of database files holds any signatures at all (not only amendments). */
export const holdsSignatures = (names: readonly string[]): boolean =>
  names.some((name) => isSignatureFileName(name) && !SIGNATURE_AMENDMENTS.includes(extensionOf(name)));

export const SignatureFileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a plain file name (letters, digits, dot, dash, underscore; no path)')
  .refine(
    isSignatureFileName,
    `a ClamAV database file name: *.cvd, *.cld, *.cud, *.hdb, *.hsb, *.ndb, *.ldb, *.yara … (${SIGNATURE_EXTENSIONS.length} extensions)`,
  );

/**
 * One database file the server serves. `upload`: an admin uploaded it (DATA/signatures/); `mirror`: it is in the
 * directory given by `brume server --signatures DIR`. An uploaded file hides a mirrored one of the same name.
 */
export const SignatureFile = z.object({
  name: SignatureFileName,
  bytes: z.number().int().nonnegative(),
  sha256: Sha256,
  source: z.enum(['upload', 'mirror']),
  modifiedAt: z.iso.datetime(),
});
export type SignatureFile = z.infer<typeof SignatureFile>;
export const SignatureList = z.object({ files: z.array(SignatureFile) });
export type SignatureList = z.infer<typeof SignatureList>;
