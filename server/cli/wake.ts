import { WakeRequest } from '@brume/protocol';
import { checkedInput, UsageError } from './args.ts';
import type { Command } from './command.ts';
import { jsonDocument, table } from './output.ts';

/** `brume host wake NAME… | --group G`: a Wake-on-LAN magic packet to every MAC, now. Exit 1 when any could not be sent. */
export const wakeCommand: Command = {
  synopsis: 'host wake NAME… | --group G',
  flags: { group: { type: 'string' } },
  prepare(args) {
    const group = args.string('group');
    if (group !== undefined && args.positionals.length > 0)
      throw new UsageError('host names or --group: one of the two');
    if (group === undefined && args.positionals.length === 0)
      throw new UsageError('name the hosts to wake, or --group G');
    const input = checkedInput(WakeRequest, group === undefined ? { hosts: [...args.positionals] } : { group }, {
      hosts: 'NAME',
      group: '--group',
    });
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('wake', { body: input });
      if (json) term.out(jsonDocument(body));
      else {
        term.out(
          table(value.wake, [
            { header: 'HOST', value: (entry) => entry.host },
            { header: 'MAC', value: (entry) => entry.mac },
            {
              header: 'SENT TO',
              value: (entry) => (entry.address === null ? '-' : `${entry.address}:${entry.port} (${entry.via ?? '?'})`),
            },
            { header: 'RESULT', value: (entry) => (entry.sent ? 'sent' : `not sent: ${entry.error ?? '?'}`) },
          ]),
        );
      }
      return value.wake.every((entry) => entry.sent) ? 0 : 1;
    };
  },
};
