import { describe, expect, it } from 'vitest';
import { BrumeError } from '@brume/protocol';
import {
  chooseTargetDisk,
  compareDiskNames,
  type DiskCandidate,
  type DiskHint,
  type DiskTransport,
} from './target-choice.ts';

const GB = 1e9;
const disk = (
  name: string,
  transport: DiskTransport,
  options: { removable?: boolean; size?: number } = {},
): DiskCandidate => ({
  name,
  path: `/dev/${name}`,
  transport,
  removable: options.removable ?? false,
  sizeBytes: options.size ?? 256 * GB,
});
const nvme0 = disk('nvme0n1', 'nvme');
const nvme1 = disk('nvme1n1', 'nvme');
const sda = disk('sda', 'sata');
const sdb = disk('sdb', 'scsi');
const usbStick = disk('sdc', 'usb', { removable: true, size: 16 * GB });
const usbHdd = disk('sdd', 'usb', { size: 1000 * GB });
const cardReader = disk('sde', 'scsi', { removable: true, size: 0 });
const vda = disk('vda', 'virtio');
const vdb = disk('vdb', 'virtio');
const loops = [disk('loop0', 'loop', { size: 0 }), disk('loop1', 'loop', { size: 2 * GB })];
const noise = [
  disk('zram0', 'virtual', { size: 4 * GB }),
  disk('ram0', 'virtual'),
  disk('sr0', 'sata', { removable: true }),
  disk('dm-0', 'virtual'),
  disk('md0', 'virtual'),
];
const mmc = disk('mmcblk0', 'mmc', { size: 32 * GB });

/** A hint; `absent` when its path does not exist on this PC. */
const hint = (path: string, from: DiskHint['from'], name: string | 'absent' = path.replace('/dev/', '')): DiskHint => ({
  path,
  from,
  name: name === 'absent' ? undefined : name,
});

