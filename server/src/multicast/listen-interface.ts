import { networkInterfaces } from 'node:os';

/**
 * The interface holding this address (the server's listen address): where its PCs are, so where multicast goes.
 * null for a wildcard or an address no interface holds; udp-sender then uses its own default (eth0).
 */
export function interfaceHolding(address: string): string | null {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (addresses?.some((entry) => entry.address === address) === true) return name;
  }
  return null;
}
