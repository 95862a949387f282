// The menu's Memory test: the server serves Debian's memtest86+ from its boot directory, and the lines
// the iPXE menu runs for that entry start it. iPXE's menu itself waits for a key this test cannot press, so the test
// takes the `:brume_memtest` section of the real menu script and hands exactly those lines to iPXE. memtest86+ then
// shows its own screen and runs its tests, the screen mirrored on the serial console (console=ttyS0,115200 in those lines).
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { GUEST_SERVER_ADDRESS, startVm, type Firmware } from './support/qemu.ts';

const bootDir = process.env['BRUME_E2E_BOOT_DIR'] ?? resolve(import.meta.dirname, '../../dist/boot');
const work = mkdtempSync(join(tmpdir(), 'brume-memtest-'));
let server: ServerProcess;
let port: number;

beforeAll(async () => {
  port = await freePort();
  server = await startServerProcess(join(work, 'data'), port, ['--boot', bootDir]);
});

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The memtest entry's lines of the menu the server gives a PC of this platform, as a script of their own. */
async function memtestScript(platform: 'pcbios' | 'efi'): Promise<string> {
  const menu = await (await fetch(`${server.url}/boot/menu.ipxe?mac=52:54:00:00:40:01&platform=${platform}`)).text();
  expect(menu).toContain('item brume_memtest Memory test (memtest86+)');
  const lines = menu.split('\n');
  const start = lines.indexOf(':brume_memtest');
  const end = lines.indexOf(':brume_failed');
  expect(start, menu).toBeGreaterThan(0);
  // The URL as the guest reaches the server (fetch cannot send the Host a PC would).
  return (
    [
      '#!ipxe',
      `set base http://${GUEST_SERVER_ADDRESS}`,
      ...lines.slice(start + 1, end),
      'echo memtest did not start',
    ].join('\n') + '\n'
  );
}

describe('the Memory test entry', () => {
  it.each<[Firmware, 'pcbios' | 'efi']>([
    ['bios', 'pcbios'],
    ['uefi', 'efi'],
  ])('starts memtest86+ on %s: its own screen, testing the memory', async (firmware, platform) => {
    const disk = join(work, `${firmware}.img`);
    writeFileSync(disk, '');
    truncateSync(disk, 16 * 1024 * 1024);
    const vm = startVm({
      work,
      name: `memtest-${firmware}`,
      disk,
      firmware,
      memoryMiB: 256,
      mac: '52:54:00:00:40:01',
      network: { kind: 'user', serverPort: port, bootScript: await memtestScript(platform) },
    });
    try {
      const story = (): string => `${vm.commandLine}\n${vm.text().slice(-3000)}`;
      const screen = (): string => vm.text();
      const deadline = Date.now() + 120_000;
      while (!/Memtest86\+ v6/.test(screen()) || !/Pass: +0 +Errors: +0/.test(screen())) {
        if (Date.now() > deadline) expect.fail(`memtest86+ did not show its screen within 120 s:\n${story()}`);
        await new Promise((done) => setTimeout(done, 1000));
      }
    } finally {
      await vm.kill();
    }
  });
});
