import { z } from 'zod';
import { Inventory } from '../inventory.ts';
import { declareKind } from './declaration.ts';

/** Re-inventory a known PC: what it is made of now, for the host's history. Reads only, and needs no disk. */
export const inventory = declareKind({
  kind: 'inventory',
  title: "Read this PC's hardware inventory for the server",
  needsImage: false,
  needsDisk: false,
  destructive: false,
  abortable: true,
  groupable: true,
  menu: false,
  params: z.strictObject({}),
  result: z.looseObject({ inventory: Inventory, warnings: z.array(z.string()).default([]) }),
  bytesMoved: () => null,
  flags: [],
  phrase: (task) => `inventory of ${task.hostName}`,
  synopsis: '',
});
