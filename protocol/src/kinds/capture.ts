import { z } from 'zod';
import { declareKind } from './declaration.ts';

const bytes = z.number().int().nonnegative();

/** Capture a PC's disk into a new image on the server. */
export const capture = declareKind({
  kind: 'capture',
  title: "Capture this PC's disk into an image on the server",
  needsImage: 'makes',
  needsDisk: true,
  destructive: false,
  abortable: true,
  groupable: { refused: 'a capture makes one image from one PC' },
  menu: false,
  params: z.strictObject({}),
  result: z.looseObject({
    image: z.string(),
    disk: z.string(),
    partitions: z.number().int().nonnegative(),
    /** The partition streams before compression: what history counts. */
    rawBytes: bytes,
    storedBytes: bytes,
    seconds: z.number().nonnegative(),
    /** What the upload sent, and what a resumed one found the server holding already. */
    sentChunks: z.number().int().nonnegative().optional(),
    sentBytes: bytes.optional(),
    skippedChunks: z.number().int().nonnegative().optional(),
    skippedBytes: bytes.optional(),
  }),
  bytesMoved: (result) => result.rawBytes,
  flags: [],
  phrase: (task) => `capture ${task.hostName}${task.onDisk} into image ${task.image ?? '?'}`,
  synopsis: '--image I [--disk DEV]',
});
