import { availableParallelism, totalmem } from 'node:os';
import { BrumeError, Inventory } from '@brume/protocol';
import { readCpu } from './cpu.ts';
import { inventorySources, reason, type InventoryDeps, type Warn } from './deps.ts';
import { readDisks } from './disks.ts';
import { readFirmwareMode } from './firmware.ts';
import { readMemory } from './memory.ts';
import { readNics } from './nics.ts';
import { readSmbios, type SmbiosIdentity } from './system.ts';

export type { InventoryDeps } from './deps.ts';

export interface CollectedInventory {
  inventory: Inventory;
  /** Parts that could not be read, in words: the fields they leave null or empty, never a failure. */
  warnings: string[];
}

/**
 * Runs one part with its own warnings list, so warnings come out grouped in a fixed order although the parts run at
 * once. A part that throws (a sysfs directory missing altogether) gives its fallback value and one warning.
 */
async function part<T>(
  what: string,
  fallback: T,
  read: (warn: Warn) => T | Promise<T>,
): Promise<{ value: T; warnings: string[] }> {
  const warnings: string[] = [];
  try {
    return { value: await read((message) => warnings.push(message)), warnings };
  } catch (error) {
    warnings.push(`${what} not read: ${reason(error)}`);
    return { value: fallback, warnings };
  }
}

const NO_SMBIOS: SmbiosIdentity = {
  system: { vendor: null, model: null, serial: null, uuid: null },
  biosVendor: null,
  biosVersion: null,
};

/**
 * This PC's hardware inventory, for quick registration and the inventory task. Every part is read independently and
 * may fail alone; the record is then checked against the protocol, so a bug here fails loudly on this PC rather than
 * reaching the server as a bad record.
 */
export async function collectInventory(deps: InventoryDeps): Promise<CollectedInventory> {
  const src = inventorySources(deps);
  const collectedAt = src.now().toISOString();
  const [smbios, firmware, cpu, memory, disks, nics] = await Promise.all([
    part('system identity', NO_SMBIOS, (warn) => readSmbios(src, warn)),
    part('firmware mode', { mode: 'bios' as const, secureBoot: null }, (warn) => readFirmwareMode(src.sysRoot, warn)),
    part('CPU', { model: null, cores: availableParallelism(), threads: availableParallelism() }, (warn) =>
      readCpu(src, warn),
    ),
    part('memory', totalmem(), (warn) => readMemory(src, warn)),
    part('disks', [], (warn) => readDisks(src, warn)),
    part('network cards', [], (warn) => readNics(src, warn)),
  ]);
  const candidate: Inventory = {
    collectedAt,
    system: smbios.value.system,
    firmware: { ...firmware.value, vendor: smbios.value.biosVendor, version: smbios.value.biosVersion },
    cpu: cpu.value,
    memoryBytes: memory.value,
    disks: disks.value,
    nics: nics.value,
  };
  const checked = Inventory.safeParse(candidate);
  if (!checked.success) {
    const issues = checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new BrumeError('INTERNAL', `the inventory read does not match the protocol (a bug in the agent): ${issues}`, {
      detail: { inventory: candidate },
    });
  }
  const warnings = [smbios, firmware, cpu, memory, disks, nics].flatMap((result) => result.warnings);
  return { inventory: checked.data, warnings };
}
