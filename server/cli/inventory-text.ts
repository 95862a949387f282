import { formatBytes, type Inventory, type InventoryRecord } from '@brume/protocol';
import { formatDate, keyValues, table } from './output.ts';

const orUnknown = (value: string | null): string => value ?? '?';

/** The newest inventory, as a technician reads it: what the PC is, its disks and its network cards. */
export function inventoryBlock(record: InventoryRecord): string {
  const { inventory } = record;
  const { system, firmware, cpu } = inventory;
  const secureBoot = firmware.secureBoot === null ? '' : firmware.secureBoot ? ', Secure Boot on' : ', Secure Boot off';
  const head = keyValues([
    [
      'inventory',
      `${formatDate(record.receivedAt)} (${record.source === 'register' ? 'registration' : 're-inventory'})`,
    ],
    ['system', `${orUnknown(system.vendor)} ${orUnknown(system.model)}, serial ${orUnknown(system.serial)}`],
    ['uuid', orUnknown(system.uuid)],
    [
      'firmware',
      `${firmware.mode.toUpperCase()}${secureBoot}, ${orUnknown(firmware.vendor)} ${orUnknown(firmware.version)}`,
    ],
    ['cpu', `${orUnknown(cpu.model)}, ${cpu.cores} cores, ${cpu.threads} threads`],
    ['memory', formatBytes(inventory.memoryBytes)],
  ]);
  const disks = table(inventory.disks, [
    { header: 'DISK', value: (disk) => disk.name },
    { header: 'SIZE', value: (disk) => formatBytes(disk.sizeBytes) },
    { header: 'BUS', value: (disk) => `${disk.bus}${disk.removable ? ' (removable)' : ''}` },
    { header: 'MODEL', value: (disk) => orUnknown(disk.model) },
    { header: 'SERIAL', value: (disk) => orUnknown(disk.serial) },
    { header: 'SECTORS', value: (disk) => `${disk.logicalSectorBytes}/${disk.physicalSectorBytes}` },
    { header: 'SMART', value: (disk) => disk.smartHealth ?? '-' },
  ]);
  const nics = table(inventory.nics, [
    { header: 'NIC', value: (nic) => nic.name },
    { header: 'MAC', value: (nic) => nic.mac },
    { header: 'LINK', value: (nic) => (nic.link ? (nic.speedMbps === null ? 'up' : `${nic.speedMbps} Mb/s`) : 'down') },
    { header: 'DRIVER', value: (nic) => orUnknown(nic.driver) },
    { header: 'IPV4', value: (nic) => nic.ipv4.join(' ') || '-' },
  ]);
  return `${head}\n${inventory.disks.length === 0 ? 'no disks\n' : disks}\n${inventory.nics.length === 0 ? 'no network cards\n' : nics}`;
}

/**
 * What changed from one inventory to the next: what a technician looks for in a PC's history (a disk swapped, memory
 * added or gone missing, a new network card). Compared by what identifies the part: disks by serial (else name and
 * size), NICs by MAC.
 */
export function inventoryChanges(older: Inventory, newer: Inventory): string[] {
  const changes: string[] = [];
  if (older.memoryBytes !== newer.memoryBytes)
    changes.push(`memory ${formatBytes(older.memoryBytes)} → ${formatBytes(newer.memoryBytes)}`);
  if (older.cpu.model !== newer.cpu.model)
    changes.push(`cpu ${orUnknown(older.cpu.model)} → ${orUnknown(newer.cpu.model)}`);
  if (older.firmware.version !== newer.firmware.version)
    changes.push(`firmware ${orUnknown(older.firmware.version)} → ${orUnknown(newer.firmware.version)}`);
  if (older.system.serial !== newer.system.serial)
    changes.push(`serial ${orUnknown(older.system.serial)} → ${orUnknown(newer.system.serial)}`);
  const diskKey = (disk: Inventory['disks'][number]): string => disk.serial ?? `${disk.name}:${disk.sizeBytes}`;
  const diskText = (disk: Inventory['disks'][number]): string =>
    `${disk.name} ${formatBytes(disk.sizeBytes)} ${orUnknown(disk.model)} (${orUnknown(disk.serial)})`;
  compare(
    older.disks,
    newer.disks,
    diskKey,
    (disk) => changes.push(`disk gone: ${diskText(disk)}`),
    (disk) => changes.push(`disk new: ${diskText(disk)}`),
  );
  for (const disk of newer.disks) {
    const before = older.disks.find((candidate) => diskKey(candidate) === diskKey(disk));
    if (before !== undefined && before.smartHealth !== disk.smartHealth)
      changes.push(`disk ${disk.name} SMART ${before.smartHealth ?? '-'} → ${disk.smartHealth ?? '-'}`);
  }
  compare(
    older.nics,
    newer.nics,
    (nic) => nic.mac,
    (nic) => changes.push(`network card gone: ${nic.mac}`),
    (nic) => changes.push(`network card new: ${nic.mac} (${nic.name})`),
  );
  return changes;
}

function compare<T>(
  older: readonly T[],
  newer: readonly T[],
  key: (item: T) => string,
  gone: (item: T) => void,
  added: (item: T) => void,
): void {
  const olderKeys = new Set(older.map(key));
  const newerKeys = new Set(newer.map(key));
  for (const item of older) if (!newerKeys.has(key(item))) gone(item);
  for (const item of newer) if (!olderKeys.has(key(item))) added(item);
}

/** Every inventory, newest first, each with what changed since the one before it. */
export function inventoryHistory(records: readonly InventoryRecord[]): string {
  const lines = records.map((record, index) => {
    const previous = records[index + 1];
    const changes =
      previous === undefined ? ['first inventory'] : inventoryChanges(previous.inventory, record.inventory);
    return `  ${formatDate(record.receivedAt)}  ${record.source.padEnd(9)}  ${changes.length === 0 ? 'no change' : changes.join('; ')}`;
  });
  return `inventory history (newest first):\n${lines.join('\n')}\n`;
}
