import { BrumeError, type Group, type GroupAdd } from '@brume/protocol';
import type { z } from 'zod';
import type { GroupRecord } from '../db/groups.ts';
import type { HostRecord } from '../db/hosts.ts';
import type { DomainContext } from './context.ts';

const toGroup = ({ name, hosts, createdAt }: GroupRecord): Group => ({ name, hosts, createdAt });

/** Every named host, or one error naming all the unknown ones (a typo in a list of 30 should not take 30 tries). */
export async function hostsNamed(ctx: DomainContext, names: readonly string[]): Promise<HostRecord[]> {
  const found = await Promise.all(names.map(async (name) => ({ name, host: await ctx.db.hosts.byName(name) })));
  const missing = found.filter((entry) => entry.host === undefined).map((entry) => entry.name);
  if (missing.length > 0)
    throw new BrumeError('HOST_NOT_FOUND', `no host named ${missing.join(', ')}`, { detail: { names: missing } });
  return found.map((entry) => entry.host as HostRecord);
}

export async function findGroup(ctx: DomainContext, name: string): Promise<GroupRecord> {
  const group = await ctx.db.groups.byName(name);
  if (group !== undefined) return group;
  const names = (await ctx.db.groups.list()).map((known) => known.name);
  const known =
    names.length === 0
      ? 'there are no groups yet (brume group add NAME --hosts …)'
      : `the groups are ${names.join(', ')}`;
  throw new BrumeError('GROUP_NOT_FOUND', `no group named ${name}: ${known}`, { detail: { name, groups: names } });
}

/** Creates the group if needed and adds the hosts; a host already in it stays once. */
export async function addToGroup(ctx: DomainContext, input: z.output<typeof GroupAdd>): Promise<Group> {
  const hosts = await hostsNamed(ctx, input.hosts);
  return toGroup(
    await ctx.db.groups.addMembers(
      input.name,
      hosts.map((host) => host.id),
      ctx.now(),
    ),
  );
}

export async function removeFromGroup(ctx: DomainContext, name: string, hostNames: readonly string[]): Promise<Group> {
  const group = await findGroup(ctx, name);
  const hosts = await hostsNamed(ctx, hostNames);
  await ctx.db.groups.removeMembers(
    group.id,
    hosts.map((host) => host.id),
  );
  return toGroup(await findGroup(ctx, name));
}

export async function listGroups(ctx: DomainContext): Promise<{ groups: Group[] }> {
  return { groups: (await ctx.db.groups.list()).map(toGroup) };
}

export async function showGroup(ctx: DomainContext, name: string): Promise<Group> {
  return toGroup(await findGroup(ctx, name));
}

/** The group goes; its hosts and their task history stay. */
export async function deleteGroup(ctx: DomainContext, name: string): Promise<void> {
  await ctx.db.groups.remove((await findGroup(ctx, name)).id);
}
