// The whole chain, as a room of PCs lives it: a VM network-boots through its firmware's iPXE (SeaBIOS for the master,
// UEFI/OVMF for the target), chains to the server's menu by MAC, boots our kernel and ramdisk over HTTP, and the agent in
// the ramdisk runs its task with nobody at the keyboard. The host then checks the deployed disk file by file and fsck.
// QEMU TCG with user networking (restrict=on): the guest reaches nothing but the one server on 127.0.0.1.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsck } from '../support/file-tree.ts';
import { attachLoopDisk, createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { compareWithSample } from '../support/sample-check.ts';
import { buildGptSample, type SampleDisk } from '../support/sample-disks.ts';
import { apiClient, freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { startVm, type Firmware } from './support/qemu.ts';

const MiB = 1024 * 1024;
// BRUME_E2E_BOOT_DIR: a copy of the boot files, so a rebuild in the checkout cannot change them under a booting VM.
const bootDir = process.env['BRUME_E2E_BOOT_DIR'] ?? resolve(import.meta.dirname, '../../dist/boot');
const work = mkdtempSync(join(tmpdir(), 'brume-pxe-'));
let server: ServerProcess;
let admin: ReturnType<typeof apiClient>;
let sample: SampleDisk;
let port: number;
const attached: LoopDisk[] = [];

interface TaskView {
  state: string;
  startedAt: string | null;
  endedAt: string | null;
  error: { code: string; message: string } | null;
}

/** Boots a VM on `disk` until it powers off or reboots (the agent's last act), and returns the task it ran. */
async function runTaskInVm(
  name: string,
  mac: string,
  disk: string,
  firmware: Firmware,
  taskId: number,
): Promise<{ task: TaskView; agentUptime: number; seconds: number }> {
  const started = performance.now();
  // 512 MiB on both firmwares: the smallest PC a room is expected to hold (the ramdisk is unpacked to ramfs, see
  // server/src/ipxe.ts, so OVMF's larger share of memory at unpack time no longer matters).
  const vm = startVm({ work, name, disk, firmware, memoryMiB: 512, mac, network: { kind: 'user', serverPort: port } });
  try {
    const agentLine = await vm.waitFor(/brume-init: .*starting the agent/i, 240);
    const exit = await Promise.race([
      vm.exited,
      new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), 600_000)),
    ]);
    const task = (await admin.get<TaskView>(`/tasks/${taskId}`)).body;
    const story = `${vm.commandLine}\n${vm.console.slice(-60).join('\n')}\n${JSON.stringify(task)}`;
    expect(exit, story).not.toBe('timeout');
    expect(task.state, story).toBe('done');
    const uptime = Number(/\[\s*(\d+\.\d+)\]/.exec(agentLine)?.[1] ?? Number.NaN);
    return { task, agentUptime: uptime, seconds: (performance.now() - started) / 1000 };
  } finally {
    await vm.kill();
  }
}

beforeAll(async () => {
  if (!existsSync(join(bootDir, 'vmlinuz')) || !existsSync(join(bootDir, 'initrd.zst'))) {
    throw new Error(`${bootDir} has no vmlinuz/initrd.zst: run \`npm run build:boot\` first (scripts/test does)`);
  }
  port = await freePort();
  server = await startServerProcess(join(work, 'data'), port, ['--boot', bootDir]);
  admin = apiClient(server.url, server.adminToken);
  const master = await createLoopDisk(work, 'master.img', 512 * MiB);
  sample = await buildGptSample(master);
  await master.detach();
  for (const [name, mac] of [
    ['master', '52:54:00:00:10:01'],
    ['pc-01', '52:54:00:00:10:02'],
  ] as const) {
    expect((await admin.post('/hosts', { name, macs: [mac] })).status).toBe(201);
  }
});

