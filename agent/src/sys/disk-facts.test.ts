import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addDisk, fixtureTree, type FixtureTree } from '../../../test/fixtures/inventory-tree.ts';
import { readDiskFacts } from './disk-facts.ts';

const trees: FixtureTree[] = [];
afterEach(() => {
  for (const tree of trees.splice(0)) tree.remove();
});

function tree(): FixtureTree {
  const made = fixtureTree();
  trees.push(made);
  return made;
}

describe('disk facts from sysfs', () => {
  it('reads a SATA disk with two partitions, its queue limits and which partitions have /dev nodes', () => {
    const t = tree();
    const devicePath = 'pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda';
    addDisk(t, { devicePath, sectors: 488397168 });
    const dir = join('sys/devices', devicePath);
    t.file(join(dir, 'ro'), '0\n');
    t.file(join(dir, 'queue/discard_max_bytes'), '2147450880\n');
    t.file(join(dir, 'queue/write_zeroes_max_bytes'), '0\n');
    t.file(join(dir, 'queue/discard_zeroes_data'), '0\n');
    for (const [number, start, size] of [
      [1, 2048, 1048576],
      [2, 1050624, 487346111],
    ] as const) {
      t.file(join(dir, `sda${number}/partition`), `${number}\n`);
      t.file(join(dir, `sda${number}/start`), `${start}\n`);
      t.file(join(dir, `sda${number}/size`), `${size}\n`);
    }
    t.file('dev/sda1', '');
    expect(readDiskFacts('sda', t.sys, join(t.root, 'dev'))).toEqual({
      name: 'sda',
      sizeBytes: 488397168 * 512,
      removable: false,
      readOnly: false,
      transport: 'sata',
      queue: { logicalBlockSize: 512, discardMaxBytes: 2147450880, writeZeroesMaxBytes: 0, discardZeroesData: false },
      partitions: [
        { number: 1, name: 'sda1', device: join(t.root, 'dev/sda1'), startBytes: 2048 * 512, sizeBytes: 1048576 * 512 },
        { number: 2, name: 'sda2', device: undefined, startBytes: 1050624 * 512, sizeBytes: 487346111 * 512 },
      ],
      namespaces: [],
    });
  });

  it('sees a removable, write-protected USB card reader', () => {
    const t = tree();
    const devicePath = 'pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/host6/target6:0:0/6:0:0:0/block/sdc';
    addDisk(t, { devicePath, sectors: 62333952, removable: true });
    t.file(join('sys/devices', devicePath, 'ro'), '1\n');
    expect(readDiskFacts('sdc', t.sys, join(t.root, 'dev'))).toMatchObject({
      removable: true,
      readOnly: true,
      transport: 'usb',
      partitions: [],
    });
  });

  it('lists the NVMe namespaces that share a subsystem (a sanitize reaches them all)', () => {
    const t = tree();
    for (const name of ['nvme0n1', 'nvme0n2', 'nvme1n1'])
      addDisk(t, { devicePath: `pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/${name}`, sectors: 1000 });
    expect(readDiskFacts('nvme0n1', t.sys, join(t.root, 'dev'))).toMatchObject({
      transport: 'nvme',
      namespaces: ['nvme0n1', 'nvme0n2'],
    });
  });
});
