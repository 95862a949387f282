import { BrumeError, type Host, type HostCreate } from '@brume/protocol';
import type { z } from 'zod';
import type { HostRecord } from '../db/hosts.ts';
import type { DomainContext } from './context.ts';

type HostInput = z.output<typeof HostCreate>;

/** An admin's new host; the groups it names are created as needed (`brume host add … --group lab-2`). */
export async function createHost(ctx: DomainContext, input: HostInput): Promise<Host> {
  if (input.image !== undefined && (await ctx.db.images.byName(input.image)) === undefined) {
    throw new BrumeError('IMAGE_NOT_FOUND', `no image named ${input.image} to assign`, {
      detail: { name: input.image },
    });
  }
  const createdAt = ctx.now();
  const host = await ctx.db.hosts.insert({
    name: input.name,
    macs: [...new Set(input.macs)],
    diskHint: input.diskHint ?? null,
    image: input.image ?? null,
    createdAt,
  });
  for (const group of input.groups) await ctx.db.groups.addMembers(group, [host.id], createdAt);
  return findHost(ctx, host.name);
}

export async function listHosts(ctx: DomainContext): Promise<{ hosts: Host[] }> {
  return { hosts: await ctx.db.hosts.list() };
}

export async function findHost(ctx: DomainContext, name: string): Promise<HostRecord> {
  const host = await ctx.db.hosts.byName(name);
  if (host === undefined) throw new BrumeError('HOST_NOT_FOUND', `no host named ${name}`, { detail: { name } });
  return host;
}

/** A host with a queued or running task stays: its agent is (or is about to be) at work. Its task history stays too. */
export async function deleteHost(ctx: DomainContext, name: string): Promise<void> {
  const host = await findHost(ctx, name);
  const active = await ctx.db.tasks.activeHostTasks(host.id);
  if (active > 0)
    throw new BrumeError('TASK_STATE', `host ${name} has ${active} queued or running task(s); cancel them first`);
  await ctx.db.hosts.remove(host.id);
}
