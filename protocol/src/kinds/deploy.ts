import { z } from 'zod';
import { LayoutPlan } from '../plan.ts';
import { declareKind } from './declaration.ts';

/** Deploy an image from the server onto a PC's disk, fitted to the disk by the planner. */
export const deploy = declareKind({
  kind: 'deploy',
  title: 'Deploy an image from the server onto this PC',
  needsImage: 'reads',
  needsDisk: true,
  destructive: true,
  abortable: false,
  groupable: true,
  menu: false,
  /** A deploy of a multicast session names it: the agent receives the image's files from its stream. */
  params: z.strictObject({ multicast: z.number().int().positive().optional() }),
  result: z.looseObject({
    image: z.string(),
    disk: z.string(),
    partitions: z.number().int().nonnegative(),
    identical: z.boolean(),
    plan: LayoutPlan,
    rawBytes: z.number().int().nonnegative(),
    seconds: z.number().nonnegative(),
    /** What the multicast stream gave and what HTTP had to repair, for a deploy of a session. */
    multicast: z
      .looseObject({
        session: z.number().int().positive(),
        receivedBytes: z.number().int().nonnegative(),
        repairedBytes: z.number().int().nonnegative(),
        files: z.array(z.unknown()),
      })
      .optional(),
    /** Set when the deploy was run step by step from a debug shell. */
    debug: z.boolean().optional(),
  }),
  bytesMoved: (result) => result.rawBytes,
  flags: [],
  phrase: (task) => `deploy image ${task.image ?? '?'} to ${task.hostName}${task.onDisk}`,
  synopsis: '--image I [--disk DEV]',
});
