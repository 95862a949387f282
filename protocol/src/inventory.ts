import { z } from 'zod';

/**
 * What a PC is made of, as the agent reads it in the ramdisk (quick registration, the inventory task) and the server
 * keeps it, with its history. Every value the hardware may not tell is nullable: an inventory says "unknown" rather
 * than guessing, and the agent never invents a value to fill a field.
 */

const text = z.string().max(256);
const count = z.number().int().nonnegative();

/** How a disk is attached: the target disk rule and the technician both care (USB is never a target). */
export const DiskBus = z.enum(['nvme', 'sata', 'scsi', 'virtio', 'usb', 'mmc', 'other']);
export type DiskBus = z.infer<typeof DiskBus>;

export const InventoryDisk = z.object({
  /** The kernel's name: sda, nvme0n1, vda. */
  name: z.string().regex(/^[a-z0-9!._-]{1,32}$/, 'a block device name such as sda or nvme0n1'),
  model: text.nullable(),
  serial: text.nullable(),
  sizeBytes: count,
  bus: DiskBus,
  logicalSectorBytes: z.number().int().positive(),
  physicalSectorBytes: z.number().int().positive(),
  removable: z.boolean(),
  /** A spinning disk (sysfs queue/rotational). */
  rotational: z.boolean(),
  /** smartctl's overall health self-assessment; null where SMART is not available (virtual disks, some USB bridges). */
  smartHealth: z.enum(['passed', 'failed']).nullable(),
});
export type InventoryDisk = z.infer<typeof InventoryDisk>;

export const InventoryNic = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.:@-]{1,15}$/),
  /** Lowercase, colon-separated: the form hosts are matched by. */
  mac: z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/),
  /** The kernel driver (e1000e, r8169, virtio_net); null when sysfs does not say. */
  driver: text.nullable(),
  /** Negotiated speed in Mb/s when the link is up and the driver reports it; else null. */
  speedMbps: count.nullable(),
  link: z.boolean(),
  ipv4: z.array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'an IPv4 address with its prefix length')),
});
export type InventoryNic = z.infer<typeof InventoryNic>;

export const Inventory = z.object({
  collectedAt: z.iso.datetime(),
  system: z.object({
    vendor: text.nullable(),
    model: text.nullable(),
    serial: text.nullable(),
    /** The SMBIOS UUID, lowercase; null when absent or a known placeholder (all zeros, all ones). */
    uuid: z
      .string()
      .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      .nullable(),
  }),
  firmware: z.object({
    mode: z.enum(['bios', 'uefi']),
    /** null when it cannot be read (BIOS has none; UEFI without efivarfs). */
    secureBoot: z.boolean().nullable(),
    vendor: text.nullable(),
    version: text.nullable(),
  }),
  cpu: z.object({ model: text.nullable(), cores: z.number().int().positive(), threads: z.number().int().positive() }),
  /**
   * Installed memory in bytes: the SMBIOS memory devices' sizes added up (what the PC's label says); where SMBIOS is
   * silent, the kernel's online memory blocks. Not MemTotal, which is short by what the kernel and firmware keep.
   */
  memoryBytes: count,
  disks: z.array(InventoryDisk).max(64),
  nics: z.array(InventoryNic).max(64),
});
export type Inventory = z.infer<typeof Inventory>;
