import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { InventoryDisk, type DiskBus } from '@brume/protocol';
import { compareDiskNames, type DiskTransport } from '../disk/target-choice.ts';
import { transportOf } from '../sys/disks.ts';
import { reason, type InventorySources, type Warn } from './deps.ts';
import { readSmart, type SmartReport } from './smart.ts';
import { cleanText, readBytes, readInteger, readText } from './sysfs.ts';

export const MAX_DISKS = 64;

const BUS: Partial<Record<DiskTransport, DiskBus>> = {
  nvme: 'nvme',
  sata: 'sata',
  scsi: 'scsi',
  virtio: 'virtio',
  usb: 'usb',
  mmc: 'mmc',
};

/**
 * Why a /sys/block entry is not one of the PC's disks, or undefined when it is. The inventory lists hardware: what the
 * kernel makes up (loop, ram, zram, dm-, md, nbd: all in /sys/devices/virtual/block) is not; nor optical and floppy
 * drives (not disks Brume images), eMMC boot and RPMB areas (parts of mmcblkN, listed beside it), and a removable drive
 * with no medium (an empty card-reader slot: one per slot, 0 bytes). A fixed disk of 0 bytes stays: a dying drive that
 * lost its capacity is worth seeing. Not all of /sys/devices/virtual: with native NVMe multipath (Debian's kernel) a
 * real NVMe namespace lives under /sys/devices/virtual/nvme-subsystem/.
 */
export function notADisk(name: string, devicePath: string, removable: boolean, sizeBytes: number): string | undefined {
  if (devicePath.includes('/devices/virtual/block/') || /^(loop|ram|zram|dm-|md|nbd)\d/.test(name))
    return 'made up by the kernel (loop, RAM disk, zram, device-mapper, md, nbd)';
  if (/^sr\d/.test(name)) return 'an optical drive';
  if (/^fd\d/.test(name)) return 'a floppy drive';
  if (/^mmcblk\d+(boot\d+|rpmb)$/.test(name)) return 'an eMMC boot or RPMB area';
  if (removable && sizeBytes === 0) return 'a removable drive with no medium';
  return undefined;
}

/** SCSI VPD page 0x80, the unit serial number: how SATA (through libata), SAS and many USB disks give theirs in sysfs. */
export function vpdSerial(page: Buffer | undefined): string | null {
  if (page === undefined || page.length < 4 || page[1] !== 0x80) return null;
  return cleanText(page.subarray(4, 4 + page.readUInt16BE(2)).toString('latin1'));
}

/** The serial where each bus's driver puts it: NVMe and MMC on the controller/card, virtio-blk on the disk, SCSI in VPD. */
function sysfsSerial(dir: string, bus: DiskBus): string | null {
  if (bus === 'nvme' || bus === 'mmc') return cleanText(readText(join(dir, 'device', 'serial')));
  if (bus === 'virtio') return cleanText(readText(join(dir, 'serial')));
  return vpdSerial(readBytes(join(dir, 'device', 'vpd_pg80')));
}

interface SysfsDisk extends Omit<InventoryDisk, 'smartHealth'> {
  sysfsWarnings: string[];
}

/**
 * One disk from sysfs: the kernel's view, no tool needed. `size` counts 512-byte units whatever the sector size; the
 * bus comes from the device path (a USB bridge anywhere above makes it USB, as the target rule reads it).
 */
function readSysfsDisk(
  dir: string,
  name: string,
  devicePath: string,
  sizeBytes: number,
  removable: boolean,
): SysfsDisk {
  const sysfsWarnings: string[] = [];
  const sector = (file: string): number => {
    const value = readInteger(join(dir, 'queue', file));
    if (value !== undefined && value > 0) return value;
    sysfsWarnings.push(`${name}: queue/${file} unreadable, 512 assumed`);
    return 512;
  };
  const logicalSectorBytes = sector('logical_block_size');
  const bus = BUS[transportOf(name, devicePath)] ?? 'other';
  return {
    name,
    // SCSI/ATA/USB/NVMe put the model in device/model; an MMC card in device/name. virtio-blk has none.
    model: cleanText(readText(join(dir, 'device', 'model')) ?? readText(join(dir, 'device', 'name'))),
    serial: sysfsSerial(dir, bus),
    sizeBytes,
    bus,
    logicalSectorBytes,
    physicalSectorBytes: readInteger(join(dir, 'queue', 'physical_block_size')) ?? logicalSectorBytes,
    removable,
    rotational: readText(join(dir, 'queue', 'rotational')) === '1',
    sysfsWarnings,
  };
}

/**
 * The PC's disks: sysfs for what the kernel knows, smartctl for health and the drive's full model and serial (sysfs cuts
 * an ATA model to 16 characters and has no ATA serial outside VPD). Not systeminformation's diskLayout(): it keeps
 * only disks that have a model or hold no filesystem, so a virtio disk in use vanishes (it returned [] on the dev VM).
 */
export async function readDisks(src: InventorySources, warn: Warn): Promise<InventoryDisk[]> {
  const blockDir = join(src.sysRoot, 'block');
  const found: SysfsDisk[] = [];
  for (const name of readdirSync(blockDir).sort(compareDiskNames)) {
    const dir = join(blockDir, name);
    let devicePath: string;
    try {
      devicePath = realpathSync(dir);
    } catch (error) {
      warn(`disk ${name}: ${reason(error)}`);
      continue;
    }
    const sizeBytes = (readInteger(join(dir, 'size')) ?? 0) * 512;
    const removable = readText(join(dir, 'removable')) === '1';
    if (notADisk(name, devicePath, removable, sizeBytes) !== undefined) continue;
    if (!InventoryDisk.shape.name.safeParse(name).success) {
      warn(`disk ${name}: a kernel name the protocol does not accept; left out`);
      continue;
    }
    found.push(readSysfsDisk(dir, name, devicePath, sizeBytes, removable));
  }
  if (found.length > MAX_DISKS) warn(`${found.length} disks: only the first ${MAX_DISKS} are listed`);
  const disks = found.slice(0, MAX_DISKS);

  const unreadable: string[] = [];
  let unreadableWhy = '';
  const reports = await Promise.all(
    disks.map(async (disk): Promise<SmartReport | undefined> => {
      try {
        return await readSmart(src.run, join(src.devRoot, disk.name), src.smartTimeoutMs);
      } catch (error) {
        unreadable.push(disk.name);
        unreadableWhy ||= reason(error);
        return undefined;
      }
    }),
  );
  // One line for all disks: a missing smartctl is one fact, not one per disk.
  if (unreadable.length > 0) warn(`SMART health unknown for ${unreadable.join(', ')}: ${unreadableWhy}`);

  return disks.map(({ sysfsWarnings, ...disk }, index) => {
    for (const message of sysfsWarnings) warn(message);
    const smart = reports[index];
    return {
      ...disk,
      model: smart?.model ?? disk.model,
      serial: smart?.serial ?? disk.serial,
      smartHealth: smart?.health ?? null,
    };
  });
}
