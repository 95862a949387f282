import { Inventory } from '@brume/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectInventory } from './collect.ts';
import {
  addDisk,
  addNic,
  fakeRunner,
  fixtureTree,
  type FakeAnswer,
  type FixtureTree,
} from '../../../test/fixtures/inventory-tree.ts';
import { describeInventory } from './summary.ts';

let tree: FixtureTree;
beforeEach(() => {
  tree = fixtureTree();
});
afterEach(() => tree.remove());

const NOW = new Date('2026-05-04T10:00:00.000Z');

/** A QEMU PC as the ramdisk sees it: SeaBIOS, 2 vCPUs, 2 GiB, one virtio disk, one virtio NIC, and a loop device. */
function qemuPc(): Record<string, FakeAnswer> {
  for (const [file, value] of Object.entries({
    sys_vendor: 'QEMU',
    product_name: 'Standard PC (i440FX + PIIX, 1996)',
    product_serial: '',
    product_uuid: '5c4e8b1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b',
    bios_vendor: 'SeaBIOS',
    bios_version: '1.16.2-debian-1.16.2-1',
  })) {
    tree.file(`sys/class/dmi/id/${file}`, `${value}\n`);
  }
  tree.file(
    'proc/cpuinfo',
    'processor\t: 0\nmodel name\t: QEMU Virtual CPU version 2.5+\n\nprocessor\t: 1\nmodel name\t: QEMU Virtual CPU version 2.5+\n',
  );
  tree.file('proc/meminfo', 'MemTotal:        2014680 kB\n');
  tree.file('sys/devices/system/cpu/online', '0-1\n');
  tree.file('sys/devices/system/cpu/cpu0/topology/core_cpus_list', '0\n');
  tree.file('sys/devices/system/cpu/cpu1/topology/core_cpus_list', '1\n');
  addDisk(tree, { devicePath: 'pci0000:00/0000:00:04.0/virtio1/block/vda', sectors: 16_777_216, rotational: true });
  addDisk(tree, { devicePath: 'virtual/block/loop0', sectors: 131_072 });
  addNic(tree, { name: 'lo', address: '00:00:00:00:00:00', carrier: '1' });
  addNic(tree, {
    name: 'eth0',
    devicePath: 'pci0000:00/0000:00:03.0/virtio0',
    address: '52:54:00:12:34:56',
    carrier: '1',
    speed: '-1',
    driver: 'virtio_net',
  });
  return {
    dmidecode: { stdout: 'Handle 0x1100, DMI type 17, 40 bytes\nMemory Device\n\tSize: 2 GB\n\tType: RAM\n' },
    smartctl: { stdout: '{"smartctl":{"exit_status":2}}', code: 2 },
    ip: {
      stdout:
        '2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever\n',
    },
  };
}

describe('collectInventory', () => {
  it('reads a whole PC into a record the protocol accepts, with no warning when every source answers', async () => {
    const result = await collectInventory({
      run: fakeRunner(qemuPc()),
      sysRoot: tree.sys,
      procRoot: tree.proc,
      now: () => NOW,
    });
    expect(result.warnings).toEqual([]);
    expect(Inventory.parse(result.inventory)).toEqual(result.inventory);
    expect(result.inventory).toEqual({
      collectedAt: '2026-05-04T10:00:00.000Z',
      system: {
        vendor: 'QEMU',
        model: 'Standard PC (i440FX + PIIX, 1996)',
        serial: null,
        uuid: '5c4e8b1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b',
      },
      firmware: { mode: 'bios', secureBoot: null, vendor: 'SeaBIOS', version: '1.16.2-debian-1.16.2-1' },
      cpu: { model: 'QEMU Virtual CPU version 2.5+', cores: 2, threads: 2 },
      memoryBytes: 2 * 2 ** 30,
      disks: [
        {
          name: 'vda',
          model: null,
          serial: null,
          sizeBytes: 8 * 2 ** 30,
          bus: 'virtio',
          logicalSectorBytes: 512,
          physicalSectorBytes: 512,
          removable: false,
          rotational: true,
          smartHealth: null,
        },
      ],
      nics: [
        {
          name: 'eth0',
          mac: '52:54:00:12:34:56',
          driver: 'virtio_net',
          speedMbps: null,
          link: true,
          ipv4: ['10.0.2.15/24'],
        },
      ],
    });
  });

  it('a part that cannot be read at all leaves its field empty and a warning, never a failure', async () => {
    // No /sys/block, no /sys/class/net, no tools: a sysfs that is barely there.
    tree.file('proc/meminfo', 'MemTotal:        2014680 kB\n');
    const result = await collectInventory({
      run: fakeRunner({}),
      sysRoot: tree.sys,
      procRoot: tree.proc,
      now: () => NOW,
    });
    expect(result.inventory.disks).toEqual([]);
    expect(result.inventory.nics).toEqual([]);
    expect(result.inventory.memoryBytes).toBe(2014680 * 1024);
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^disks not read: .*ENOENT/),
        expect.stringMatching(/^network cards not read: .*ENOENT/),
        expect.stringMatching(/reporting MemTotal/),
      ]),
    );
    expect(Inventory.safeParse(result.inventory).success).toBe(true);
  });

  it('prints a summary a technician can read, warnings last', async () => {
    const answers = qemuPc();
    delete answers['smartctl'];
    const text = describeInventory(
      await collectInventory({ run: fakeRunner(answers), sysRoot: tree.sys, procRoot: tree.proc, now: () => NOW }),
    );
    expect(text).toMatch(/^System {4}QEMU Standard PC \(i440FX \+ PIIX, 1996\), serial \?, UUID 5c4e8b1a-/m);
    expect(text).toMatch(/^Firmware {2}BIOS, SeaBIOS 1\.16\.2/m);
    expect(text).toMatch(/^Memory {4}2\.0 GiB$/m);
    expect(text).toMatch(/^ {2}vda +8\.0 GiB {2}virtio .*SMART n\/a$/m);
    expect(text).toMatch(/^ {2}eth0 +52:54:00:12:34:56 {2}link up, driver virtio_net, 10\.0\.2\.15\/24$/m);
    expect(text).toMatch(/^Warnings\n {2}- SMART health unknown for vda: .*\n$/m);
  });
});
