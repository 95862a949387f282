import { z } from 'zod';
import { declareKind } from './declaration.ts';

/** How a wipe erases: fast (signatures and the ends), normal (one zero pass), full (random then zero), secure (the drive's own erase). */
export const WipeMode = z.enum(['fast', 'normal', 'full', 'secure']);
export type WipeMode = z.infer<typeof WipeMode>;

const WIPE_MODE_LABELS: Readonly<Record<WipeMode, string>> = {
  fast: 'fast: signatures and both ends',
  normal: 'normal: one pass of zeros',
  full: 'full: random, then zeros',
  secure: "secure: the drive's own erase",
};

const WipePass = z.looseObject({
  kind: z.string(),
  method: z.string(),
  /** What the pass wrote; a skipped pass wrote nothing. */
  bytes: z.number().int().nonnegative(),
  seconds: z.number().nonnegative(),
  bytesPerSecond: z.number().nonnegative(),
  skipped: z.string().optional(),
});

/** Erase a PC's disk: before it leaves the school, or before it is given to someone else. */
export const wipe = declareKind({
  kind: 'wipe',
  title: "Wipe this PC's disk",
  needsImage: false,
  needsDisk: true,
  destructive: true,
  abortable: false,
  groupable: true,
  menu: { label: 'Wipe the disk' },
  params: z.strictObject({ mode: WipeMode }),
  result: z.looseObject({
    mode: WipeMode,
    disk: z.string(),
    bytes: z.number().int().nonnegative(),
    passes: z.array(WipePass),
    readBack: z.looseObject({
      samples: z.number().int().nonnegative(),
      bytes: z.number().int().nonnegative(),
      allZero: z.boolean(),
    }),
    seconds: z.number().nonnegative(),
  }),
  /** What the passes wrote: a fast wipe's skipped passes count 0. */
  bytesMoved: (result) => result.passes.reduce((sum, pass) => sum + pass.bytes, 0),
  flags: [
    {
      name: 'mode',
      type: 'string',
      placeholder: 'M',
      param: 'mode',
      initial: 'normal',
      help: 'how the disk is erased',
      choices: WipeMode.options.map((mode) => ({ value: mode, label: WIPE_MODE_LABELS[mode] })),
    },
  ],
  phrase: (task) => `${task.params.mode} wipe of ${task.hostName}${task.onDisk}`,
  synopsis: '--mode fast|normal|full|secure [--disk DEV]',
});
