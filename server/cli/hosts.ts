import { HostCreate, HostName, type Host, type Task } from '@brume/protocol';
import { checkedInput, noPositionals, positional, UsageError, type Args } from './args.ts';
import type { Command, CommandContext } from './command.ts';
import { formatDate, jsonDocument, keyValues, table } from './output.ts';
import { inventoryBlock, inventoryHistory } from './inventory-text.ts';
import { taskTable } from './task-text.ts';
import { wakeCommand } from './wake.ts';

const hostName = (args: Args): string => checkedInput(HostName, positional(args, 'NAME'), { '': 'NAME' });

export function hostBlock(host: Host): string {
  return keyValues([
    ['host', host.name],
    ['id', String(host.id)],
    ['macs', host.macs.join('\n')],
    ['disk', host.diskHint ?? "(the agent's choice)"],
    ['image', host.image ?? '-'],
    ['groups', host.groups.length === 0 ? '-' : host.groups.join(', ')],
    ['created', formatDate(host.createdAt)],
  ]);
}

export function hostTable(hosts: readonly Host[]): string {
  if (hosts.length === 0) return 'no hosts yet: brume host add NAME --mac MAC\n';
  return table(hosts, [
    { header: 'NAME', value: (host) => host.name },
    { header: 'MACS', value: (host) => host.macs.join(',') },
    { header: 'DISK', value: (host) => host.diskHint ?? '-' },
    { header: 'IMAGE', value: (host) => host.image ?? '-' },
    { header: 'GROUPS', value: (host) => (host.groups.length === 0 ? '-' : host.groups.join(',')) },
    { header: 'CREATED', value: (host) => formatDate(host.createdAt) },
  ]);
}

const add: Command = {
  synopsis: 'host add NAME --mac MAC [--mac MAC …] [--disk /dev/X] [--image I] [--group G …]',
  flags: {
    mac: { type: 'string', multiple: true },
    disk: { type: 'string' },
    image: { type: 'string' },
    group: { type: 'string', multiple: true },
  },
  prepare(args) {
    const name = positional(args, 'NAME');
    if (args.strings('mac').length === 0) throw new UsageError('--mac is required (once per network card)');
    const input = checkedInput(
      HostCreate,
      {
        name,
        macs: args.strings('mac'),
        groups: args.strings('group'),
        ...(args.string('disk') === undefined ? {} : { diskHint: args.string('disk') }),
        ...(args.string('image') === undefined ? {} : { image: args.string('image') }),
      },
      { name: 'NAME', macs: '--mac', diskHint: '--disk', image: '--image', groups: '--group' },
    );
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('hostCreate', { body: input });
      term.out(json ? jsonDocument(body) : `added host ${value.name}\n${hostBlock(value)}`);
      return 0;
    };
  },
};

const list: Command = {
  synopsis: 'host list',
  flags: {},
  prepare(args) {
    noPositionals(args);
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('hostList', {});
      term.out(json ? jsonDocument(body) : hostTable(value.hosts));
      return 0;
    };
  },
};

async function recentTasks(context: CommandContext, host: string): Promise<readonly Task[]> {
  return (await context.client.call('taskList', { query: { host, limit: 5 } })).value.tasks;
}

const show: Command = {
  synopsis: 'host show NAME',
  flags: {},
  prepare(args) {
    const name = hostName(args);
    return async (context) => {
      const { value, body } = await context.client.call('hostShow', { params: { name } });
      if (context.json) {
        context.term.out(jsonDocument(body));
        return 0;
      }
      const tasks = await recentTasks(context, name);
      const [newest] = value.inventories;
      const inventory =
        newest === undefined
          ? '\nno inventory yet (quick registration or an inventory task sends one)\n'
          : `\n${inventoryBlock(newest)}\n${inventoryHistory(value.inventories)}`;
      context.term.out(
        `${hostBlock(value)}${inventory}${tasks.length === 0 ? '\nno tasks yet\n' : `\nrecent tasks:\n${taskTable(tasks)}`}`,
      );
      return 0;
    };
  },
};

const remove: Command = {
  synopsis: 'host delete NAME',
  flags: {},
  prepare(args) {
    const name = hostName(args);
    return async ({ client, term, json }) => {
      await client.call('hostDelete', { params: { name } });
      if (!json) term.out(`deleted host ${name}\n`);
      return 0;
    };
  },
};

export const hostCommands: Readonly<Record<string, Command>> = { add, list, show, delete: remove, wake: wakeCommand };
