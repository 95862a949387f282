import { afterAll, describe, expect, it } from 'vitest';
import { inventorySources } from './deps.ts';
import { addNic, fakeRunner, fixtureTree, type FakeAnswer } from '../../../test/fixtures/inventory-tree.ts';
import { parseIpv4, readNics } from './nics.ts';

const tree = fixtureTree();
afterAll(() => tree.remove());

addNic(tree, { name: 'lo', address: '00:00:00:00:00:00', carrier: '1' });
addNic(tree, {
  name: 'eno1',
  devicePath: 'pci0000:00/0000:00:1f.6',
  address: '8C:16:45:AA:BB:CC',
  carrier: '1',
  speed: '1000',
  driver: 'e1000e',
});
// virtio_net: link up, speed -1 (the driver does not know).
addNic(tree, {
  name: 'eth0',
  devicePath: 'pci0000:00/0000:00:03.0/virtio0',
  address: '52:54:00:12:34:56',
  carrier: '1',
  speed: '-1',
  driver: 'virtio_net',
});
// Interface down: carrier and speed are EINVAL, i.e. absent from the tree.
addNic(tree, {
  name: 'enp3s0',
  devicePath: 'pci0000:00/0000:00:1c.0/0000:03:00.0',
  address: '00:e0:4c:68:00:01',
  driver: 'r8169',
});
addNic(tree, {
  name: 'eth10',
  devicePath: 'pci0000:00/0000:00:1c.1/0000:04:00.0',
  address: '00:1b:21:00:00:0a',
  carrier: '0',
  speed: '10000',
});
// Virtual interfaces: no device link.
addNic(tree, { name: 'br0', address: '8c:16:45:aa:bb:cc', carrier: '1' });
addNic(tree, { name: 'veth1a2b', address: '6a:1f:00:00:00:01', carrier: '1', speed: '10000' });
// InfiniBand: a 20-byte hardware address, no MAC.
addNic(tree, {
  name: 'ib0',
  devicePath: 'pci0000:00/0000:00:02.0/0000:05:00.0',
  address: '80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:bc:de',
  carrier: '1',
  speed: '40000',
});

// busybox's `ip -o -4 addr show`, with a secondary (labelled) address on eno1 and one on the bridge.
const busyboxIp = [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  '2: eno1    inet 192.168.1.20/24 brd 192.168.1.255 scope global eno1\\       valid_lft forever preferred_lft forever',
  '2: eno1    inet 10.0.0.5/8 scope global secondary eno1:1\\       valid_lft forever preferred_lft forever',
  '3: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0\\       valid_lft 86000sec preferred_lft 86000sec',
  '7: br0    inet 172.16.0.1/16 scope global br0\\       valid_lft forever preferred_lft forever',
].join('\n');

async function read(
  answers: Record<string, FakeAnswer>,
): Promise<{ nics: Awaited<ReturnType<typeof readNics>>; warnings: string[] }> {
  const warnings: string[] = [];
  const nics = await readNics(inventorySources({ run: fakeRunner(answers), sysRoot: tree.sys }), (message) =>
    warnings.push(message),
  );
  return { nics, warnings };
}

describe('network cards from /sys/class/net', () => {
  it('lists the hardware NICs with MAC, driver, link, speed and IPv4; virtual ones and lo are left out', async () => {
    const { nics, warnings } = await read({ ip: { stdout: busyboxIp } });
    expect(nics).toEqual([
      {
        name: 'eno1',
        mac: '8c:16:45:aa:bb:cc',
        driver: 'e1000e',
        speedMbps: 1000,
        link: true,
        ipv4: ['192.168.1.20/24', '10.0.0.5/8'],
      },
      { name: 'enp3s0', mac: '00:e0:4c:68:00:01', driver: 'r8169', speedMbps: null, link: false, ipv4: [] },
      {
        name: 'eth0',
        mac: '52:54:00:12:34:56',
        driver: 'virtio_net',
        speedMbps: null,
        link: true,
        ipv4: ['10.0.2.15/24'],
      },
      // A speed the driver still reports with no carrier is stale: null.
      { name: 'eth10', mac: '00:1b:21:00:00:0a', driver: null, speedMbps: null, link: false, ipv4: [] },
    ]);
    expect(warnings).toEqual([expect.stringMatching(/^network card ib0: address .* not a usable MAC/)]);
  });

  it('without `ip`: the NICs all the same, no addresses, one warning', async () => {
    const { nics, warnings } = await read({});
    expect(nics.map((nic) => [nic.name, nic.ipv4])).toEqual([
      ['eno1', []],
      ['enp3s0', []],
      ['eth0', []],
      ['eth10', []],
    ]);
    expect(warnings[0]).toMatch(/^IPv4 addresses not read: .*ENOENT/);
  });

  it('with no hardware card at all (a container, a namespace): the virtual interfaces with an address, and a warning', async () => {
    const bare = fixtureTree();
    addNic(bare, { name: 'lo', address: '00:00:00:00:00:00', carrier: '1' });
    addNic(bare, { name: 'eth0', address: '6a:1f:00:00:00:02', carrier: '1', speed: '10000' });
    addNic(bare, { name: 'veth9', address: '6a:1f:00:00:00:03', carrier: '1' });
    const warnings: string[] = [];
    const ip =
      '2: eth0    inet 10.79.0.14/24 brd 10.79.0.255 scope global eth0\\       valid_lft forever preferred_lft forever';
    const nics = await readNics(
      inventorySources({ run: fakeRunner({ ip: { stdout: ip } }), sysRoot: bare.sys }),
      (message) => warnings.push(message),
    );
    bare.remove();
    expect(nics.map((nic) => [nic.name, nic.mac, nic.ipv4])).toEqual([
      ['eth0', '6a:1f:00:00:00:02', ['10.79.0.14/24']],
    ]);
    expect(warnings).toEqual(['no hardware network card: this PC is known by eth0 (virtual)']);
  });

  it('reads iproute2 output the same way, VLAN names without their @parent', () => {
    const iproute2 = [
      '2: enp0s31f6    inet 192.168.10.7/24 metric 100 brd 192.168.10.255 scope global dynamic enp0s31f6\\       valid_lft 3599sec preferred_lft 3599sec',
      '5: enp0s31f6.20@enp0s31f6    inet 10.20.0.2/24 brd 10.20.0.255 scope global enp0s31f6.20\\       valid_lft forever preferred_lft forever',
      '6: tun0    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0\\       valid_lft forever preferred_lft forever',
    ].join('\n');
    expect(Object.fromEntries(parseIpv4(iproute2))).toEqual({
      enp0s31f6: ['192.168.10.7/24'],
      'enp0s31f6.20': ['10.20.0.2/24'],
    });
  });
});
