import { BrumeError } from '@brume/protocol';
import type { Runner } from '../sys/exec.ts';
import type { Probe } from './filesystems/index.ts';
import { parseSfdiskJson, type PartitionTable } from './partition-table.ts';

/** The disk's partition table, parsed, plus `sfdisk -d` text for hand restores. */
export async function readPartitionTable(
  run: Runner,
  diskPath: string,
  sectorSize: number,
): Promise<{ table: PartitionTable; dump: string }> {
  const json = await run('sfdisk', ['--json', diskPath]).catch((error: unknown) => {
    throw new BrumeError('BAD_REQUEST', `${diskPath} has no readable partition table (GPT or MBR expected)`, {
      cause: error,
    });
  });
  const dump = await run('sfdisk', ['--dump', diskPath]);
  return { table: parseSfdiskJson(json.stdout, sectorSize), dump: dump.stdout };
}

/** blkid's low-level probe of a partition; empty when it finds no known signature (exit 2). */
export async function probePartition(run: Runner, device: string): Promise<Probe> {
  const { stdout } = await run('blkid', ['-p', '-o', 'export', device], { okCodes: [2] });
  const probe: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) probe[line.slice(0, at)] = line.slice(at + 1);
  }
  return probe;
}
