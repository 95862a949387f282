import { GroupAdd, GroupName, GroupRemove, type Group } from '@brume/protocol';
import { checkedInput, noPositionals, positional, UsageError, type Args } from './args.ts';
import type { Command } from './command.ts';
import { formatDate, jsonDocument, keyValues, table } from './output.ts';

const groupName = (args: Args): string => checkedInput(GroupName, positional(args, 'NAME'), { '': 'NAME' });

/** `--hosts a,b,c` (and repeated flags), as a technician types a room. */
export function hostList(args: Args): string[] {
  return args
    .strings('hosts')
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

export function groupBlock(group: Group): string {
  return keyValues([
    ['group', group.name],
    ['hosts', group.hosts.length === 0 ? '-' : group.hosts.join(', ')],
    ['created', formatDate(group.createdAt)],
  ]);
}

const add: Command = {
  synopsis: 'group add NAME --hosts a,b,c',
  flags: { hosts: { type: 'string', multiple: true } },
  prepare(args) {
    const input = checkedInput(
      GroupAdd,
      { name: positional(args, 'NAME'), hosts: hostList(args) },
      { name: 'NAME', hosts: '--hosts' },
    );
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('groupAdd', { body: input });
      term.out(json ? jsonDocument(body) : `group ${value.name}: ${value.hosts.length} host(s)\n${groupBlock(value)}`);
      return 0;
    };
  },
};

const remove: Command = {
  synopsis: 'group remove NAME --hosts a,b',
  flags: { hosts: { type: 'string', multiple: true } },
  prepare(args) {
    const name = groupName(args);
    const hosts = hostList(args);
    if (hosts.length === 0) throw new UsageError('--hosts is required: the hosts that leave the group');
    const input = checkedInput(GroupRemove, { hosts }, { hosts: '--hosts' });
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('groupRemove', { params: { name }, body: input });
      term.out(json ? jsonDocument(body) : groupBlock(value));
      return 0;
    };
  },
};

const list: Command = {
  synopsis: 'group list',
  flags: {},
  prepare(args) {
    noPositionals(args);
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('groupList', {});
      if (json) term.out(jsonDocument(body));
      else if (value.groups.length === 0) term.out('no groups yet: brume group add NAME --hosts a,b,c\n');
      else
        term.out(
          table(value.groups, [
            { header: 'NAME', value: (group) => group.name },
            { header: 'HOSTS', value: (group) => String(group.hosts.length) },
            { header: 'MEMBERS', value: (group) => group.hosts.join(',') },
          ]),
        );
      return 0;
    };
  },
};

const show: Command = {
  synopsis: 'group show NAME',
  flags: {},
  prepare(args) {
    const name = groupName(args);
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('groupShow', { params: { name } });
      term.out(json ? jsonDocument(body) : groupBlock(value));
      return 0;
    };
  },
};

const deleteGroup: Command = {
  synopsis: 'group delete NAME',
  flags: {},
  prepare(args) {
    const name = groupName(args);
    return async ({ client, term, json }) => {
      await client.call('groupDelete', { params: { name } });
      if (!json) term.out(`deleted group ${name} (its hosts stay)\n`);
      return 0;
    };
  },
};

export const groupCommands: Readonly<Record<string, Command>> = { add, remove, list, show, delete: deleteGroup };
