import { BrumeError } from '@brume/protocol';
import { z } from 'zod';

/**
 * `brume dnsmasq-config`: the text of a dnsmasq configuration for proxy-DHCP + TFTP, so PCs network-boot into Brume
 * while the school's own DHCP server keeps giving out addresses (the way FOG is run). Pure: the command reads the
 * interface, this writes the file.
 */

/** Where Debian's `ipxe` package puts undionly.kpxe (BIOS) and ipxe.efi (x86-64 UEFI). */
export const DEBIAN_IPXE_DIR = '/usr/lib/ipxe';
export const IPXE_BIOS_FILE = 'undionly.kpxe';
export const IPXE_UEFI_FILE = 'ipxe.efi';
export const DEFAULT_SERVER_PORT = 8080;

/** The IPv4 address of an interface, as `ip -j addr show` gives it. */
export interface InterfaceAddress {
  name: string;
  address: string;
  prefixLength: number;
}

export interface DnsmasqInput extends InterfaceAddress {
  /** The Brume server as PCs reach it (no trailing slash). */
  serverUrl: string;
  tftpRoot: string;
}

/** The DHCP `file` field holds 128 bytes, NUL included: the menu URL must fit. */
const BOOT_FILE_FIELD_MAX = 127;

const IpAddrJson = z.array(
  z.object({
    ifname: z.string(),
    addr_info: z
      .array(
        z.object({ family: z.string(), local: z.string(), prefixlen: z.number().int(), scope: z.string().optional() }),
      )
      .default([]),
  }),
);

/** The interface's IPv4 address from `ip -j addr show dev IF`: the first of global scope, else the first at all. */
export function parseIpAddrJson(name: string, json: string): InterfaceAddress {
  const parsed = IpAddrJson.safeParse(JSON.parse(json));
  if (!parsed.success)
    throw new BrumeError('BAD_REQUEST', `could not read the addresses of ${name} from \`ip -j addr\``, {
      detail: parsed.error.issues,
    });
  const inet = (parsed.data[0]?.addr_info ?? []).filter((info) => info.family === 'inet');
  const chosen = inet.find((info) => info.scope === 'global') ?? inet[0];
  if (chosen === undefined)
    throw new BrumeError('BAD_REQUEST', `interface ${name} has no IPv4 address: give it one on the PCs' network first`);
  return { name, address: chosen.local, prefixLength: chosen.prefixlen };
}

function ipv4ToNumber(address: string): number {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) {
    throw new BrumeError('BAD_REQUEST', `${address} is not an IPv4 address`);
  }
  return parts.reduce((value, part) => value * 256 + part, 0);
}

const numberToIpv4 = (value: number): string =>
  [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');

/** The network an address belongs to, and its netmask: 192.168.1.23/24 → 192.168.1.0, 255.255.255.0. */
export function ipv4Network(address: string, prefixLength: number): { network: string; netmask: string } {
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32)
    throw new BrumeError('BAD_REQUEST', `/${prefixLength} is not an IPv4 prefix length`);
  const mask = prefixLength === 0 ? 0 : 0xffffffff - (2 ** (32 - prefixLength) - 1);
  const network = ipv4ToNumber(address) - (ipv4ToNumber(address) % 2 ** (32 - prefixLength));
  return { network: numberToIpv4(network), netmask: numberToIpv4(mask) };
}

/**
 * The URL iPXE fetches its script from. iPXE fills in `${netX/mac}` (the MAC of the card it booted from) and
 * `${platform}` (pcbios or efi) before the request; the server answers per host.
 */
export function menuUrl(serverUrl: string): string {
  return `${serverUrl}/boot/menu.ipxe?mac=\${netX/mac}&platform=\${platform}`;
}

/** The configuration, every line explained. */
export function renderDnsmasqConfig(input: DnsmasqInput): string {
  const { network, netmask } = ipv4Network(input.address, input.prefixLength);
  const bootUrl = menuUrl(input.serverUrl);
  if (bootUrl.length > BOOT_FILE_FIELD_MAX) {
    throw new BrumeError(
      'BAD_REQUEST',
      `the menu URL ${bootUrl} is longer than the ${BOOT_FILE_FIELD_MAX} bytes a DHCP boot file name may hold: use a shorter --server URL`,
    );
  }
  const lines = [
    `# dnsmasq for Brume: proxy-DHCP + TFTP on ${input.name} (${input.address}/${input.prefixLength}), PCs boot from ${input.serverUrl}.`,
    '# Made by `brume dnsmasq-config`. Use it as /etc/dnsmasq.d/brume.conf, or run: dnsmasq --no-daemon --conf-file=THIS_FILE',
    "# Proxy-DHCP gives out no address: the network's own DHCP server keeps doing that, untouched. This dnsmasq only",
    '# tells the PCs that ask for a network boot what to load. The Brume server must listen where the PCs reach it',
    `# (brume server --listen 0.0.0.0:${DEFAULT_SERVER_PORT}, or the port of --server).`,
    '',
    "# No DNS: port 0 turns dnsmasq's name server off.",
    'port=0',
    '# Serve only the network of the PCs, and bind to that interface alone so another dnsmasq on this machine can coexist.',
    `interface=${input.name}`,
    'bind-interfaces',
    `# Proxy mode on ${network}/${input.prefixLength}: answer PXE requests with boot information, never with an address.`,
    `dhcp-range=${network},proxy,${netmask}`,
    '# Log every DHCP exchange (journalctl -u dnsmasq): what each PC asked for and what it was told.',
    'log-dhcp',
    '',
    "# dnsmasq's own TFTP server hands out the iPXE binaries of Debian's ipxe package (apt install ipxe).",
    'enable-tftp',
    `tftp-root=${input.tftpRoot}`,
    '',
    '# A PC already running iPXE says so (DHCP option 175, user class "iPXE"): tag its requests "ipxe".',
    'dhcp-match=set:ipxe,175',
    'dhcp-userclass=set:ipxe,iPXE',
    "# A PC's own PXE firmware (not iPXE yet) first gets iPXE over TFTP: undionly.kpxe on BIOS (client arch 0),",
    `pxe-service=tag:!ipxe,x86PC,"Brume: iPXE (BIOS)",${IPXE_BIOS_FILE}`,
    '# and ipxe.efi on x86-64 UEFI: client arch 7 (dnsmasq calls it BC_EFI) and 9 (x86-64_EFI), as firmware sends either.',
    `pxe-service=tag:!ipxe,BC_EFI,"Brume: iPXE (UEFI)",${IPXE_UEFI_FILE}`,
    `pxe-service=tag:!ipxe,x86-64_EFI,"Brume: iPXE (UEFI)",${IPXE_UEFI_FILE}`,
    '# iPXE then asks again, tagged. A pxe-service cannot name an HTTP URL, but in proxy mode dnsmasq puts the dhcp-boot',
    '# file name in its answer for a client no pxe-service matches: iPXE fetches that URL, filling in its MAC and platform,',
    '# and the Brume server answers with the ramdisk for a PC with a waiting task, or a boot from its local disk.',
    `dhcp-boot=tag:ipxe,${bootUrl}`,
  ];
  return `${lines.join('\n')}\n`;
}
