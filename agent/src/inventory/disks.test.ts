import { afterAll, describe, expect, it } from 'vitest';
import { inventorySources } from './deps.ts';
import { notADisk, readDisks, vpdSerial } from './disks.ts';
import { addDisk, fakeRunner, fixtureTree, type FakeAnswer } from '../../../test/fixtures/inventory-tree.ts';
import { parseSmartctl } from './smart.ts';

const tree = fixtureTree();
afterAll(() => tree.remove());

/** VPD page 0x80 as the kernel exposes it: header, then the serial, space-padded. */
const vpd80 = (serial: string): Buffer =>
  Buffer.concat([Buffer.from([0x00, 0x80, 0x00, serial.length]), Buffer.from(serial, 'latin1')]);

// 4Kn NVMe, 512e SATA (model cut to 16 characters by the SCSI layer), a removable USB stick, virtio-blk, virtio-scsi,
// an eMMC with its boot areas, and everything that is not a disk.
addDisk(tree, {
  devicePath: 'pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1',
  sectors: 2_000_409_264,
  logical: 4096,
  physical: 4096,
  device: { model: 'Samsung SSD 980 PRO 1TB                 \n', serial: 'S5GXNF0R123456A     \n' },
});
addDisk(tree, {
  devicePath: 'pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda',
  sectors: 976_773_168,
  logical: 512,
  physical: 4096,
  rotational: true,
  device: { model: 'WDC WD5000AAKX-0\n', vpd_pg80: vpd80('     WD-WCAYUJ123456') },
});
addDisk(tree, {
  devicePath: 'pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb',
  sectors: 30_031_872,
  removable: true,
  device: { model: 'Cruzer Blade    \n', vpd_pg80: vpd80('4C530001231120115142') },
});
// Native NVMe multipath (Debian's kernel): the namespace hangs off the subsystem, under /sys/devices/virtual.
addDisk(tree, {
  devicePath: 'virtual/nvme-subsystem/nvme-subsys1/nvme1n1',
  sectors: 1_000_215_216,
  device: { model: 'WD Blue SN570 500GB\n', serial: '22123A801234\n' },
});
addDisk(tree, {
  devicePath: 'pci0000:00/0000:00:05.0/virtio2/block/vda',
  sectors: 41_943_040,
  rotational: true,
  own: { serial: 'QM00001\n' },
});
addDisk(tree, {
  devicePath: 'pci0000:00/0000:00:04.0/virtio1/host2/target2:0:0/2:0:0:0/block/sdc',
  sectors: 2_097_152,
  device: { model: 'QEMU HARDDISK   \n' },
});
addDisk(tree, {
  devicePath: 'pci0000:00/0000:00:1a.0/mmc_host/mmc0/mmc0:0001/block/mmcblk0',
  sectors: 61_071_360,
  device: { name: 'DA4064\n', serial: '0x1234abcd\n' },
});
addDisk(tree, { devicePath: 'pci0000:00/0000:00:1a.0/mmc_host/mmc0/mmc0:0001/block/mmcblk0boot0', sectors: 8192 });
addDisk(tree, {
  devicePath: 'pci0000:00/0000:00:14.0/usb2/2-3/2-3:1.0/host7/target7:0:0/7:0:0:2/block/sdd',
  sectors: 0,
  removable: true,
  device: { model: 'SD/MMC Reader\n' },
});
addDisk(tree, {
  devicePath: 'pci0000:00/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0/block/sr0',
  sectors: 2_097_151,
  removable: true,
});
for (const name of ['loop0', 'zram0', 'dm-0', 'md127', 'ram0', 'nbd0'])
  addDisk(tree, { devicePath: `virtual/block/${name}`, sectors: 1_048_576 });

const smartJson = (fields: Record<string, unknown>): string =>
  JSON.stringify({ json_format_version: [1, 0], ...fields });

