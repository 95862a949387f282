// Quick registration as a room does it unattended: the server runs with --unknown-hosts register, so a PC it
// does not know takes "Quick registration" in the iPXE menu after the timeout, boots the ramdisk with
// brume.action=register, sends its inventory, and reboots. The server then holds a host named by its pattern, with
// this VM's MAC, and an inventory that matches the VM: disk size, MAC, memory.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HostDetail } from '@brume/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { startVm } from './support/qemu.ts';

const MiB = 1024 * 1024;
const bootDir = process.env['BRUME_E2E_BOOT_DIR'] ?? resolve(import.meta.dirname, '../../dist/boot');
const work = mkdtempSync(join(tmpdir(), 'brume-register-'));
const VM_MAC = '52:54:00:00:30:01';
const VM_MEMORY_MIB = 512;
const VM_DISK_BYTES = 300 * MiB;
let server: ServerProcess;
let admin: ReturnType<typeof apiClient>;
let port: number;

beforeAll(async () => {
  port = await freePort();
  server = await startServerProcess(join(work, 'data'), port, [
    '--boot',
    bootDir,
    '--unknown-hosts',
    'register',
    '--menu-timeout',
    '2',
    '--host-name-pattern',
    'lab-{nn}',
  ]);
  admin = apiClient(server.url, server.adminToken);
});

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('an unknown PC registers itself', () => {
  it('boots the menu, takes quick registration by default, and the server holds its inventory', async () => {
    const disk = join(work, 'blank.img');
    writeFileSync(disk, '');
    truncateSync(disk, VM_DISK_BYTES);
    const vm = startVm({
      work,
      name: 'unknown',
      disk,
      firmware: 'bios',
      memoryMiB: VM_MEMORY_MIB,
      mac: VM_MAC,
      network: { kind: 'user', serverPort: port },
    });
    try {
      const story = (): string => `${vm.commandLine}\n${vm.console.slice(-50).join('\n')}`;
      // iPXE draws its menu with cursor moves, not lines: the kernel command line is what shows the entry taken.
      await vm
        .waitFor(/brume\.action=register/, 180)
        .catch((error: Error) => expect.fail(`${error.message}\n${story()}`));
      const menuLine = server.log.find((line) => line.includes('"boot menu"') && line.includes(VM_MAC));
      expect(menuLine, 'the server gave this PC the menu').toMatch(/"decision":"menu"/);
      const exit = await Promise.race([
        vm.exited,
        new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), 240_000)),
      ]);
      expect(exit, story()).not.toBe('timeout');
      expect(
        vm.console.some((line) => /registered as lab-01/.test(line)),
        story(),
      ).toBe(true);

      const detail = HostDetail.parse((await admin.get('/hosts/lab-01')).body);
      expect(detail.macs).toEqual([VM_MAC]);
      const [record] = detail.inventories;
      expect(record?.source).toBe('register');
      const inventory = record!.inventory;
      const vda = inventory.disks.find((entry) => entry.name === 'vda');
      expect(vda, JSON.stringify(inventory.disks)).toMatchObject({
        sizeBytes: VM_DISK_BYTES,
        bus: 'virtio',
        removable: false,
      });
      expect(inventory.nics.map((nic) => nic.mac)).toContain(VM_MAC);
      expect(
        Math.abs(inventory.memoryBytes - VM_MEMORY_MIB * MiB) / (VM_MEMORY_MIB * MiB),
        `memoryBytes ${inventory.memoryBytes}`,
      ).toBeLessThanOrEqual(0.01);
      expect(inventory.firmware.mode).toBe('bios');
      expect(inventory.cpu.threads).toBe(2);
      process.stderr.write(
        `registration: ${JSON.stringify({ system: inventory.system, memoryBytes: inventory.memoryBytes, disks: inventory.disks.length })}\n`,
      );
    } finally {
      await vm.kill();
    }
  });
});
