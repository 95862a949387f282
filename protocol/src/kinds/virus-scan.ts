import { z } from 'zod';
import { declareKind } from './declaration.ts';

/** ClamAV over every filesystem of a PC's disk, mounted read-only, with the signatures the server hands out. */
export const virusScan = declareKind({
  kind: 'virus-scan',
  title: "Virus scan of this PC's disk (read-only)",
  needsImage: false,
  needsDisk: true,
  destructive: false,
  abortable: true,
  groupable: true,
  menu: { label: 'Virus scan of the disk (read-only)' },
  params: z.strictObject({}),
  result: z.looseObject({
    disk: z.string(),
    infectedFiles: z.number().int().nonnegative(),
    infected: z.array(
      z.looseObject({
        partition: z.number().int(),
        device: z.string(),
        fs: z.string().nullable(),
        path: z.string(),
        signature: z.string(),
      }),
    ),
    filesScanned: z.number().int().nonnegative(),
    bytesScanned: z.number().int().nonnegative(),
    /** The databases the scan used, the version they make, and how many signatures clamscan loaded. */
    signatures: z.looseObject({
      databases: z.array(z.looseObject({ name: z.string() })),
      version: z.string().optional(),
      known: z.number().int().nonnegative().nullable(),
    }),
    partitions: z.array(z.looseObject({})),
    seconds: z.number().nonnegative(),
  }),
  // History has counted no bytes for a scan: it reads files, not the disk, and its byte count is theirs.
  bytesMoved: () => null,
  flags: [],
  phrase: (task) => `virus scan of ${task.hostName}${task.onDisk}`,
  synopsis: '[--disk DEV]',
});
