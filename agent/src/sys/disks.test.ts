import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseTargetDisk } from '../disk/target-choice.ts';
import { sysDisks, transportOf } from './disks.ts';

const root = mkdtempSync(join(tmpdir(), 'brume-sysfs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A /sys/block entry as the kernel lays it out: a symlink into /sys/devices, with size, removable and a model. */
function fakeDisk(devicePath: string, sectors: number, removable: boolean, model?: string): void {
  const dir = join(root, devicePath);
  mkdirSync(join(dir, 'device'), { recursive: true });
  writeFileSync(join(dir, 'size'), `${sectors}\n`);
  writeFileSync(join(dir, 'removable'), removable ? '1\n' : '0\n');
  if (model !== undefined) writeFileSync(join(dir, 'device', 'model'), `${model}    \n`);
  mkdirSync(join(root, 'block'), { recursive: true });
  symlinkSync(dir, join(root, 'block', devicePath.split('/').at(-1) as string));
}

fakeDisk(
  'devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sda',
  30_000_000,
  true,
  'Cruzer Blade',
);
fakeDisk(
  'devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sdb',
  1_000_000_000,
  false,
  'ST500DM002',
);
fakeDisk('devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1', 2_000_000_000, false, 'Samsung SSD 980');
fakeDisk('devices/pci0000:00/0000:00:05.0/virtio2/block/vda', 40_000_000, false);
fakeDisk('devices/virtual/block/loop0', 0, false);
fakeDisk('devices/virtual/block/zram0', 8_000_000, false);

describe('the disks of /sys/block', () => {
  it('reads each disk: size in bytes, removable, transport from its device path, model', () => {
    const disks = sysDisks(join(root, 'block'))
      .list()
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(disks).toEqual([
      { name: 'loop0', path: '/dev/loop0', sizeBytes: 0, removable: false, transport: 'loop', model: undefined },
      {
        name: 'nvme0n1',
        path: '/dev/nvme0n1',
        sizeBytes: 1_024_000_000_000,
        removable: false,
        transport: 'nvme',
        model: 'Samsung SSD 980',
      },
      {
        name: 'sda',
        path: '/dev/sda',
        sizeBytes: 15_360_000_000,
        removable: true,
        transport: 'usb',
        model: 'Cruzer Blade',
      },
      {
        name: 'sdb',
        path: '/dev/sdb',
        sizeBytes: 512_000_000_000,
        removable: false,
        transport: 'sata',
        model: 'ST500DM002',
      },
      {
        name: 'vda',
        path: '/dev/vda',
        sizeBytes: 20_480_000_000,
        removable: false,
        transport: 'virtio',
        model: undefined,
      },
      {
        name: 'zram0',
        path: '/dev/zram0',
        sizeBytes: 4_096_000_000,
        removable: false,
        transport: 'virtual',
        model: undefined,
      },
    ]);
    expect(chooseTargetDisk(disks, undefined).path).toBe('/dev/nvme0n1');
  });

  it.each([
    ['sdc', '/sys/devices/pci0000:00/0000:00:04.0/virtio1/host2/target2:0:0/2:0:0:0/block/sdc', 'scsi'],
    ['sdd', '/sys/devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0/block/sdd', 'sata'],
    ['sde', '/sys/devices/pci0000:00/0000:00:14.0/usb4/4-2/4-2:1.0/host7/target7:0:0/7:0:0:0/block/sde', 'usb'],
    ['nvme1n1', '/sys/devices/pci0000:00/0000:00:14.0/usb4/4-1/4-1:1.0/host8/target8:0:0/8:0:0:0/block/nvme1n1', 'usb'],
    ['sdf', '/sys/devices/pci0000:00/0000:00:10.0/host0/target0:0:0/0:0:0:0/block/sdf', 'scsi'],
    ['mmcblk0', '/sys/devices/platform/soc/fe340000.mmc/mmc_host/mmc0/mmc0:0001/block/mmcblk0', 'mmc'],
    ['md0', '/sys/devices/virtual/block/md0', 'virtual'],
    ['loop7', '/sys/devices/virtual/block/loop7', 'loop'],
  ])('%s at %s is %s', (name, path, transport) => {
    expect(transportOf(name, path)).toBe(transport);
  });

  it('resolves a path to the kernel name it leads to, or undefined when it does not exist', () => {
    const source = sysDisks(join(root, 'block'));
    symlinkSync(join(root, 'block', 'sdb'), join(root, 'ata-ST500DM002'));
    expect(source.resolve(join(root, 'ata-ST500DM002'))).toBe('sdb');
    expect(source.resolve(join(root, 'nothing-here'))).toBeUndefined();
    expect(sysDisks(join(root, 'no-sys')).list()).toEqual([]);
  });
});
