import { tool } from './tools.ts';

/** One partition as `sfdisk --json` prints it (start and size in sectors of `sectorSize`). */
export interface TablePartition {
  node: string;
  number: number;
  start: number;
  size: number;
  type: string;
  bootable?: boolean;
  name?: string;
  uuid?: string;
}

export interface PartitionTable {
  label: 'gpt' | 'dos';
  id: string;
  sectorSize: number;
  firstLba?: number;
  lastLba?: number;
  partitions: TablePartition[];
}

/** MBR types of extended partitions: the kernel gives them no usable node and partx cannot add one. */
export const EXTENDED_TYPES: readonly string[] = ['5', 'f', '85'];

interface SfdiskJson {
  partitiontable: {
    label: 'gpt' | 'dos';
    id: string;
    sectorsize?: number;
    firstlba?: number;
    lastlba?: number;
    partitions?: Omit<TablePartition, 'number'>[];
  };
}

/** Reads the table with `sfdisk --json`; `null` when the device has none. */
export async function readPartitionTable(device: string): Promise<PartitionTable | null> {
  const { stdout, code } = await tool('sfdisk', ['--json', device], { okCodes: [1] });
  if (code !== 0 || stdout.trim() === '') return null;
  const table = (JSON.parse(stdout) as SfdiskJson).partitiontable;
  return {
    label: table.label,
    id: table.id,
    sectorSize: table.sectorsize ?? 512,
    firstLba: table.firstlba,
    lastLba: table.lastlba,
    partitions: (table.partitions ?? []).map((part) => ({ ...part, number: partitionNumber(part.node) })),
  };
}

function partitionNumber(node: string): number {
  const match = /(\d+)$/.exec(node);
  if (match?.[1] === undefined) throw new Error(`sfdisk printed a partition node without a number: ${node}`);
  return Number(match[1]);
}

/** Writes a table from an sfdisk script (`label: gpt` …); the caller then refreshes the partition nodes. */
export async function writePartitionTable(device: string, script: string): Promise<void> {
  // Without udev sfdisk's re-read of the table fails ("Invalid argument") but the table is written and the exit code 0.
  await tool('sfdisk', ['--quiet', '--wipe', 'always', '--wipe-partitions', 'always', device], { input: script });
}
