import { BrumeError, type Host, type HostCreate } from '@brume/protocol';
import type { z } from 'zod';
import type { HostRecord } from '../db/hosts.ts';
import type { DomainContext } from './context.ts';

type HostInput = z.output<typeof HostCreate>;

export async function createHost(ctx: DomainContext, input: HostInput): Promise<Host> {
  return ctx.db.hosts.insert({ name: input.name, macs: [...new Set(input.macs)], diskHint: input.diskHint ?? null, createdAt: ctx.now() });
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
  if (active > 0) throw new BrumeError('TASK_STATE', `host ${name} has ${active} queued or running task(s); cancel them first`);
  await ctx.db.hosts.remove(host.id);
}
