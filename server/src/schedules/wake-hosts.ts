import { networkInterfaces } from 'node:os';
import type { WakeSent } from '@brume/protocol';
import type { Database } from '../db/database.ts';
import type { HostRecord } from '../db/hosts.ts';
import { magicPacket, subnetBroadcast, WAKE_PORT, type PacketSender } from './wake-on-lan.ts';

/** Where a magic packet goes when the host's inventory does not say, or why there is nowhere to send it. */
export type WakeFallback = { address: string; via: 'server-option' | 'listen-interface' } | { error: string };

/**
 * The server's own answer: `--wake-broadcast ADDR`, else the broadcast of the subnet of the interface holding the
 * listen address. Loopback and the wildcard address name no room of PCs, so they give an error to report instead.
 */
export function serverWakeFallback(wakeBroadcast: string | null, listenHost: string): WakeFallback {
  if (wakeBroadcast !== null) return { address: wakeBroadcast, via: 'server-option' };
  for (const addresses of Object.values(networkInterfaces())) {
    const entry = addresses?.find((candidate) => candidate.family === 'IPv4' && candidate.address === listenHost);
    if (entry === undefined) continue;
    if (entry.internal)
      return {
        error: `the server listens on loopback (${listenHost}), where no PC is: give brume server --wake-broadcast ADDR`,
      };
    const address = entry.cidr === null ? null : subnetBroadcast(entry.cidr);
    if (address === null)
      return {
        error: `the listen address ${entry.cidr ?? listenHost} has no subnet broadcast: give brume server --wake-broadcast ADDR`,
      };
    return { address, via: 'listen-interface' };
  }
  return { error: `no interface holds the listen address ${listenHost}: give brume server --wake-broadcast ADDR` };
}

export interface WakeDeps {
  db: Database;
  send: PacketSender;
  /** Asked for each MAC the inventory says nothing about (evaluated then: interfaces come and go). */
  fallback: () => WakeFallback;
}

/** The broadcast of the subnet the NIC with this MAC had in the host's newest inventory, if it had one. */
function inventoryBroadcast(nics: readonly { mac: string; ipv4: readonly string[] }[], mac: string): string | null {
  const nic = nics.find((candidate) => candidate.mac === mac);
  for (const cidr of nic?.ipv4 ?? []) {
    const address = subnetBroadcast(cidr);
    if (address !== null) return address;
  }
  return null;
}

/**
 * One magic packet per MAC of each host, to the broadcast of the subnet its inventory placed it in, else the server's
 * fallback. Never throws: each packet's outcome, sent or not and why, is in the report.
 */
export async function wakeHosts(deps: WakeDeps, hosts: readonly HostRecord[]): Promise<WakeSent[]> {
  const report: WakeSent[] = [];
  for (const host of hosts) {
    const [newest] = await deps.db.inventories.list(host.id);
    for (const mac of host.macs) {
      const known = newest === undefined ? null : inventoryBroadcast(newest.inventory.nics, mac);
      const target = known === null ? deps.fallback() : ({ address: known, via: 'inventory' } as const);
      const base = { host: host.name, mac, port: WAKE_PORT };
      if ('error' in target) {
        report.push({
          ...base,
          address: null,
          via: null,
          sent: false,
          error: `no broadcast address: ${host.name} has no inventory with an IPv4 address on this NIC, and ${target.error}`,
        });
        continue;
      }
      try {
        await deps.send(magicPacket(mac), target.address, WAKE_PORT);
        report.push({ ...base, address: target.address, via: target.via, sent: true, error: null });
      } catch (error) {
        report.push({
          ...base,
          address: target.address,
          via: target.via,
          sent: false,
          error: (error as Error).message,
        });
      }
    }
  }
  return report;
}
