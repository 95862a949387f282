import { readdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { reason, type InventorySources, type Warn } from './deps.ts';
import { parseDmidecode } from './dmidecode.ts';
import { readText } from './sysfs.ts';

/** dmidecode prints sizes in binary units whatever their letters say. */
const UNITS: Record<string, number> = { bytes: 1, kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 };

/** Memory devices that are not RAM: some boards list the BIOS flash as a type 17 device. */
const NOT_RAM = /^(flash|rom|eeprom|feprom|eprom)$/i;

/**
 * The installed memory SMBIOS describes (type 17, one record per slot): the sizes added up, undefined when no slot has a
 * size ("No Module Installed", "Unknown").
 */
export function smbiosMemoryBytes(dmidecodeOutput: string): number | undefined {
  let total = 0;
  let sized = 0;
  for (const device of parseDmidecode(dmidecodeOutput).filter((record) => record.type === 17)) {
    const size = /^(\d+(?:\.\d+)?)\s*(bytes|kB|MB|GB|TB)$/.exec(device.fields.get('Size') ?? '');
    if (size === null || NOT_RAM.test(device.fields.get('Type') ?? '')) continue;
    total += Math.round(Number(size[1]) * (UNITS[size[2] as string] ?? 0));
    sized++;
  }
  return sized === 0 ? undefined : total;
}

/**
 * The kernel's memory blocks (memory hotplug's sysfs): every block that holds RAM, whole, including what firmware and
 * kernel keep, so this is installed memory to within a block (128 MiB on x86). block_size_bytes is hexadecimal.
 */
export function onlineBlockBytes(sysRoot: string): number | undefined {
  const dir = join(sysRoot, 'devices', 'system', 'memory');
  const blockSize = readText(join(dir, 'block_size_bytes'));
  if (blockSize === undefined || !/^(0x)?[0-9a-f]+$/i.test(blockSize)) return undefined;
  let blocks: string[];
  try {
    blocks = readdirSync(dir).filter((name) => /^memory\d+$/.test(name));
  } catch {
    return undefined;
  }
  const online = blocks.filter((name) => readText(join(dir, name, 'state')) === 'online').length;
  return online === 0 ? undefined : online * Number.parseInt(blockSize.replace(/^0x/i, ''), 16);
}

function memTotalBytes(procRoot: string): number | undefined {
  const kib = /^MemTotal:\s+(\d+)\s+kB$/m.exec(readText(join(procRoot, 'meminfo')) ?? '')?.[1];
  return kib === undefined ? undefined : Number(kib) * 1024;
}

/**
 * Installed memory, what the PC's label says (the protocol's memoryBytes). SMBIOS first: the firmware counted the
 * modules. It is checked against MemTotal, which it can only exceed (a board reporting less is wrong). Then the
 * kernel's memory blocks. MemTotal only as a last resort, with a warning: it is short by what firmware and kernel keep
 * (2-3 % on a PC), which is why systeminformation's memLayout(), which silently falls back to it, is not used.
 */
export async function readMemory(src: InventorySources, warn: Warn): Promise<number> {
  const memTotal = memTotalBytes(src.procRoot);
  let why: string;
  try {
    const smbios = smbiosMemoryBytes((await src.run('dmidecode', ['-t', '17'])).stdout);
    if (smbios !== undefined && (memTotal === undefined || smbios >= memTotal)) return smbios;
    why =
      smbios === undefined
        ? 'SMBIOS lists no memory module with a size'
        : `SMBIOS memory modules add up to ${smbios} bytes, less than MemTotal (${memTotal ?? '?'} bytes)`;
  } catch (error) {
    why = `SMBIOS memory modules not read (${reason(error)})`;
  }
  const blocks = onlineBlockBytes(src.sysRoot);
  if (blocks !== undefined) {
    warn(`memory: ${why}; counted the kernel's online memory blocks instead`);
    return blocks;
  }
  const fallback = memTotal ?? totalmem();
  warn(
    `memory: ${why}, and no memory blocks in sysfs; reporting MemTotal (${fallback} bytes), short of the installed memory by what firmware and kernel reserve`,
  );
  return fallback;
}