afterAll(async () => {
  for (const disk of attached) await disk.detach();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('PXE: capture on SeaBIOS, deploy on UEFI, nobody at the keyboard', () => {
  it('captures the master VM into an image on the server', async () => {
    const created = await admin.createTask('capture', 'master', 'pxe-image');
    const run = await runTaskInVm('master', '52:54:00:00:10:01', join(work, 'master.img'), 'bios', created.id);
    const verify = await admin.post<{ ok: boolean }>('/images/pxe-image/verify');
    expect(verify.body.ok).toBe(true);
    process.stderr.write(
      `pxe capture (SeaBIOS): agent started at guest uptime ${run.agentUptime} s; ${run.seconds.toFixed(1)} s from power-on to power-off\n`,
    );
  });

  it('deploys it to a larger blank disk; every file and fsck check out', async () => {
    const target = await createLoopDisk(work, 'pc-01.img', 1024 * MiB);
    await target.detach();
    const created = await admin.createTask('deploy', 'pc-01', 'pxe-image');
    const run = await runTaskInVm('pc-01', '52:54:00:00:10:02', join(work, 'pc-01.img'), 'uefi', created.id);
    process.stderr.write(
      `pxe deploy (UEFI): agent started at guest uptime ${run.agentUptime} s; ${run.seconds.toFixed(1)} s from power-on to power-off; ramdisk ${statSync(join(bootDir, 'initrd.zst')).size} bytes\n`,
    );

    const deployed = await attachLoopDisk(join(work, 'pc-01.img'));
    attached.push(deployed);
    expect((await compareWithSample(deployed, sample)).mismatches).toEqual([]);
    for (const partition of sample.partitions) {
      if (partition.fs === 'raw') continue;
      const check = await fsck(deployed.partition(partition.number), partition.fs);
      expect(check.clean, check.output).toBe(true);
    }
  });
});

describe('a debug task', () => {
  it('boots into a shell with the steps on the console; `brume agent --step plan` there reads its task from the kernel command line', async () => {
    const blank = await createLoopDisk(work, 'pc-03.img', 1024 * MiB);
    await blank.detach();
    expect((await admin.post('/hosts', { name: 'pc-03', macs: ['52:54:00:00:10:04'] })).status).toBe(201);
    const created = await admin.createTask('deploy', 'pc-03', 'pxe-image', { debug: true });
    const vm = startVm({
      work,
      name: 'pc-03',
      disk: join(work, 'pc-03.img'),
      firmware: 'bios',
      memoryMiB: 512,
      mac: '52:54:00:00:10:04',
      network: { kind: 'user', serverPort: port },
    });
    try {
      const story = (): string => `${vm.commandLine}\n${vm.console.slice(-40).join('\n')}`;
      const fail = (error: Error): never => expect.fail(`${error.message}\n${story()}`);
      await vm
        .waitFor(
          new RegExp(
            `Brume debug task ${created.id}: deploy of image pxe-image on /dev/[a-z]+\\. Nothing has been written\\.`,
          ),
          240,
        )
        .catch(fail);
      await vm.waitFor(/a shell on the console/, 30).catch(fail);
      expect((await admin.get<TaskView>(`/tasks/${created.id}`)).body.state).toBe('running');
      // The shell's prompt needs a moment after /init's line; a newline first wakes cttyhack's shell.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      vm.type('\nbrume agent --step plan\n');
      await vm.waitFor(/step plan done\. next: brume agent --step table/, 120).catch(fail);
      expect(vm.text()).toMatch(/gpt table on 1\.0 GiB/);
      const task = (await admin.get<TaskView>(`/tasks/${created.id}`)).body;
      expect(task.state).toBe('running');
      expect((await admin.post(`/tasks/${created.id}/cancel`)).status).toBe(200);
    } finally {
      await vm.kill();
    }
  });
});

describe('a PXE task that fails', () => {
  it('ends on the failure page on the console (a serial line: the plain menu), its logs already on the server', async () => {
    const small = await createLoopDisk(work, 'pc-02.img', 64 * MiB);
    await small.detach();
    expect((await admin.post('/hosts', { name: 'pc-02', macs: ['52:54:00:00:10:03'] })).status).toBe(201);
    const created = await admin.createTask('deploy', 'pc-02', 'pxe-image');
    const vm = startVm({
      work,
      name: 'pc-02',
      disk: join(work, 'pc-02.img'),
      firmware: 'bios',
      memoryMiB: 512,
      mac: '52:54:00:00:10:03',
      network: { kind: 'user', serverPort: port },
    });
    try {
      const story = (): string => `${vm.commandLine}\n${vm.console.slice(-40).join('\n')}`;
      await vm
        .waitFor(new RegExp(`Task ${created.id} \\(deploy\\) failed`), 240)
        .catch((error: Error) => expect.fail(`${error.message}\n${story()}`));
      // The prompt after the choices has no newline yet: the last choice is the last whole line.
      await vm.waitFor(/4\. Brume menu/, 30).catch((error: Error) => expect.fail(`${error.message}\n${story()}`));
      const page = vm.console.join('\n');
      expect(page).toMatch(/error: +DISK_TOO_SMALL/);
      expect(page).toMatch(/1\. Retry\n\s*2\. Debug shell\n\s*3\. Reboot\n\s*4\. Brume menu/);
      const task = (await admin.get<TaskView>(`/tasks/${created.id}`)).body;
      expect(task.state).toBe('failed');
      const logs = (await admin.get<{ files: { name: string }[] }>(`/tasks/${created.id}/logs`)).body.files.map(
        (file) => file.name,
      );
      expect(logs).toEqual(expect.arrayContaining(['agent.log', 'dmesg.txt', 'lsblk.json']));
    } finally {
      await vm.kill();
    }
  });
});
