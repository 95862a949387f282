import { join } from 'node:path';
import type { Inventory } from '@brume/protocol';
import { reason, type InventorySources, type Warn } from './deps.ts';
import { parseDmidecode } from './dmidecode.ts';
import { cleanText, readText } from './sysfs.ts';

export interface SmbiosIdentity {
  system: Inventory['system'];
  biosVendor: string | null;
  biosVersion: string | null;
}

type Key = 'vendor' | 'model' | 'serial' | 'uuid' | 'biosVendor' | 'biosVersion';

/** Each value's file in /sys/class/dmi/id, and where dmidecode prints it (SMBIOS type 0 is the BIOS, 1 the system). */
const SOURCES: Record<Key, { file: string; type: number; field: string }> = {
  vendor: { file: 'sys_vendor', type: 1, field: 'Manufacturer' },
  model: { file: 'product_name', type: 1, field: 'Product Name' },
  serial: { file: 'product_serial', type: 1, field: 'Serial Number' },
  uuid: { file: 'product_uuid', type: 1, field: 'UUID' },
  biosVendor: { file: 'bios_vendor', type: 0, field: 'Vendor' },
  biosVersion: { file: 'bios_version', type: 0, field: 'Version' },
};

/**
 * What board makers leave in the fields they did not fill, and dmidecode's words for an absent string. Kept as null: a
 * serial of "To Be Filled By O.E.M." is shared by thousands of PCs and would make them look like one.
 */
const PLACEHOLDERS = new Set([
  'not specified',
  'not present',
  'not available',
  'not applicable',
  'not settable',
  'none',
  'n/a',
  'unknown',
  '<out of spec>',
  'default string',
  'to be filled by o.e.m.',
  'to be filled by oem',
  'o.e.m.',
  'oem',
  'system manufacturer',
  'system product name',
  'system serial number',
  'system version',
  'chassis serial number',
  '0123456789',
  '123456789',
  '0',
]);

/** UUIDs firmware ships unset: all zeros, all ones, and the AMI BIOS default found on many boards. */
const UUID_PLACEHOLDERS = new Set([
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '03000200-0400-0500-0006-000700080009',
]);

export function smbiosText(value: string | undefined): string | null {
  const text = cleanText(value);
  return text === null || PLACEHOLDERS.has(text.toLowerCase()) ? null : text;
}

export function smbiosUuid(value: string | undefined): string | null {
  const uuid = value?.trim().toLowerCase() ?? '';
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid)) return null;
  return UUID_PLACEHOLDERS.has(uuid) ? null : uuid;
}

/**
 * The PC's identity from SMBIOS. The kernel's /sys/class/dmi/id first: no tool, no parsing, the kernel decoded it at
 * boot. dmidecode only for what sysfs did not give (a kernel without DMI sysfs, or serial and UUID unreadable when not
 * root): it reads the same tables, so the two never disagree. Not systeminformation's system(): where SMBIOS is silent
 * it fills in "Computer", "-" or "Virtual machine", values the protocol forbids the agent to invent.
 */
export async function readSmbios(src: InventorySources, warn: Warn): Promise<SmbiosIdentity> {
  const dmiDir = join(src.sysRoot, 'class', 'dmi', 'id');
  const raw = new Map<Key, string | undefined>();
  for (const [key, source] of Object.entries(SOURCES) as [Key, (typeof SOURCES)[Key]][])
    raw.set(key, readText(join(dmiDir, source.file)));

  const missing = [...raw].filter(([, value]) => value === undefined).map(([key]) => key);
  if (missing.length > 0) {
    try {
      const records = parseDmidecode((await src.run('dmidecode', ['-t', '0', '-t', '1'])).stdout);
      for (const key of missing) {
        const { type, field } = SOURCES[key];
        raw.set(key, records.find((record) => record.type === type)?.fields.get(field));
      }
    } catch (error) {
      const lacking =
        missing.length === raw.size
          ? `no ${dmiDir}`
          : `${dmiDir} lacks ${missing.map((key) => SOURCES[key].file).join(', ')}`;
      warn(`system and BIOS identity (SMBIOS): ${lacking}, and ${reason(error)}`);
    }
  }
  return {
    system: {
      vendor: smbiosText(raw.get('vendor')),
      model: smbiosText(raw.get('model')),
      serial: smbiosText(raw.get('serial')),
      uuid: smbiosUuid(raw.get('uuid')),
    },
    biosVendor: smbiosText(raw.get('biosVendor')),
    biosVersion: smbiosText(raw.get('biosVersion')),
  };
}
