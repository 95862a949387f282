// The boot files on their own: QEMU boots dist/boot/vmlinuz + initrd.zst directly (no firmware PXE, no server) with a
// virtio disk and a virtio NIC on QEMU's user network (restrict=on: the guest reaches nothing outside QEMU), and the
// serial console must show /init's steps: modules loaded by coldplug, the disk found, a DHCP lease, the agent started.
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const bootDir = join(root, 'dist', 'boot');
const work = mkdtempSync(join(tmpdir(), 'brume-boot-smoke-'));
const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]|${ESC}c`, 'g');

interface Boot {
  lines: string[];
  /** Resolves with the first console line matching `pattern`, or rejects after `seconds` with the console so far. */
  waitFor(pattern: RegExp, seconds: number): Promise<string>;
  stop(): Promise<void>;
}

function boot(kernel: string, initrd: string, disk: string): Boot {
  const args = [
    '-m',
    '512',
    '-nographic',
    '-no-reboot',
    '-kernel',
    kernel,
    '-initrd',
    initrd,
    '-append',
    'rootfstype=ramfs console=ttyS0 quiet brume.server=http://10.0.2.2:1 brume.task=1 brume.token=x',
    // Network rule: user networking with restrict=on only.
    '-netdev',
    'user,id=n0,restrict=on',
    '-device',
    'virtio-net-pci,netdev=n0',
    '-drive',
    `file=${disk},if=virtio,format=raw`,
  ];
  const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const onData = (data: Buffer): void => {
    const parts = (partial + data.toString('utf8').replace(/\r/g, '').replace(ANSI, '')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return {
    lines,
    async waitFor(pattern, seconds) {
      const deadline = performance.now() + seconds * 1000;
      while (performance.now() < deadline && child.exitCode === null) {
        const line = lines.find((candidate) => pattern.test(candidate));
        if (line !== undefined) return line;
        await new Promise((done) => setTimeout(done, 200));
      }
      const line = lines.find((candidate) => pattern.test(candidate));
      if (line !== undefined) return line;
      throw new Error(`no console line matching ${pattern} within ${seconds} s:\n${lines.slice(-40).join('\n')}`);
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

let vm: Boot | undefined;
const copies = { kernel: join(work, 'vmlinuz'), initrd: join(work, 'initrd.zst'), disk: join(work, 'disk.img') };

beforeAll(async () => {
  // Build first when needed, and boot copies: a ramdisk read while a build rewrites it would boot truncated.
  if (!existsSync(join(bootDir, 'vmlinuz')) || !existsSync(join(bootDir, 'initrd.zst'))) {
    await promisify(execFile)(process.execPath, [join(root, 'scripts', 'build-boot.ts')], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
  }
  copyFileSync(join(bootDir, 'vmlinuz'), copies.kernel);
  copyFileSync(join(bootDir, 'initrd.zst'), copies.initrd);
  writeFileSync(copies.disk, '');
  truncateSync(copies.disk, 64 * 1024 * 1024);
});

afterAll(async () => {
  await vm?.stop();
  rmSync(work, { recursive: true, force: true });
});

it('boots to the agent: modules by coldplug, the virtio disk, a DHCP lease from QEMU, then `brume agent`', async () => {
  const started = performance.now();
  vm = boot(copies.kernel, copies.initrd, copies.disk);
  const agent = await vm.waitFor(/brume-init: starting the agent: \/usr\/bin\/brume agent/, 120);
  const text = vm.lines.join('\n');
  expect(text).toMatch(/brume-init: mounted proc, sys, devtmpfs/);
  const coldplug = /brume-init: coldplug: (\d+) modules loaded in \d+ passes; block devices: (.*)$/m.exec(text);
  expect(Number(coldplug?.[1]), text).toBeGreaterThan(0);
  expect(coldplug?.[2]?.split(' '), text).toContain('vda');
  expect(text).toMatch(/brume-init: network: lease 10\.0\.2\.15\/24 on eth0 from 10\.0\.2\.2/);
  expect(text, 'busybox modprobe hands xz modules to the kernel: kmod must do the loading').not.toMatch(
    /Invalid ELF header/,
  );
  // Started, not merely announced: the shell could run it (exit 126/127 would mean it could not).
  await new Promise((done) => setTimeout(done, 10_000));
  expect(vm.lines.join('\n')).not.toMatch(/brume: not found|the agent exited with status 12[67]/);
  const uptime = Number(/\[\s*(\d+\.\d+)\]/.exec(agent)?.[1]);
  process.stderr.write(
    `boot smoke: agent started at guest uptime ${uptime} s (${((performance.now() - started) / 1000).toFixed(1)} s wall)\n`,
  );
});