describe('the target disk rule', () => {
  it.each<[string, DiskCandidate[], DiskHint | undefined, string, RegExp]>([
    ['nvme + usb → the NVMe disk', [usbStick, nvme0], undefined, '/dev/nvme0n1', /first non-removable NVMe/],
    ['two NVMe disks → the first by name', [nvme1, nvme0, sda], undefined, '/dev/nvme0n1', /NVMe/],
    ['SATA and virtio, no NVMe → SATA', [vda, sda], undefined, '/dev/sda', /SATA\/SCSI disk \(no NVMe/],
    ['SCSI only → SCSI', [sdb, usbHdd], undefined, '/dev/sdb', /SATA\/SCSI/],
    ['virtio only → vda', [vdb, vda], undefined, '/dev/vda', /first virtio disk/],
    ['loop devices, zram, optical, dm, md are ignored', [...loops, ...noise, vda], undefined, '/dev/vda', /virtio/],
    ['a USB hard disk that is not removable is still USB', [usbHdd, vda], undefined, '/dev/vda', /virtio/],
    ['an empty card reader is passed over', [cardReader, sdb], undefined, '/dev/sdb', /SATA\/SCSI/],
    [
      "the task's disk, when it exists and is fixed",
      [nvme0, sda],
      hint('/dev/sda', 'task'),
      '/dev/sda',
      /named by the task/,
    ],
    [
      "the task's disk, a loop device (tests, labs)",
      [nvme0, ...loops],
      hint('/dev/loop1', 'task'),
      '/dev/loop1',
      /named by the task/,
    ],
    [
      "the task's disk is USB → refused, the rule decides",
      [usbStick, nvme0],
      hint('/dev/sdc', 'task'),
      '/dev/nvme0n1',
      /NVMe/,
    ],
    [
      "the task's disk is removable → refused, the rule decides",
      [cardReader, sda],
      hint('/dev/sde', 'task'),
      '/dev/sda',
      /SATA/,
    ],
    ["the task's disk is absent → the rule decides", [vda], hint('/dev/sdq', 'task', 'absent'), '/dev/vda', /virtio/],
    [
      '--disk names a USB stick → taken, a person said so',
      [usbStick, nvme0],
      hint('/dev/sdc', 'flag'),
      '/dev/sdc',
      /--disk flag.*USB disk, taken because a person named it/,
    ],
    [
      'brume.disk= names removable media → taken',
      [cardReader, sda],
      hint('/dev/sde', 'cmdline'),
      '/dev/sde',
      /brume\.disk=.*removable media, taken/,
    ],
    ['--disk wins over the rule', [nvme0, sda], hint('/dev/sda', 'flag'), '/dev/sda', /--disk/],
    [
      'a by-id path is matched by the kernel name it leads to',
      [nvme0, sda],
      hint('/dev/disk/by-id/ata-X', 'flag', 'sda'),
      '/dev/disk/by-id/ata-X',
      /ata-X|sda/,
    ],
    [
      'a path that is no whole disk is left to the engine to judge',
      [nvme0],
      hint('/dev/nvme0n1p2', 'flag', 'nvme0n1p2'),
      '/dev/nvme0n1p2',
      /--disk/,
    ],
  ])('%s', (_name, disks, given, path, reason) => {
    const choice = chooseTargetDisk(disks, given);
    expect(choice.path).toBe(path);
    expect(choice.reason).toMatch(reason);
  });

  it('logs what it passed over with the reason', () => {
    const choice = chooseTargetDisk([usbStick, ...loops, vda], hint('/dev/sdc', 'task'));
    expect(choice.refused).toEqual([
      {
        disk: '/dev/sdc',
        reason: expect.stringMatching(/named by the task.*a USB disk: only --disk or brume\.disk= may choose it/),
      },
      { disk: '/dev/loop0', reason: 'a loop device' },
      { disk: '/dev/loop1', reason: 'a loop device' },
      { disk: '/dev/sdc', reason: 'a USB disk' },
    ]);
  });

  it.each<[string, DiskCandidate[], DiskHint | undefined, RegExp[]]>([
    ['only USB', [usbStick, usbHdd], undefined, [/\/dev\/sdc: a USB disk/, /\/dev\/sdd: a USB disk/]],
    [
      'only loop devices and RAM disks',
      [...loops, ...noise],
      undefined,
      [/loop0: a loop device/, /zram0: a RAM disk/, /sr0: an optical drive/, /dm-0: a device-mapper volume/],
    ],
    ['an eMMC card only', [mmc], undefined, [/mmcblk0: a mmc device, not NVMe, SATA, SCSI or virtio/]],
    ['nothing at all', [], undefined, [/the kernel lists no disk at all/]],
    [
      "the task's USB disk and nothing else",
      [usbStick],
      hint('/dev/sdc', 'task'),
      [/only --disk or brume\.disk= may choose it/],
    ],
  ])('refuses when there is %s, saying why for each disk', (_name, disks, given, messages) => {
    let error: unknown;
    try {
      chooseTargetDisk(disks, given);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BrumeError);
    const brume = error as BrumeError;
    expect(brume.code).toBe('DEVICE_NOT_FOUND');
    expect(brume.exitCode).toBe(2);
    expect(brume.message).toMatch(/name one with --disk or brume\.disk=/);
    for (const message of messages) expect(brume.message).toMatch(message);
  });

  it('refuses a disk a person named that does not exist, instead of choosing another', () => {
    expect(() => chooseTargetDisk([nvme0, sda], hint('/dev/sdz', 'flag', 'absent'))).toThrow(
      /\/dev\/sdz, named by the --disk flag, does not exist; disks seen: \/dev\/nvme0n1, \/dev\/sda/,
    );
    expect(() => chooseTargetDisk([nvme0], hint('/dev/sdz', 'cmdline', 'absent'))).toThrow(/brume\.disk=/);
  });

  it('orders names as the kernel assigns them', () => {
    const names = ['sdaa', 'sdb', 'nvme10n1', 'sda', 'nvme2n1', 'nvme0n2', 'nvme0n1', 'vdb', 'vda'];
    expect([...names].sort(compareDiskNames)).toEqual([
      'nvme0n1',
      'nvme0n2',
      'nvme2n1',
      'nvme10n1',
      'sda',
      'sdb',
      'sdaa',
      'vda',
      'vdb',
    ]);
  });
});
