import { formatBytes, type LayoutPlan } from '@brume/protocol';

/** The plan as a technician reads it before saying yes. */
export function describePlan(plan: LayoutPlan): string {
  const rows = plan.partitions.map((p) => {
    const change = p.sizeBytes === p.sourceSizeBytes ? '' : `  (was ${formatBytes(p.sourceSizeBytes)}, ${p.resize})`;
    return `  p${String(p.number).padEnd(3)} ${p.fs.padEnd(9)} start ${formatBytes(p.startBytes).padStart(10)}  size ${formatBytes(p.sizeBytes).padStart(10)}  ${p.action}${change}`;
  });
  const header = `${plan.label} table on ${formatBytes(plan.diskSizeBytes)} (${plan.logicalSectorSize}-byte sectors)${plan.identical ? ', identical to the source' : ''}`;
  const staging = plan.stagingBytes > 0 ? [`staging space needed: ${formatBytes(plan.stagingBytes)}`] : [];
  return [header, ...rows, ...plan.notes.map((note) => `  note: ${note}`), ...staging].join('\n');
}