/** smartctl as it answers for each kind of disk: health passed, failing (exit bit 3), or no SMART at all (exit bit 1). */
const smartctl: FakeAnswer = (args) => {
  const device = args.at(-1) ?? '';
  if (device.endsWith('/nvme0n1'))
    return {
      stdout: smartJson({
        model_name: 'Samsung SSD 980 PRO 1TB',
        serial_number: 'S5GXNF0R123456A',
        smart_status: { passed: true },
      }),
    };
  if (device.endsWith('/sda'))
    return {
      stdout: smartJson({
        model_name: 'WDC WD5000AAKX-083CA1',
        serial_number: 'WD-WCAYUJ123456',
        smart_status: { passed: false },
      }),
      code: 8,
    };
  if (device.endsWith('/sdb')) return { stdout: smartJson({ smart_support: { available: false } }), code: 4 };
  return {
    stdout: smartJson({ smartctl: { messages: [{ string: 'Unable to detect device type', severity: 'error' }] } }),
    code: 2,
  };
};

async function read(
  answers: Record<string, FakeAnswer>,
): Promise<{ disks: Awaited<ReturnType<typeof readDisks>>; warnings: string[]; calls: string[] }> {
  const warnings: string[] = [];
  const run = fakeRunner(answers);
  const disks = await readDisks(
    inventorySources({ run, sysRoot: tree.sys, procRoot: tree.proc, devRoot: '/dev' }),
    (message) => warnings.push(message),
  );
  return { disks, warnings, calls: run.calls };
}

describe('disks from /sys/block', () => {
  it('lists only physical disks, in kernel name order, with bus, sector sizes, removable and rotational from sysfs', async () => {
    const { disks, warnings } = await read({ smartctl });
    expect(warnings).toEqual([]);
    expect(
      disks.map((disk) => [
        disk.name,
        disk.bus,
        disk.sizeBytes,
        disk.logicalSectorBytes,
        disk.physicalSectorBytes,
        disk.removable,
        disk.rotational,
      ]),
    ).toEqual([
      ['mmcblk0', 'mmc', 61_071_360 * 512, 512, 512, false, false],
      ['nvme0n1', 'nvme', 2_000_409_264 * 512, 4096, 4096, false, false],
      ['nvme1n1', 'nvme', 1_000_215_216 * 512, 512, 512, false, false],
      ['sda', 'sata', 976_773_168 * 512, 512, 4096, false, true],
      ['sdb', 'usb', 30_031_872 * 512, 512, 512, true, false],
      ['sdc', 'scsi', 2_097_152 * 512, 512, 512, false, false],
      ['vda', 'virtio', 41_943_040 * 512, 512, 512, false, true],
    ]);
  });

  it('takes model and serial from smartctl where it answers (whole ATA strings), else from sysfs per bus', async () => {
    const { disks } = await read({ smartctl });
    const byName = new Map(disks.map((disk) => [disk.name, disk]));
    expect(byName.get('sda')).toMatchObject({ model: 'WDC WD5000AAKX-083CA1', serial: 'WD-WCAYUJ123456' });
    expect(byName.get('nvme0n1')).toMatchObject({ model: 'Samsung SSD 980 PRO 1TB', serial: 'S5GXNF0R123456A' });
    expect(byName.get('sdb')).toMatchObject({ model: 'Cruzer Blade', serial: '4C530001231120115142' });
    expect(byName.get('vda')).toMatchObject({ model: null, serial: 'QM00001' });
    expect(byName.get('nvme1n1')).toMatchObject({ model: 'WD Blue SN570 500GB', serial: '22123A801234' });
    expect(byName.get('mmcblk0')).toMatchObject({ model: 'DA4064', serial: '0x1234abcd' });
    expect(byName.get('sdc')).toMatchObject({ model: 'QEMU HARDDISK', serial: null });
  });

  it('reads SMART health: passed, failed, and null where the disk has no SMART', async () => {
    const { disks, calls } = await read({ smartctl });
    expect(Object.fromEntries(disks.map((disk) => [disk.name, disk.smartHealth]))).toEqual({
      mmcblk0: null,
      nvme0n1: 'passed',
      nvme1n1: null,
      sda: 'failed',
      sdb: null,
      sdc: null,
      vda: null,
    });
    expect(calls).toContain('smartctl -i -H -j /dev/nvme0n1');
  });

  it('without smartctl: the disks from sysfs, health null, and one warning naming them', async () => {
    const { disks, warnings } = await read({});
    expect(disks).toHaveLength(7);
    expect(disks.every((disk) => disk.smartHealth === null)).toBe(true);
    expect(disks.find((disk) => disk.name === 'sda')?.model).toBe('WDC WD5000AAKX-0');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^SMART health unknown for mmcblk0, nvme0n1, nvme1n1, sda, sdb, sdc, vda: .*ENOENT/);
  });

  it('gives up on a smartctl that hangs, and says so', async () => {
    const warnings: string[] = [];
    const hanging = Object.assign(() => new Promise<never>(() => undefined), { calls: [] });
    const disks = await readDisks(
      inventorySources({ run: hanging, sysRoot: tree.sys, smartTimeoutMs: 20 }),
      (message) => warnings.push(message),
    );
    expect(disks.every((disk) => disk.smartHealth === null)).toBe(true);
    expect(warnings[0]).toMatch(/gave no answer/);
  });
});

