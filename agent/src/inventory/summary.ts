import { formatBytes, type InventoryDisk, type InventoryNic } from '@brume/protocol';
import type { CollectedInventory } from './collect.ts';

const unknown = (value: string | null): string => value ?? '?';
const both = (first: string | null, second: string | null): string =>
  first === null && second === null ? '?' : `${unknown(first)} ${unknown(second)}`;

function diskLine(disk: InventoryDisk): string {
  const sectors =
    disk.logicalSectorBytes === disk.physicalSectorBytes
      ? `${disk.logicalSectorBytes} B`
      : `${disk.logicalSectorBytes}/${disk.physicalSectorBytes} B`;
  const kind = [disk.rotational ? 'rotational' : 'solid-state', ...(disk.removable ? ['removable'] : [])].join(', ');
  const smart = disk.smartHealth === null ? 'SMART n/a' : `SMART ${disk.smartHealth.toUpperCase()}`;
  return `  ${disk.name.padEnd(9)} ${formatBytes(disk.sizeBytes).padStart(10)}  ${disk.bus.padEnd(6)}  ${unknown(disk.model)}, serial ${unknown(disk.serial)}, sectors ${sectors}, ${kind}, ${smart}`;
}

function nicLine(nic: InventoryNic): string {
  const link = nic.link ? `link up${nic.speedMbps === null ? '' : ` ${nic.speedMbps} Mb/s`}` : 'no link';
  const addresses = nic.ipv4.length === 0 ? 'no IPv4' : nic.ipv4.join(' ');
  return `  ${nic.name.padEnd(9)} ${nic.mac}  ${link}, driver ${unknown(nic.driver)}, ${addresses}`;
}

/** `brume inventory` for a technician at the console: one screen, unknowns shown as "?". */
export function describeInventory({ inventory, warnings }: CollectedInventory): string {
  const { system, firmware, cpu } = inventory;
  const secureBoot =
    firmware.mode === 'bios'
      ? ''
      : `, Secure Boot ${firmware.secureBoot === null ? '?' : firmware.secureBoot ? 'on' : 'off'}`;
  const lines = [
    `System    ${both(system.vendor, system.model)}, serial ${unknown(system.serial)}, UUID ${unknown(system.uuid)}`,
    `Firmware  ${firmware.mode.toUpperCase()}${secureBoot}, ${both(firmware.vendor, firmware.version)}`,
    `CPU       ${unknown(cpu.model)}, ${cpu.cores} cores, ${cpu.threads} threads`,
    `Memory    ${formatBytes(inventory.memoryBytes)}`,
    `Disks     ${inventory.disks.length === 0 ? 'none' : ''}`.trimEnd(),
    ...inventory.disks.map(diskLine),
    `Network   ${inventory.nics.length === 0 ? 'none' : ''}`.trimEnd(),
    ...inventory.nics.map(nicLine),
  ];
  if (warnings.length > 0) lines.push('Warnings', ...warnings.map((warning) => `  - ${warning}`));
  return `${lines.join('\n')}\n`;
}
