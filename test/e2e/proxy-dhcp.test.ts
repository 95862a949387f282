// The way a school runs Brume beside its own network (as schools run FOG): the router keeps handing out
// addresses, and `brume dnsmasq-config` adds proxy-DHCP + TFTP on the Brume machine. A UEFI PC with no iPXE in its
// NIC boots through its firmware's own PXE client: DHCP (address from the router, boot file from the proxy), TFTP
// of Debian's ipxe.efi, iPXE's second DHCP (tagged iPXE, answered with the menu URL), the menu, our kernel and
// ramdisk, and the agent on its task. Everything happens inside network namespaces this test creates.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoopDisk } from '../support/loop-disk.ts';
import { apiClient, freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { createNetnsLab, waitForOutput, type LabProcess, type NetnsLab } from './support/netns-lab.ts';
import { startVm } from './support/qemu.ts';

const MiB = 1024 * 1024;
const bootDir = process.env['BRUME_E2E_BOOT_DIR'] ?? resolve(import.meta.dirname, '../../dist/boot');
const brume = resolve(import.meta.dirname, '../../bin/brume');
const work = mkdtempSync(join(tmpdir(), 'brume-proxy-dhcp-'));
const PC_MAC = '52:54:00:00:20:01';
let lab: NetnsLab;
let server: ServerProcess;
let admin: ReturnType<typeof apiClient>;
let port: number;
let router: LabProcess;
let proxy: LabProcess;

beforeAll(async () => {
  port = await freePort();
  server = await startServerProcess(join(work, 'data'), port, ['--boot', bootDir]);
  admin = apiClient(server.url, server.adminToken);
  lab = createNetnsLab();
  await lab.relayServer(port, join(work, 'server.sock'));

  // The school's router: addresses and a gateway, nothing about booting.
  router = lab.spawnIn(lab.router, 'dnsmasq', [
    '--no-daemon',
    '--conf-file=/dev/null',
    '--port=0',
    '--user=root',
    '--pid-file=',
    '--log-dhcp',
    '--interface=eth0',
    '--bind-interfaces',
    '--dhcp-range=10.77.0.100,10.77.0.199,255.255.255.0,1h',
    `--dhcp-leasefile=${join(work, 'router.leases')}`,
  ]);
  await waitForOutput(router, /DHCP, IP range/, 10);

  // The Brume machine: exactly what `brume dnsmasq-config` prints, run by the real dnsmasq.
  const config = lab.runIn(lab.lan, brume, [
    'dnsmasq-config',
    '--interface',
    'br0',
    '--server',
    `http://${lab.serverAddress}:${port}`,
  ]);
  writeFileSync(join(work, 'brume-dnsmasq.conf'), config);
  proxy = lab.spawnIn(lab.lan, 'dnsmasq', [
    '--no-daemon',
    `--conf-file=${join(work, 'brume-dnsmasq.conf')}`,
    '--user=root',
    '--pid-file=',
    `--dhcp-leasefile=${join(work, 'proxy.leases')}`,
  ]);
  await waitForOutput(proxy, /TFTP root is/, 10);
});

afterAll(async () => {
  await lab?.destroy();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('proxy-DHCP beside an existing router', () => {
  it('a UEFI PC boots from its firmware PXE through ipxe.efi and the menu to the agent running its task', async () => {
    expect((await admin.post('/hosts', { name: 'pc-net', macs: [PC_MAC] })).status).toBe(201);
    const task = await admin.createTask('capture', 'pc-net', 'netboot-image');
    const disk = await createLoopDisk(work, 'pc-net.img', 64 * MiB);
    await disk.detach();
    const vm = startVm({
      work,
      name: 'pc-net',
      disk: join(work, 'pc-net.img'),
      firmware: 'uefi',
      memoryMiB: 512,
      mac: PC_MAC,
      network: { kind: 'tap', netns: lab.lan, ifname: lab.tap },
      nicBoot: 'firmware',
    });
    try {
      const story = (): string =>
        `${vm.commandLine}\n--- vm\n${vm.console.slice(-40).join('\n')}\n--- router\n${router.output.join('\n')}\n--- proxy\n${proxy.output.join('\n')}`;
      // The firmware's PXE client, answered by two servers: the address from the router, ipxe.efi from the proxy.
      await vm
        .waitFor(/NBP filename is ipxe\.efi/, 180)
        .catch((error: Error) => expect.fail(`${error.message}\n${story()}`));
      const lease = await vm.waitFor(/Station IP address is/, 1);
      expect(lease).toMatch(/10\.77\.0\.1\d\d/);
      // iPXE asks again, says it is iPXE, and is sent to the menu with its MAC and platform filled in.
      await vm.waitFor(/boot\/menu\.ipxe/, 120).catch((error: Error) => expect.fail(`${error.message}\n${story()}`));
      const kernelLine = await vm
        .waitFor(/Command line: .*brume\.task=/, 180)
        .catch((error: Error) => expect.fail(`${error.message}\n${story()}`));
      expect(kernelLine).toContain(`brume.server=http://${lab.serverAddress}:${port}`);
      expect(kernelLine).toContain(`brume.task=${task.id}`);
      const network = await vm.waitFor(/brume-init: network: lease/, 120);
      expect(network, 'the ramdisk takes its address from the router, not from the proxy').toContain(
        `from ${lab.routerAddress}`,
      );
      await vm.waitFor(/brume-init: .*starting the agent/, 60);

      // The agent reached the server with this boot's token: the task left "queued".
      const deadline = Date.now() + 60_000;
      let state = 'queued';
      while (state === 'queued' && Date.now() < deadline) {
        state = (await admin.get<{ state: string }>(`/tasks/${task.id}`)).body.state;
        if (state === 'queued') await new Promise((done) => setTimeout(done, 500));
      }
      expect(state, story()).not.toBe('queued');

      expect(
        proxy.output.some((line) => /sent \/usr\/lib\/ipxe\/ipxe\.efi/.test(line)),
        story(),
      ).toBe(true);
      expect(
        proxy.output.some((line) => /bootfile name: http:\/\/10\.77\.0\.1:\d+\/boot\/menu\.ipxe/.test(line)),
        story(),
      ).toBe(true);
      expect(
        router.output.some((line) => line.includes(`DHCPACK(eth0) `) && line.includes(PC_MAC)),
        story(),
      ).toBe(true);
      const menuRequest = server.log.find((line) => line.includes('/boot/menu.ipxe') && line.includes('platform=efi'));
      expect(menuRequest, "the server saw the menu request with iPXE's platform filled in").toBeDefined();
    } finally {
      await vm.kill();
    }
  });
});
