import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InventoryNic } from '@brume/protocol';
import { reason, type InventorySources, type Warn } from './deps.ts';
import { cleanText, linkName, readInteger, readText } from './sysfs.ts';

export const MAX_NICS = 64;

/**
 * `ip -o -4 addr show` → addresses with prefix length by interface. The one-line form is the same in iproute2 and in
 * busybox's `ip` (the ramdisk's): "2: eth0    inet 192.168.1.20/24 brd … scope global eth0\ …". A point-to-point
 * address ("inet A peer B/32") has no prefix of its own and is left out.
 */
export function parseIpv4(output: string): Map<string, string[]> {
  const addresses = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    const match = /^\d+:\s+([^\s@]+)(?:@\S+)?\s+inet\s+(\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2})\s/.exec(line);
    if (match === null) continue;
    const [, name, address] = match as unknown as [string, string, string];
    addresses.set(name, [...(addresses.get(name) ?? []), address]);
  }
  return addresses;
}

/**
 * The negotiated speed in Mb/s, or null. The kernel answers -1 (SPEED_UNKNOWN) or EINVAL when the link is down or the
 * driver does not know (virtio_net says -1 even when up); some drivers give 65535, the 16-bit "unknown".
 */
function speedOf(dir: string, link: boolean): number | null {
  if (!link) return null;
  const speed = readInteger(join(dir, 'speed'));
  return speed === undefined || speed <= 0 || speed === 65535 ? null : speed;
}

/**
 * The PC's network cards from /sys/class/net: those with a `device` link, i.e. hardware (lo, bridges, bonds, VLANs,
 * tun, veth, ifb have none). The MAC is the current address, the one DHCP and the server see. No ethtool in the
 * ramdisk, and systeminformation's networkInterfaces() wants it (and nmcli, iw) for what sysfs says directly.
 */
export async function readNics(src: InventorySources, warn: Warn): Promise<InventoryNic[]> {
  const netDir = join(src.sysRoot, 'class', 'net');
  let ipv4 = new Map<string, string[]>();
  try {
    ipv4 = parseIpv4((await src.run('ip', ['-o', '-4', 'addr', 'show'])).stdout);
  } catch (error) {
    warn(`IPv4 addresses not read: ${reason(error)}`);
  }
  const names = readdirSync(netDir)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .filter((name) => name !== 'lo');
  let chosen = names.filter((name) => existsSync(join(netDir, name, 'device')));
  if (chosen.length === 0) {
    // No hardware at all (a container, a test's network namespace): the interfaces with an address stand for the PC,
    // which a server knows by MAC; said as a warning, since on a real PC it would mean a missing driver.
    chosen = names.filter((name) => (ipv4.get(name) ?? []).length > 0);
    if (chosen.length > 0) warn(`no hardware network card: this PC is known by ${chosen.join(', ')} (virtual)`);
  }
  const nics: InventoryNic[] = [];
  for (const name of chosen) {
    const dir = join(netDir, name);
    const mac = readText(join(dir, 'address'))?.toLowerCase() ?? '';
    if (!InventoryNic.shape.mac.safeParse(mac).success || mac === '00:00:00:00:00:00') {
      // InfiniBand's 20-byte addresses, or a card that lost its EEPROM: no MAC a PC can be known by.
      warn(`network card ${name}: address "${mac}" is not a usable MAC; left out`);
      continue;
    }
    if (!InventoryNic.shape.name.safeParse(name).success) {
      warn(`network card ${name}: a name the protocol does not accept; left out`);
      continue;
    }
    // carrier is EINVAL while the interface is down: no link we know of. Bringing it up to look would send packets.
    const link = readText(join(dir, 'carrier')) === '1';
    nics.push({
      name,
      mac,
      driver: cleanText(linkName(join(dir, 'device', 'driver'))),
      speedMbps: speedOf(dir, link),
      link,
      ipv4: ipv4.get(name) ?? [],
    });
  }
  if (nics.length > MAX_NICS) warn(`${nics.length} network cards: only the first ${MAX_NICS} are listed`);
  return nics.slice(0, MAX_NICS);
}
