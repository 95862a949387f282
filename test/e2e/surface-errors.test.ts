// The surface test against a disk that cannot read some sectors. device-mapper's dm-error would make one, but this
// machine's kernel has no device-mapper, so the failing disk is QEMU's instead: blkdebug answers EIO to the reads
// that cover the chosen sectors, the guest kernel sees a real I/O error from its virtio disk, and the agent in our
// ramdisk, booted through PXE like any PC, must name exactly those sectors.
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { startVm } from './support/qemu.ts';

const bootDir = process.env['BRUME_E2E_BOOT_DIR'] ?? resolve(import.meta.dirname, '../../dist/boot');
const work = mkdtempSync(join(tmpdir(), 'brume-surface-'));
const MAC = '52:54:00:00:50:01';
// Two neighbours (one bad stretch) and a lone one, away from the table and the ends that the kernel reads at boot.
const UNREADABLE = [40_000, 40_001, 100_003];
let server: ServerProcess;
let admin: ReturnType<typeof apiClient>;
let port: number;

interface SurfaceTask {
  state: string;
  error: unknown;
  result: {
    badSectors: number[];
    badSectorCount: number;
    readErrors: number;
    sectorBytes: number;
    bytes: number;
    throughput: unknown[];
  } | null;
}

beforeAll(async () => {
  if (!existsSync(join(bootDir, 'vmlinuz')))
    throw new Error(`${bootDir} has no vmlinuz: run \`npm run build:boot\` first (scripts/test does)`);
  port = await freePort();
  server = await startServerProcess(join(work, 'data'), port, ['--boot', bootDir]);
  admin = apiClient(server.url, server.adminToken);
  expect((await admin.post('/hosts', { name: 'failing-pc', macs: [MAC] })).status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('a surface test of a disk with unreadable sectors', () => {
  it('lists exactly the sectors the disk cannot read, and the task is done', async () => {
    const disk = join(work, 'failing.img');
    writeFileSync(disk, '');
    truncateSync(disk, 64 * 1024 * 1024);
    const created = await admin.post<{ task: { id: number } }>('/tasks', {
      kind: 'surface-test',
      host: 'failing-pc',
      params: { regions: 16 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.task.id;

    const vm = startVm({
      work,
      name: 'failing',
      disk,
      firmware: 'bios',
      memoryMiB: 512,
      mac: MAC,
      network: { kind: 'user', serverPort: port },
      unreadableSectors: UNREADABLE,
    });
    try {
      await vm.waitFor(/brume-init: .*starting the agent/i, 240);
      // The agent powers the VM off when done; a failure leaves its screen up, so that line ends the wait too.
      const failed = vm.waitFor(/^Brume - Task \d+ .* failed/, 300).then(
        () => 'failed' as const,
        () => 'timeout' as const,
      );
      const exit = await Promise.race([vm.exited, failed]);
      const task = (await admin.get<SurfaceTask>(`/tasks/${id}`)).body;
      const story = `${vm.commandLine}\n${vm.console.slice(-60).join('\n')}\n${JSON.stringify(task).slice(0, 3000)}`;
      expect(typeof exit === 'string' ? exit : 'powered off', story).toBe('powered off');
      expect(task.state, story).toBe('done');
      expect(task.result?.sectorBytes, story).toBe(512);
      expect(task.result?.badSectors, story).toEqual(UNREADABLE);
      expect(task.result?.badSectorCount, story).toBe(UNREADABLE.length);
      expect(task.result?.throughput.length, story).toBe(16);
      // The guest kernel saw real I/O errors of its disk, not something the agent made up. Which sectors it names
      // depends on its rate limit of these messages (the 4 MiB read's first sector, or the bisected one).
      expect(vm.text(), story).toMatch(/I\/O error, dev vda, sector \d+ op 0x0:\(READ\)/);
    } finally {
      await vm.kill();
    }
  });
});
