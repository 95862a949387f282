import { z } from 'zod';
import { declareKind } from './declaration.ts';

/** PhotoRec over a PC's disk, read-only; what it finds goes to the server's storage or a USB disk. */
export const recover = declareKind({
  kind: 'recover',
  title: "File recovery from this PC's disk (PhotoRec, read-only)",
  needsImage: false,
  needsDisk: true,
  destructive: false,
  abortable: true,
  groupable: true,
  menu: { label: 'Recover deleted files (PhotoRec) to the server or a USB disk' },
  params: z.strictObject({
    /** `server` (DATA/recovered/task-N/ on the server), or a partition of another disk: `usb:/dev/sdb1` or `usb:LABEL`. */
    destination: z
      .string()
      .regex(/^(server|usb:[A-Za-z0-9/._-]{1,64})$/, 'server, or usb:DEVICE or usb:LABEL (a partition of another disk)')
      .default('server'),
    /** PhotoRec's file families by extension (png,jpg,pdf,doc…), comma-separated; default: PhotoRec's own choice. */
    types: z
      .string()
      .regex(
        /^[a-z0-9]{1,12}(,[a-z0-9]{1,12}){0,63}$/,
        'file extensions as PhotoRec names them, comma-separated: png,jpg,pdf',
      )
      .optional(),
    /** One partition of the disk (its number in the table); default: the whole disk. */
    partition: z.coerce.number().int().min(1).max(256).optional(),
  }),
  result: z.looseObject({
    disk: z.string(),
    partition: z.number().int().positive().nullable(),
    destination: z.looseObject({ kind: z.enum(['server', 'usb']), dir: z.string() }),
    complete: z.boolean(),
    stopped: z.string().optional(),
    /** The files recovered, and their bytes. */
    files: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    byType: z.record(
      z.string(),
      z.looseObject({ files: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() }),
    ),
    list: z.array(z.looseObject({ name: z.string(), bytes: z.number().int().nonnegative() })),
    listTruncated: z.boolean(),
    photorec: z.looseObject({}),
    seconds: z.number().nonnegative(),
  }),
  bytesMoved: (result) => result.bytes,
  flags: [
    {
      name: 'destination',
      type: 'string',
      placeholder: 'server|usb:DEV|usb:LABEL',
      param: 'destination',
      initial: 'server',
      help: 'where the files go: the server, or a partition of a USB disk by device or label',
    },
    {
      name: 'types',
      type: 'string',
      placeholder: 'png,jpg,…',
      param: 'types',
      help: 'the file types to look for (empty: all PhotoRec knows)',
    },
    {
      name: 'partition',
      type: 'integer',
      placeholder: 'N',
      param: 'partition',
      help: 'one partition of the disk by number (empty: the whole disk)',
    },
  ],
  phrase: (task) => `file recovery from ${task.hostName}${task.onDisk} to ${task.params.destination}`,
  synopsis: '[--destination server|usb:DEV|usb:LABEL] [--types png,jpg,…] [--partition N] [--disk DEV]',
});
