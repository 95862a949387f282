import { BrumeError } from '@brume/protocol';

/**
 * Which disk of this PC a task images, the same rule for every task so a PC with a USB stick in is never a guess. Pure:
 * sys/disks.ts reads /sys/block, this applies the written rule:
 * 1. the disk the task names (--disk, brume.disk= on the kernel command line, or the task's own disk from the server)
 *    when it exists; a removable or USB disk only when a person named it here (--disk or brume.disk=), since kernel names
 *    move when a stick is plugged in and the server's hint may then point at it;
 * 2. else the first non-removable NVMe disk, then SATA/SCSI, then virtio, by name order;
 * 3. never automatically: USB, removable media, loop, RAM, zram, optical, device-mapper, md, network block devices.
 */

/** How a disk hangs off the machine, read from its sysfs device path. */
export type DiskTransport = 'nvme' | 'sata' | 'scsi' | 'virtio' | 'usb' | 'mmc' | 'loop' | 'virtual' | 'unknown';

/** One whole disk the kernel lists in /sys/block. */
export interface DiskCandidate {
  name: string;
  path: string;
  sizeBytes: number;
  removable: boolean;
  transport: DiskTransport;
  model?: string | undefined;
}

/** Who named a disk: a flag or the kernel command line are a person at this PC; `task` is the server's hint. */
export type HintSource = 'flag' | 'cmdline' | 'task';

export interface DiskHint {
  path: string;
  from: HintSource;
  /** The kernel name the path leads to (sda for /dev/disk/by-id/…), undefined when the path does not exist. */
  name: string | undefined;
}

export interface Refusal {
  disk: string;
  reason: string;
}

export interface TargetChoice {
  path: string;
  reason: string;
  /** The disks passed over, and why: logged with the choice. */
  refused: Refusal[];
}

const HINT_WORDS: Record<HintSource, string> = {
  flag: 'the --disk flag',
  cmdline: 'brume.disk= on the kernel command line',
  task: "the task (the server's disk for this host)",
};

/** Kernel names that are never a PC's own disk. */
const NEVER_BY_NAME: readonly [RegExp, string][] = [
  [/^loop/, 'a loop device'],
  [/^(ram|zram)/, 'a RAM disk'],
  [/^sr/, 'an optical drive'],
  [/^dm-/, 'a device-mapper volume'],
  [/^md/, 'a software RAID array'],
  [/^(nbd|drbd|rbd)/, 'a network block device'],
  [/^fd/, 'a floppy drive'],
];

const TIERS: Partial<Record<DiskTransport, number>> = { nvme: 0, sata: 1, scsi: 1, virtio: 2 };
const TIER_WORDS = [
  'the first non-removable NVMe disk',
  'the first non-removable SATA/SCSI disk (no NVMe disk)',
  'the first virtio disk (no NVMe, SATA or SCSI disk)',
];

/** Name order as the kernel assigns names: sdb before sdaa, nvme2n1 before nvme10n1. */
export function compareDiskNames(a: string, b: string): number {
  const tokens = (name: string): string[] => name.match(/\d+|\D+/g) ?? [];
  const [left, right] = [tokens(a), tokens(b)];
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const [x, y] = [left[index] as string, right[index] as string];
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) return Number(x) - Number(y);
    // Within a family (sd…, vd…), fewer letters first: sdz, then sdaa.
    if (x.slice(0, 2) === y.slice(0, 2) && x.length !== y.length) return x.length - y.length;
    return x < y ? -1 : 1;
  }
  return left.length - right.length;
}

/** Why the automatic rule passes this disk over; undefined when it is a candidate. */
export function automaticRefusal(disk: DiskCandidate): string | undefined {
  const byName = NEVER_BY_NAME.find(([pattern]) => pattern.test(disk.name));
  if (byName !== undefined) return byName[1];
  if (disk.transport === 'usb') return 'a USB disk';
  if (disk.removable) return 'removable media';
  if (disk.sizeBytes === 0) return 'no medium (size 0)';
  if (TIERS[disk.transport] === undefined) return `a ${disk.transport} device, not NVMe, SATA, SCSI or virtio`;
  return undefined;
}

const describeDisk = (disk: DiskCandidate): string =>
  `${disk.path} (${disk.transport}, ${(disk.sizeBytes / 1e9).toFixed(1)} GB${disk.model === undefined ? '' : `, ${disk.model}`})`;

function fromHint(disks: readonly DiskCandidate[], hint: DiskHint, refused: Refusal[]): TargetChoice | undefined {
  const explicit = hint.from !== 'task';
  if (hint.name === undefined) {
    if (explicit)
      throw new BrumeError(
        'DEVICE_NOT_FOUND',
        `${hint.path}, named by ${HINT_WORDS[hint.from]}, does not exist; ${seenList(disks)}`,
        { detail: { disk: hint.path, seen: disks } },
      );
    refused.push({ disk: hint.path, reason: `named by ${HINT_WORDS.task} but absent from this PC` });
    return undefined;
  }
  const disk = disks.find((candidate) => candidate.name === hint.name);
  // Not a whole disk the kernel lists (a partition…): the engine refuses it with the precise reason.
  if (disk === undefined) return { path: hint.path, reason: `named by ${HINT_WORDS[hint.from]}`, refused };
  const risky = disk.transport === 'usb' ? 'a USB disk' : disk.removable ? 'removable media' : undefined;
  if (risky !== undefined && !explicit) {
    refused.push({
      disk: hint.path,
      reason: `named by ${HINT_WORDS.task}, but ${risky}: only --disk or brume.disk= may choose it`,
    });
    return undefined;
  }
  const note = risky === undefined ? '' : `, ${risky}, taken because a person named it`;
  return { path: hint.path, reason: `named by ${HINT_WORDS[hint.from]}: ${describeDisk(disk)}${note}`, refused };
}

function seenList(disks: readonly DiskCandidate[]): string {
  return disks.length === 0
    ? 'the kernel lists no disk at all'
    : `disks seen: ${disks.map((disk) => disk.path).join(', ')}`;
}

/** The disk to image, and why; DEVICE_NOT_FOUND listing every disk seen and why each was refused. */
export function chooseTargetDisk(disks: readonly DiskCandidate[], hint: DiskHint | undefined): TargetChoice {
  const refused: Refusal[] = [];
  if (hint !== undefined) {
    const chosen = fromHint(disks, hint, refused);
    if (chosen !== undefined) return chosen;
  }
  const eligible: DiskCandidate[] = [];
  for (const disk of [...disks].sort((a, b) => compareDiskNames(a.name, b.name))) {
    const reason = automaticRefusal(disk);
    if (reason === undefined) eligible.push(disk);
    else refused.push({ disk: disk.path, reason });
  }
  const tierOf = (disk: DiskCandidate): number => TIERS[disk.transport] ?? Number.POSITIVE_INFINITY;
  const best = eligible.reduce<DiskCandidate | undefined>(
    (found, disk) => (found === undefined || tierOf(disk) < tierOf(found) ? disk : found),
    undefined,
  );
  if (best === undefined) {
    const why = refused.map((entry) => `${entry.disk}: ${entry.reason}`).join('; ');
    throw new BrumeError(
      'DEVICE_NOT_FOUND',
      `no disk to image on this PC (${refused.length === 0 ? 'the kernel lists no disk at all' : why}); name one with --disk or brume.disk=`,
      {
        detail: { refused, seen: disks },
      },
    );
  }
  return { path: best.path, reason: `${TIER_WORDS[tierOf(best)] ?? 'the first disk'}: ${describeDisk(best)}`, refused };
}
