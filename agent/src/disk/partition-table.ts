import { z } from 'zod';
import { BrumeError, type PartitionLabel } from '@brume/protocol';

/** `sfdisk --json` as util-linux 2.38 prints it (fields we rely on; the rest is kept). */
const SfdiskJson = z.object({
  partitiontable: z.looseObject({
    label: z.string(),
    id: z.string(),
    unit: z.literal('sectors'),
    firstlba: z.number().int().optional(),
    sectorsize: z.number().int().optional(),
    partitions: z
      .array(
        z.looseObject({
          node: z.string(),
          start: z.number().int().nonnegative(),
          size: z.number().int().nonnegative(),
          type: z.string(),
          uuid: z.string().optional(),
          name: z.string().optional(),
          attrs: z.string().optional(),
          bootable: z.boolean().optional(),
        }),
      )
      .default([]),
  }),
});

export interface TableEntry {
  number: number;
  startBytes: number;
  sizeBytes: number;
  type: string;
  partUuid?: string;
  name?: string;
  attrs?: string;
  bootable?: boolean;
}

export interface PartitionTable {
  label: PartitionLabel;
  id: string;
  firstUsableBytes: number;
  entries: TableEntry[];
  /** The parsed JSON, kept whole for the manifest. */
  json: Record<string, unknown>;
}

/** Pure: sfdisk's JSON → the table in bytes. `sectorSize` is the disk's logical sector size (sfdisk's unit). */
export function parseSfdiskJson(text: string, sectorSize: number): PartitionTable {
  const parsed = SfdiskJson.safeParse(JSON.parse(text));
  if (!parsed.success) throw new BrumeError('BAD_REQUEST', `unexpected sfdisk --json output: ${parsed.error.message}`);
  const table = parsed.data.partitiontable;
  if (table.label !== 'gpt' && table.label !== 'dos')
    throw new BrumeError('BAD_REQUEST', `partition table type "${table.label}" is not supported (gpt and dos are)`);
  const entries = table.partitions.map((entry) => {
    const number = Number(/(\d+)$/.exec(entry.node)?.[1]);
    const result: TableEntry = {
      number,
      startBytes: entry.start * sectorSize,
      sizeBytes: entry.size * sectorSize,
      type: entry.type,
    };
    if (entry.uuid !== undefined) result.partUuid = entry.uuid;
    if (entry.name !== undefined) result.name = entry.name;
    if (entry.attrs !== undefined) result.attrs = entry.attrs;
    if (entry.bootable !== undefined) result.bootable = entry.bootable;
    return result;
  });
  const firstUsableBytes = table.label === 'gpt' ? (table.firstlba ?? 34) * sectorSize : sectorSize;
  return { label: table.label, id: table.id, firstUsableBytes, entries, json: parsed.data };
}

/** MBR extended container types (DOS 0x05, Windows 0x0f, Linux 0x85). */
export function isExtendedContainer(label: PartitionLabel, type: string): boolean {
  return label === 'dos' && ['5', 'f', '85'].includes(type.toLowerCase().replace(/^0x/, ''));
}
