import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDnsmasqConfig } from './dnsmasq-command.ts';
import { ipv4Network, parseIpAddrJson, renderDnsmasqConfig } from './dnsmasq-config.ts';
import type { Terminal } from './output.ts';

const work = mkdtempSync(join(tmpdir(), 'brume-dnsmasq-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What `ip -j addr show dev enp3s0` prints on a school server (trimmed), IPv6 and a secondary address included. */
const IP_JSON = JSON.stringify([
  {
    ifindex: 2,
    ifname: 'enp3s0',
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    mtu: 1500,
    operstate: 'UP',
    address: '52:54:00:12:34:56',
    addr_info: [
      { family: 'inet6', local: 'fe80::5054:ff:fe12:3456', prefixlen: 64, scope: 'link' },
      {
        family: 'inet',
        local: '192.168.10.5',
        prefixlen: 24,
        broadcast: '192.168.10.255',
        scope: 'global',
        label: 'enp3s0',
      },
      { family: 'inet', local: '10.9.0.1', prefixlen: 16, scope: 'global', label: 'enp3s0:1' },
    ],
  },
]);

const enp3s0 = { name: 'enp3s0', address: '192.168.10.5', prefixLength: 24 };
const render = (overrides: Partial<Parameters<typeof renderDnsmasqConfig>[0]> = {}) =>
  renderDnsmasqConfig({ ...enp3s0, serverUrl: 'http://192.168.10.5:8080', tftpRoot: '/usr/lib/ipxe', ...overrides });
const settings = (config: string): string[] =>
  config.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

function capture(): Terminal & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    tty: undefined,
    stdout: () => out,
    stderr: () => err,
  };
}

describe('the dnsmasq configuration', () => {
  it('reads the first global IPv4 address of the interface from ip -j', () => {
    expect(parseIpAddrJson('enp3s0', IP_JSON)).toEqual(enp3s0);
    expect(() =>
      parseIpAddrJson(
        'wg0',
        JSON.stringify([{ ifname: 'wg0', addr_info: [{ family: 'inet6', local: 'fd00::1', prefixlen: 64 }] }]),
      ),
    ).toThrow(/no IPv4 address/);
  });

  it.each([
    ['192.168.10.5', 24, '192.168.10.0', '255.255.255.0'],
    ['10.9.200.1', 16, '10.9.0.0', '255.255.0.0'],
    ['172.16.5.130', 25, '172.16.5.128', '255.255.255.128'],
    ['10.0.2.15', 8, '10.0.0.0', '255.0.0.0'],
    ['192.0.2.7', 32, '192.0.2.7', '255.255.255.255'],
  ])('%s/%i is on network %s, netmask %s', (address, prefix, network, netmask) => {
    expect(ipv4Network(address, prefix)).toEqual({ network, netmask });
  });

  it('is proxy-DHCP + TFTP on that network: iPXE for BIOS and UEFI over TFTP, then the menu over HTTP', () => {
    expect(settings(render())).toEqual([
      'port=0',
      'interface=enp3s0',
      'bind-interfaces',
      'dhcp-range=192.168.10.0,proxy,255.255.255.0',
      'log-dhcp',
      'enable-tftp',
      'tftp-root=/usr/lib/ipxe',
      'dhcp-match=set:ipxe,175',
      'dhcp-userclass=set:ipxe,iPXE',
      'pxe-service=tag:!ipxe,x86PC,"Brume: iPXE (BIOS)",undionly.kpxe',
      'pxe-service=tag:!ipxe,BC_EFI,"Brume: iPXE (UEFI)",ipxe.efi',
      'pxe-service=tag:!ipxe,x86-64_EFI,"Brume: iPXE (UEFI)",ipxe.efi',
      'dhcp-boot=tag:ipxe,http://192.168.10.5:8080/boot/menu.ipxe?mac=${netX/mac}&platform=${platform}',
    ]);
  });

  it('explains every setting: each group of settings opens with its comment', () => {
    const groups = render()
      .split('\n\n')
      .map((group) => group.split('\n').filter((line) => line !== ''));
    for (const group of groups) expect(group[0], group.join('\n')).toMatch(/^# /);
    expect(render()).toMatch(/^# dnsmasq for Brume: proxy-DHCP/);
    expect(render()).toContain('brume server --listen 0.0.0.0:8080');
  });

  it('refuses a server URL too long for the DHCP boot file field', () => {
    expect(() => render({ serverUrl: `http://${'a'.repeat(80)}.example:8080` })).toThrow(/longer than the 127 bytes/);
  });

  it.runIf(existsSync('/usr/sbin/dnsmasq'))('is accepted by dnsmasq --test', () => {
    const file = join(work, 'brume.conf');
    writeFileSync(file, render());
    const output = execFileSync('/usr/sbin/dnsmasq', ['--test', `--conf-file=${file}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(output).toBe('');
  });
});

describe('brume dnsmasq-config', () => {
  const run = async (argv: string[], present = true) => {
    const term = capture();
    const code = await runDnsmasqConfig(argv, {
      term,
      readInterface: async (name) => {
        if (name !== 'enp3s0') throw new Error(`unexpected ${name}`);
        return parseIpAddrJson(name, IP_JSON);
      },
      fileExists: () => present,
    });
    return { code, out: term.stdout(), err: term.stderr() };
  };

  it("defaults the server to the interface address on port 8080 and the TFTP root to Debian's iPXE directory", async () => {
    const { code, out, err } = await run(['--interface', 'enp3s0']);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toContain(
      'dhcp-boot=tag:ipxe,http://192.168.10.5:8080/boot/menu.ipxe?mac=${netX/mac}&platform=${platform}\n',
    );
    expect(out).toContain('tftp-root=/usr/lib/ipxe\n');
  });

  it('takes --server and --tftp-root', async () => {
    const { out } = await run([
      '--interface',
      'enp3s0',
      '--server',
      'http://imaging.lan:9000/',
      '--tftp-root',
      '/srv/tftp',
    ]);
    expect(out).toContain('dhcp-boot=tag:ipxe,http://imaging.lan:9000/boot/menu.ipxe?');
    expect(out).toContain('tftp-root=/srv/tftp\n');
  });

  it('warns when the TFTP root lacks the iPXE binaries, and still prints the configuration', async () => {
    const { code, out, err } = await run(['--interface', 'enp3s0'], false);
    expect(code).toBe(0);
    expect(err).toMatch(/undionly\.kpxe and ipxe\.efi not in \/usr\/lib\/ipxe \(apt install ipxe/);
    expect(out).toContain('port=0');
  });

  it.each([
    [[], /--interface IF is required/],
    [['--interface', 'eth0\nport=53'], /--interface: a network interface name/],
    [['--interface', 'enp3s0', '--server', 'ftp://x'], /--server: an http/],
    [['--interface', 'enp3s0', '--server', 'http://x,y'], /--server: a URL without/],
    [['--interface', 'enp3s0', '--bogus'], /bogus/],
  ])('refuses %j with exit 2', async (argv, message) => {
    const { code, out, err } = await run(argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
  });

  it('reads a real interface with ip -j (the loopback)', async () => {
    const term = capture();
    expect(await runDnsmasqConfig(['--interface', 'lo'], { term, fileExists: () => true })).toBe(0);
    expect(term.stdout()).toContain('dhcp-range=127.0.0.0,proxy,255.0.0.0\n');
    const unknown = capture();
    expect(await runDnsmasqConfig(['--interface', 'nosuchif0'], { term: unknown })).toBe(2);
    expect(unknown.stderr()).toMatch(/no usable network interface nosuchif0/);
  });
});
