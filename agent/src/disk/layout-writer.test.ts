import { describe, expect, it } from 'vitest';
import type { LayoutPlan, PlannedPartition } from '@brume/protocol';
import { renderSfdiskScript } from './layout-writer.ts';

const partition = (fields: Partial<PlannedPartition>): PlannedPartition => ({
  number: 1,
  startBytes: 1048576,
  sizeBytes: 1048576,
  sourceStartBytes: 1048576,
  sourceSizeBytes: 1048576,
  type: '83',
  fs: 'ext4',
  action: 'restore',
  resize: 'none',
  ...fields,
});

const plan = (fields: Partial<LayoutPlan>): LayoutPlan => ({
  label: 'gpt',
  id: 'ABC',
  diskSizeBytes: 1 << 30,
  logicalSectorSize: 512,
  firstUsableBytes: 1048576,
  identical: false,
  partitions: [],
  bootArea: [],
  stagingBytes: 0,
  notes: [],
  ...fields,
});

describe('renderSfdiskScript', () => {
  it('writes GPT entries in target sectors with identity fields', () => {
    const script = renderSfdiskScript(
      plan({
        partitions: [partition({ type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', partUuid: 'U-1', name: 'EFI "sys"' })],
      }),
      '/dev/loop3',
    );
    expect(script).toContain('first-lba: 2048');
    expect(script).toContain(
      '/dev/loop3p1 : start=2048, size=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=U-1, name="EFI \\"sys\\""',
    );
  });

  it('converts to 4096-byte sectors and names sdX partitions without p', () => {
    const script = renderSfdiskScript(
      plan({
        label: 'dos',
        id: '0x1',
        logicalSectorSize: 4096,
        partitions: [partition({ number: 5, bootable: true })],
      }),
      '/dev/sdb',
    );
    expect(script).not.toContain('first-lba');
    expect(script).toContain('/dev/sdb5 : start=256, size=256, type=83, bootable');
  });
});
