// `brume inventory --json` on this very machine, checked against what the machine says through other roads: lsblk for
// the disks, /sys/class/net for the MACs, iproute2's JSON for the addresses, dmidecode or the memory blocks for the
// memory. A loop device attached for the run shows that loop devices are not disks of the PC.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { Inventory } from '@brume/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBrume } from '../support/brume-cli.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';

const MiB = 1024 * 1024;
const exec = promisify(execFile);

const work = mkdtempSync(join(tmpdir(), 'brume-inventory-'));
let loop: LoopDisk | undefined;
let inventory: Inventory;
let warnings: string[];

beforeAll(async () => {
  loop = await createLoopDisk(work, 'not-a-disk.img', 64 * MiB);
  const run = await runBrume(['inventory', '--json']);
  expect(run.code, run.stderr).toBe(0);
  const parsed = JSON.parse(run.stdout) as { inventory: unknown; warnings: unknown };
  inventory = Inventory.parse(parsed.inventory);
  warnings = parsed.warnings as string[];
});

afterAll(async () => {
  await loop?.detach();
  rmSync(work, { recursive: true, force: true });
});

interface LsblkDevice {
  name: string;
  size: number;
  type: string;
  rm: boolean;
}

async function lsblk(): Promise<LsblkDevice[]> {
  const { stdout } = await exec('lsblk', ['-d', '-b', '-J', '-o', 'NAME,SIZE,TYPE,RM']);
  return (JSON.parse(stdout) as { blockdevices: LsblkDevice[] }).blockdevices;
}

/** What the inventory leaves out on purpose (agent/src/inventory/disks.ts): kernel-made devices, optical, floppy, eMMC areas. */
const NOT_PC_DISKS = /^(loop|ram|zram|dm-|md|nbd|sr|fd)|^mmcblk\d+(boot\d+|rpmb)$/;

describe('brume inventory on this machine', () => {
  it('gives a record the protocol accepts, and warnings as strings', () => {
    expect(Array.isArray(warnings) && warnings.every((warning) => typeof warning === 'string')).toBe(true);
    process.stderr.write(`inventory warnings here: ${JSON.stringify(warnings)}\n`);
  });

  it('lists every disk lsblk shows, with the same size, and nothing else', async () => {
    const expected = (await lsblk()).filter(
      (device) => device.type === 'disk' && !NOT_PC_DISKS.test(device.name) && !(device.rm && device.size === 0),
    );
    expect(expected.length, 'this machine has no disk to compare').toBeGreaterThan(0);
    const listed = Object.fromEntries(inventory.disks.map((disk) => [disk.name, disk.sizeBytes]));
    expect(listed).toEqual(Object.fromEntries(expected.map((device) => [device.name, device.size])));
  });

  it('leaves out the loop device attached for this test (and every other loop device)', async () => {
    const name = basename(loop?.path ?? '');
    expect(existsSync(`/sys/block/${name}`)).toBe(true);
    expect((await lsblk()).find((device) => device.name === name)).toMatchObject({ size: 64 * MiB, type: 'loop' });
    expect(inventory.disks.map((disk) => disk.name).filter((disk) => disk.startsWith('loop'))).toEqual([]);
  });

  it('lists every network card with a device, its MAC as /sys/class/net says, its IPv4 addresses as iproute2 says', async () => {
    const hardware = readdirSync('/sys/class/net').filter(
      (name) => name !== 'lo' && existsSync(`/sys/class/net/${name}/device`),
    );
    expect(hardware.length, 'this machine has no NIC to compare').toBeGreaterThan(0);
    expect(inventory.nics.map((nic) => nic.name).sort()).toEqual(hardware.sort());
    for (const nic of inventory.nics)
      expect(nic.mac, nic.name).toBe(readFileSync(`/sys/class/net/${nic.name}/address`, 'utf8').trim());
    const { stdout } = await exec('ip', ['-j', '-4', 'addr', 'show']);
    const addresses = JSON.parse(stdout) as { ifname: string; addr_info: { local: string; prefixlen: number }[] }[];
    for (const nic of inventory.nics) {
      const expected =
        addresses
          .find((entry) => entry.ifname === nic.name)
          ?.addr_info.map((address) => `${address.local}/${address.prefixlen}`) ?? [];
      expect(nic.ipv4, nic.name).toEqual(expected);
    }
  });

  it('reports installed memory (dmidecode, else the online memory blocks) within 1 %, not MemTotal', async () => {
    const memTotal = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) * 1024;
    const installed = (await smbiosMemory()) ?? onlineBlocks();
    expect(installed, 'neither SMBIOS nor memory blocks here: nothing to compare with').toBeDefined();
    expect(
      Math.abs(inventory.memoryBytes - (installed ?? 0)) / (installed ?? 1),
      `memoryBytes ${inventory.memoryBytes}, installed ${installed}`,
    ).toBeLessThanOrEqual(0.01);
    expect(inventory.memoryBytes).not.toBe(memTotal);
  });

  it('tells the boot mode and counts the CPUs as the kernel does', () => {
    expect(inventory.firmware.mode).toBe(existsSync('/sys/firmware/efi') ? 'uefi' : 'bios');
    expect(inventory.cpu.threads).toBe(cpus().length);
    expect(inventory.cpu.cores).toBeLessThanOrEqual(inventory.cpu.threads);
  });

  it('prints a readable summary without --json: every disk and MAC in it', async () => {
    const run = await runBrume(['inventory']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Memory {4}\d/m);
    for (const disk of inventory.disks) expect(run.stdout).toContain(`  ${disk.name} `);
    for (const nic of inventory.nics) expect(run.stdout).toContain(nic.mac);
  });
});

/** SMBIOS memory devices, read here with a parser of the test's own; undefined without dmidecode or SMBIOS. */
async function smbiosMemory(): Promise<number | undefined> {
  let stdout: string;
  try {
    ({ stdout } = await exec('dmidecode', ['-t', '17']));
  } catch {
    return undefined;
  }
  const units: Record<string, number> = { kB: 1024, MB: MiB, GB: 1024 * MiB, TB: 1024 * 1024 * MiB };
  const sizes = [...stdout.matchAll(/^\tSize: (\d+) (kB|MB|GB|TB)$/gm)].map(
    (match) => Number(match[1]) * (units[match[2] as string] ?? 0),
  );
  return sizes.length === 0 ? undefined : sizes.reduce((sum, size) => sum + size, 0);
}

function onlineBlocks(): number | undefined {
  const dir = '/sys/devices/system/memory';
  if (!existsSync(dir)) return undefined;
  const blockSize = Number.parseInt(readFileSync(join(dir, 'block_size_bytes'), 'utf8').trim(), 16);
  const online = readdirSync(dir).filter(
    (name) => /^memory\d+$/.test(name) && readFileSync(join(dir, name, 'state'), 'utf8').trim() === 'online',
  );
  return online.length * blockSize;
}
