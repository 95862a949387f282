import { text } from 'node:stream/consumers';
import { PinCreate, TechCreate, TechName } from '@brume/protocol';
import { checkedInput, noPositionals, positional, UsageError, wholeNumber, type Args } from './args.ts';
import type { Command } from './command.ts';
import { formatDate, jsonDocument, table } from './output.ts';

const techName = (args: Args): string => checkedInput(TechName, positional(args, 'NAME'), { '': 'NAME' });

const add: Command = {
  synopsis: 'tech add NAME --password-stdin',
  flags: { 'password-stdin': { type: 'boolean', default: false } },
  prepare(args) {
    const name = techName(args);
    // Never a --password flag: it would sit in the shell's history and in `ps` for everyone to read.
    if (!args.flag('password-stdin'))
      throw new UsageError(
        '--password-stdin is required: pipe the password in (printf %s "$PASSWORD" | brume tech add NAME --password-stdin)',
      );
    return async ({ client, term, json }) => {
      const password = (await text(process.stdin)).replace(/\r?\n$/, '');
      const input = checkedInput(TechCreate, { name, password }, { name: 'NAME', password: 'the password' });
      const { value, body } = await client.call('techAdd', { body: input });
      term.out(
        json
          ? jsonDocument(body)
          : `added technician ${value.name}: they log in at a PC's Brume menu with this name and password\n`,
      );
      return 0;
    };
  },
};

const list: Command = {
  synopsis: 'tech list',
  flags: {},
  prepare(args) {
    noPositionals(args);
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('techList', {});
      if (json) term.out(jsonDocument(body));
      else if (value.technicians.length === 0)
        term.out('no technicians yet: brume tech add NAME --password-stdin, or a PIN: brume tech pin\n');
      else
        term.out(
          table(value.technicians, [
            { header: 'NAME', value: (tech) => tech.name },
            { header: 'CREATED', value: (tech) => formatDate(tech.createdAt) },
          ]),
        );
      return 0;
    };
  },
};

const remove: Command = {
  synopsis: 'tech delete NAME',
  flags: {},
  prepare(args) {
    const name = techName(args);
    return async ({ client, term, json }) => {
      await client.call('techDelete', { params: { name } });
      if (!json) term.out(`deleted technician ${name}\n`);
      return 0;
    };
  },
};

const pin: Command = {
  synopsis: 'tech pin [--minutes 60] [--uses 30]',
  flags: { minutes: { type: 'string' }, uses: { type: 'string' } },
  prepare(args) {
    noPositionals(args);
    const input = checkedInput(
      PinCreate,
      { ttlMinutes: wholeNumber(args, 'minutes') ?? 60, uses: wholeNumber(args, 'uses') ?? 30 },
      { ttlMinutes: '--minutes', uses: '--uses' },
    );
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('pinCreate', { body: input });
      term.out(
        json
          ? jsonDocument(body)
          : `PIN ${value.pin}: valid until ${formatDate(value.expiresAt)}, for ${value.uses} login${value.uses === 1 ? '' : 's'} at the PCs' Brume menu\n`,
      );
      return 0;
    };
  },
};

export const techCommands: Readonly<Record<string, Command>> = { add, list, delete: remove, pin };
