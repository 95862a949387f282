import { formatBytes, type Inventory, toBrumeError } from '@brume/protocol';
import { logLineText } from '../ui/error-screen.ts';
import type { MenuTaskOutcome } from './menu-deps.ts';
import type { MenuServer } from './server-calls.ts';

const orUnknown = (value: string | null): string => value ?? '?';

const nicLine = (nic: Inventory['nics'][number]): string =>
  `  ${nic.name.padEnd(9)} ${nic.mac}  ${nic.link ? (nic.speedMbps === null ? 'link up' : `${nic.speedMbps} Mb/s`) : 'no link'}  ${nic.ipv4.join(' ') || 'no address'}`;

/** The PC as a technician reads it at 80 columns: what it is, its disks, its network cards. */
export function inventoryLines(inventory: Inventory): string[] {
  const { system, firmware, cpu } = inventory;
  const secureBoot = firmware.secureBoot === null ? 'unknown' : firmware.secureBoot ? 'on' : 'off';
  return [
    `system    ${orUnknown(system.vendor)} ${orUnknown(system.model)}`,
    `serial    ${orUnknown(system.serial)}   uuid ${orUnknown(system.uuid)}`,
    `firmware  ${firmware.mode.toUpperCase()}, Secure Boot ${secureBoot}, ${orUnknown(firmware.vendor)} ${orUnknown(firmware.version)}`,
    `cpu       ${orUnknown(cpu.model)} (${cpu.cores} cores, ${cpu.threads} threads)`,
    `memory    ${formatBytes(inventory.memoryBytes)}`,
    '',
    'disks:',
    ...inventory.disks.map(
      (disk) =>
        `  ${disk.name.padEnd(9)} ${formatBytes(disk.sizeBytes).padStart(10)}  ${disk.bus}${disk.removable ? ' removable' : ''}  ${orUnknown(disk.model)}  SMART ${disk.smartHealth ?? '-'}`,
    ),
    'network cards:',
    ...inventory.nics.map(nicLine),
  ];
}

/** The system information screen: network, disks and the target choice, memory, CPU, boot mode, the server. */
export async function systemLines(
  inventory: Inventory,
  disks: string[],
  server: MenuServer,
  hostName: string | null,
): Promise<string[]> {
  let reached: string;
  try {
    reached = `${server.url}, Brume ${(await server.health()).version}`;
  } catch (error) {
    reached = `${server.url}: not reached (${toBrumeError(error).message})`;
  }
  return [
    `this PC   ${hostName ?? 'not registered'}`,
    `server    ${reached}`,
    `boot      ${inventory.firmware.mode.toUpperCase()}, Secure Boot ${inventory.firmware.secureBoot === null ? 'unknown' : inventory.firmware.secureBoot ? 'on' : 'off'}`,
    `memory    ${formatBytes(inventory.memoryBytes)}`,
    `cpu       ${orUnknown(inventory.cpu.model)} (${inventory.cpu.threads} threads)`,
    '',
    'network:',
    ...inventory.nics.map(nicLine),
    '',
    ...disks,
  ];
}

/** The failure screen's text: the step, the code and message, where the logs are, the log tail. */
export function failureLines(taskId: number, outcome: Extract<MenuTaskOutcome, { ok: false }>): string[] {
  return [
    `step:     ${outcome.step}`,
    `error:    ${outcome.code}`,
    `message:  ${outcome.message}`,
    outcome.logsShipped
      ? `logs:     on the server (brume task logs ${taskId})`
      : 'logs:     NOT on the server; they stay on this PC',
    '',
    'last log lines:',
    ...(outcome.logTail.length === 0 ? ['  (none)'] : outcome.logTail.map((line) => `  ${logLineText(line)}`)),
  ];
}
