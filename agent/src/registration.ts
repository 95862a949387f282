import type { AgentRegistered } from '@brume/protocol';
import type { CollectedInventory } from './inventory/collect.ts';
import { MenuServer } from './menu/server-calls.ts';

export type { CollectedInventory } from './inventory/collect.ts';

export interface RegistrationDeps {
  collect: () => Promise<CollectedInventory>;
  /** A line for the technician's screen. */
  say: (line: string) => void;
  retryDeadlineMs: number;
}

export interface RegistrationOutcome extends AgentRegistered {
  warnings: string[];
}

/**
 * Quick registration (FOG's name for it): reads this PC's inventory and sends it to the server, which creates the host
 * (named by its pattern) or, for a PC it already knows by a MAC, records the inventory in the host's history. No token:
 * registering changes no disk, and the server hands out nothing in return but the host's name.
 */
export async function registerThisPc(server: string, deps: RegistrationDeps): Promise<RegistrationOutcome> {
  deps.say("reading this PC's hardware (disks, network cards, memory, firmware)…");
  const { inventory, warnings } = await deps.collect();
  for (const warning of warnings) deps.say(`  note: ${warning}`);
  const macs = inventory.nics.map((nic) => nic.mac).join(', ');
  deps.say(`registering with ${server} (MACs ${macs})…`);
  const registered = await new MenuServer(server, deps.retryDeadlineMs).register(inventory);
  return { ...registered, warnings };
}

export function describeRegistration(outcome: RegistrationOutcome): string {
  return outcome.created
    ? `registered as ${outcome.host.name} (a new host with ${outcome.host.macs.length} MAC address${outcome.host.macs.length === 1 ? '' : 'es'})`
    : `already registered as ${outcome.host.name}: the inventory joins its history`;
}
