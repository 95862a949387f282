import type { LayoutPlan } from '@brume/protocol';
import { partitionPath } from '../sys/devices.ts';
import type { Runner } from '../sys/exec.ts';

/** Pure: the sfdisk script that creates the planned table (sectors of the target disk). */
export function renderSfdiskScript(plan: LayoutPlan, diskPath: string): string {
  const sector = plan.logicalSectorSize;
  const header = [`label: ${plan.label}`, `label-id: ${plan.id}`, 'unit: sectors'];
  if (plan.label === 'gpt') header.push(`first-lba: ${plan.firstUsableBytes / sector}`);
  const lines = plan.partitions.map((partition) => {
    const fields = [
      `start=${partition.startBytes / sector}`,
      `size=${partition.sizeBytes / sector}`,
      `type=${partition.type}`,
    ];
    if (partition.partUuid !== undefined) fields.push(`uuid=${partition.partUuid}`);
    if (partition.name !== undefined) fields.push(`name=${JSON.stringify(partition.name)}`);
    if (partition.attrs !== undefined) fields.push(`attrs=${JSON.stringify(partition.attrs)}`);
    if (partition.bootable === true) fields.push('bootable');
    return `${partitionPath(diskPath, partition.number)} : ${fields.join(', ')}`;
  });
  return `${header.join('\n')}\n\n${lines.join('\n')}\n`;
}

/**
 * Writes the table. --wipe always clears old signatures on the disk (a stale GPT backup at the end of a disk that was
 * GPT before would otherwise confuse firmware); sfdisk's re-read fails on loop devices without partition scanning,
 * which is why partition nodes are made with partx afterwards, not by relying on the re-read.
 */
export async function writePartitionTable(run: Runner, diskPath: string, plan: LayoutPlan): Promise<void> {
  await run('sfdisk', ['--quiet', '--wipe', 'always', '--no-reread', '--no-tell-kernel', diskPath], {
    input: renderSfdiskScript(plan, diskPath),
  });
}