describe('what is not a disk', () => {
  it.each([
    ['loop0', '/sys/devices/virtual/block/loop0', false, 1, /made up by the kernel/],
    ['zram0', '/sys/devices/virtual/block/zram0', false, 1, /made up by the kernel/],
    ['dm-0', '/sys/devices/virtual/block/dm-0', false, 1, /made up by the kernel/],
    ['sr0', '/sys/devices/pci0000:00/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0/block/sr0', true, 1, /optical/],
    [
      'mmcblk0boot1',
      '/sys/devices/pci0000:00/0000:00:1a.0/mmc_host/mmc0/mmc0:0001/block/mmcblk0boot1',
      false,
      1,
      /eMMC/,
    ],
    [
      'sdd',
      '/sys/devices/pci0000:00/0000:00:14.0/usb2/2-3/2-3:1.0/host7/target7:0:0/7:0:0:2/block/sdd',
      true,
      0,
      /no medium/,
    ],
  ])('%s is left out', (name, path, removable, size, why) => {
    expect(notADisk(name, path, removable, size)).toMatch(why);
  });

  it('keeps a fixed disk that reports 0 bytes (a dying drive is worth seeing)', () => {
    expect(
      notADisk('sda', '/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda', false, 0),
    ).toBeUndefined();
  });
});

describe('parsers', () => {
  it('reads the VPD unit serial page, and nothing from another page or a short one', () => {
    expect(vpdSerial(vpd80('  ABC123  '))).toBe('ABC123');
    expect(vpdSerial(Buffer.from([0, 0x83, 0, 2, 65, 66]))).toBeNull();
    expect(vpdSerial(Buffer.from([0, 0x80]))).toBeNull();
    expect(vpdSerial(undefined)).toBeNull();
  });

  it('reads smartctl: its status wins, the failing bit without one, nothing when the device could not be opened', () => {
    expect(parseSmartctl(smartJson({ smart_status: { passed: true } }), 0).health).toBe('passed');
    // Bit 5 (attributes past threshold in the past) does not make a disk failed when it says it passes now.
    expect(parseSmartctl(smartJson({ smart_status: { passed: true } }), 32).health).toBe('passed');
    expect(parseSmartctl(smartJson({}), 8).health).toBe('failed');
    expect(parseSmartctl('not json', 8).health).toBe('failed');
    expect(parseSmartctl(smartJson({ smart_status: { passed: true } }), 2).health).toBeNull();
    expect(parseSmartctl('', 1).health).toBeNull();
    expect(parseSmartctl(smartJson({ model_name: '  X  ', serial_number: 7 }), 0)).toEqual({
      health: null,
      model: 'X',
      serial: null,
    });
  });
});
