import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inventorySources } from './deps.ts';
import { fakeRunner, fixtureTree, type FakeAnswer, type FixtureTree } from '../../../test/fixtures/inventory-tree.ts';
import { onlineBlockBytes, readMemory, smbiosMemoryBytes } from './memory.ts';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

const device = (size: string, type = 'DDR4', locator = 'DIMM'): string =>
  `Handle 0x0040, DMI type 17, 84 bytes\nMemory Device\n\tTotal Width: 64 bits\n\tSize: ${size}\n\tForm Factor: DIMM\n\tLocator: ${locator}\n\tType: ${type}\n\tSpeed: 2666 MT/s\n`;

// A desktop: two modules, two empty slots; its BIOS flash listed as a memory device too.
const DESKTOP = [
  `# dmidecode 3.4\nGetting SMBIOS data from sysfs.\nSMBIOS 3.2.0 present.\n`,
  device('8 GB'),
  device('No Module Installed', 'Unknown'),
  device('8192 MB'),
  device('Not Installed', 'Unknown'),
  device('16 MB', 'Flash', 'SYSTEM ROM'),
].join('\n');
// QEMU -m 2000: one device, in MB.
const QEMU = `SMBIOS 2.8 present.\n\n${device('2000 MB', 'RAM', 'DIMM 0')}`;

let tree: FixtureTree;
beforeEach(() => {
  tree = fixtureTree();
});
afterEach(() => tree.remove());

/** sysfs memory blocks of `blockBytes` (written in hex, as the kernel does), `online` of them online, one offline. */
function blocks(blockBytes: number, online: number): void {
  tree.file('sys/devices/system/memory/block_size_bytes', `${blockBytes.toString(16)}\n`);
  for (let index = 0; index <= online; index++)
    tree.file(`sys/devices/system/memory/memory${index + 32}/state`, index < online ? 'online\n' : 'offline\n');
}

function meminfo(kib: number): void {
  tree.file('proc/meminfo', `MemTotal:       ${kib} kB\nMemFree:        1000 kB\n`);
}

async function read(answers: Record<string, FakeAnswer>): Promise<{ bytes: number; warnings: string[] }> {
  const warnings: string[] = [];
  const bytes = await readMemory(
    inventorySources({ run: fakeRunner(answers), sysRoot: tree.sys, procRoot: tree.proc }),
    (message) => warnings.push(message),
  );
  return { bytes, warnings };
}

describe('installed memory', () => {
  it('adds up the SMBIOS modules, not empty slots nor flash', () => {
    expect(smbiosMemoryBytes(DESKTOP)).toBe(16 * GiB);
    expect(smbiosMemoryBytes(QEMU)).toBe(2000 * MiB);
    expect(smbiosMemoryBytes(device('No Module Installed'))).toBeUndefined();
    expect(smbiosMemoryBytes('# No SMBIOS nor DMI entry point found, sorry.\n')).toBeUndefined();
  });

  it('takes SMBIOS first, without a warning', async () => {
    meminfo(16_200_000);
    blocks(128 * MiB, 128);
    expect(await read({ dmidecode: { stdout: DESKTOP } })).toEqual({ bytes: 16 * GiB, warnings: [] });
  });

  it('counts online memory blocks (hexadecimal block size) when dmidecode is missing, and says why', async () => {
    meminfo(7_900_000);
    blocks(128 * MiB, 64);
    expect(onlineBlockBytes(tree.sys)).toBe(8 * GiB);
    const { bytes, warnings } = await read({});
    expect(bytes).toBe(8 * GiB);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^memory: SMBIOS memory modules not read \(.*ENOENT\); counted the kernel's online memory blocks/,
      ),
    ]);
  });

  it('distrusts an SMBIOS total below MemTotal', async () => {
    meminfo(32_000_000);
    blocks(128 * MiB, 256);
    const { bytes, warnings } = await read({ dmidecode: { stdout: DESKTOP } });
    expect(bytes).toBe(32 * GiB);
    expect(warnings[0]).toMatch(/less than MemTotal/);
  });

  it('falls back to MemTotal only when nothing else exists, with a warning', async () => {
    meminfo(8_000_000);
    const { bytes, warnings } = await read({
      dmidecode: { stdout: '# No SMBIOS nor DMI entry point found, sorry.\n' },
    });
    expect(bytes).toBe(8_000_000 * 1024);
    expect(warnings[0]).toMatch(/no memory module with a size, and no memory blocks in sysfs; reporting MemTotal/);
  });
});
