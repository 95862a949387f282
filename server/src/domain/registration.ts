import {
  BrumeError,
  type AgentLookupResult,
  type AgentRegistered,
  type Host,
  type HostDetail,
  type Inventory,
} from '@brume/protocol';
import { lockKeys, type DomainContext } from './context.ts';
import { findGroup } from './groups.ts';
import { findHost } from './hosts.ts';
import { nameForNewHost } from './host-names.ts';

/** Which host owns one of these MACs: the first MAC that matches decides (a PC's NIC order may change between boots). */
async function hostByMacs(ctx: DomainContext, macs: readonly string[]): Promise<Host | undefined> {
  for (const mac of macs) {
    const host = await ctx.db.hosts.byMac(mac);
    if (host !== undefined) return host;
  }
  return undefined;
}

export async function lookupHost(ctx: DomainContext, macs: readonly string[]): Promise<AgentLookupResult> {
  const host = await hostByMacs(ctx, macs);
  return { host: host === undefined ? null : { name: host.name } };
}

/**
 * Quick registration: a PC unknown by all of its MACs becomes a host named by the server's pattern, with every MAC it
 * reported; a PC already known gets its inventory recorded and keeps its name. Either way the inventory joins the
 * host's history.
 */
export interface RegistrationChoices {
  /** The server's naming pattern, for a host the technician did not name. */
  pattern: string;
  /** Full registration: what the technician typed in the form. */
  name?: string | undefined;
  group?: string | undefined;
  image?: string | undefined;
}

export async function registerHost(
  ctx: DomainContext,
  inventory: Inventory,
  naming: RegistrationChoices,
): Promise<AgentRegistered> {
  const macs = [...new Set(inventory.nics.map((nic) => nic.mac))];
  if (macs.length === 0)
    throw new BrumeError('BAD_REQUEST', 'the inventory lists no network card: a PC is registered by its MAC addresses');
  // One registration at a time: two PCs of a room booting together must not both take lab-007.
  return ctx.locks.exclusive(lockKeys.registration, async () => {
    const known = await hostByMacs(ctx, macs);
    const receivedAt = ctx.now();
    const full = naming.name !== undefined || naming.group !== undefined || naming.image !== undefined;
    if (known !== undefined && full) {
      throw new BrumeError('HOST_EXISTS', `this PC is registered already, as ${known.name}`, {
        detail: { host: known.name },
      });
    }
    if (known !== undefined) {
      await ctx.db.inventories.add(known.id, { receivedAt, source: 'register', inventory });
      return { host: known, created: false };
    }
    // The form's choices are checked before anything is written: a typo in the group must not leave a half-made host.
    const group = naming.group === undefined ? undefined : await findGroup(ctx, naming.group);
    if (naming.image !== undefined && (await ctx.db.images.byName(naming.image)) === undefined) {
      throw new BrumeError('IMAGE_NOT_FOUND', `no image named ${naming.image} to assign`, {
        detail: { name: naming.image },
      });
    }
    const taken = async (candidate: string): Promise<boolean> => (await ctx.db.hosts.byName(candidate)) !== undefined;
    const name =
      naming.name ?? (await nameForNewHost(naming.pattern, { macs, serial: inventory.system.serial }, taken));
    const host = await ctx.db.hosts.insert({
      name,
      macs,
      diskHint: null,
      image: naming.image ?? null,
      createdAt: receivedAt,
    });
    if (group !== undefined) await ctx.db.groups.addMembers(group.name, [host.id], receivedAt);
    await ctx.db.inventories.add(host.id, { receivedAt, source: 'register', inventory });
    return { host: await findHost(ctx, name), created: true };
  });
}

export async function hostDetail(ctx: DomainContext, name: string): Promise<HostDetail> {
  const host = await findHost(ctx, name);
  return { ...host, inventories: await ctx.db.inventories.list(host.id) };
}
