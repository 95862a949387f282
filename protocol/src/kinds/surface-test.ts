import { z } from 'zod';
import { declareKind } from './declaration.ts';

/** Read the whole disk once: the sectors it cannot read, SMART before and after, the speed across it. */
export const surfaceTest = declareKind({
  kind: 'surface-test',
  title: "Surface test of this PC's disk (read-only)",
  needsImage: false,
  needsDisk: true,
  destructive: false,
  abortable: true,
  groupable: true,
  menu: { label: 'Surface test of the disk (read-only)' },
  /** The read size and how many points the throughput series has. */
  params: z.strictObject({
    blockBytes: z
      .number()
      .int()
      .min(512)
      .max(64 * 1024 * 1024)
      .optional(),
    regions: z.number().int().min(1).max(10_000).optional(),
  }),
  result: z.looseObject({
    disk: z.string(),
    /** What was read. */
    bytes: z.number().int().nonnegative(),
    sectorBytes: z.number().int().positive(),
    readMode: z.enum(['direct', 'buffered']),
    badSectors: z.array(z.number().int().nonnegative()),
    badSectorCount: z.number().int().nonnegative(),
    readErrors: z.number().int().nonnegative(),
    smart: z.looseObject({ before: z.unknown(), after: z.unknown() }),
    throughput: z.array(z.unknown()),
    seconds: z.number().nonnegative(),
  }),
  bytesMoved: (result) => result.bytes,
  flags: [],
  phrase: (task) => `surface test of ${task.hostName}${task.onDisk}`,
  synopsis: '[--disk DEV]',
});
