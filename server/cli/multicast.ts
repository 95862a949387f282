import { MulticastStart, type MulticastSession } from '@brume/protocol';
import { checkedInput, noPositionals, positional, taskId, wholeNumber, type Args } from './args.ts';
import type { Command } from './command.ts';
import { hostList } from './groups.ts';
import { formatDate, jsonDocument, keyValues, table } from './output.ts';

const sessionId = (args: Args): number => taskId(positional(args, 'ID'));

/** "none" turns a default off (--fec none, --max-bitrate none). */
const orNone = (value: string | undefined): string | null | undefined => (value === 'none' ? null : value);

export function sessionBlock(session: MulticastSession): string {
  const { settings } = session;
  const files = session.files.map(
    (file) =>
      `${file.name} ${file.state}${file.receivers === null ? '' : `, ${file.receivers} receiver(s)`}${file.seconds === null ? '' : `, ${file.seconds.toFixed(1)} s`}`,
  );
  const receivers = session.receivers.map(
    (receiver) =>
      `${receiver.host} task ${receiver.taskId} ${receiver.taskState}${receiver.phase === null ? '' : `: ${receiver.phase}`}`,
  );
  return keyValues([
    ['session', String(session.id)],
    ['image', session.image],
    ['state', session.state],
    [
      'settings',
      `min ${settings.minReceivers} receiver(s), wait ${settings.maxWaitSeconds} s, bitrate ${settings.maxBitrate ?? 'unlimited'}, FEC ${settings.fec ?? 'none'}, interface ${settings.interface ?? '(default)'}, ports ${settings.portbase}-${settings.portbase + 1}`,
    ],
    ['files', files.length === 0 ? '-' : files.join('\n')],
    ['receivers', receivers.length === 0 ? '-' : receivers.join('\n')],
    ['created', formatDate(session.createdAt)],
    ['ended', formatDate(session.endedAt)],
    ...(session.error === null ? [] : [['error', session.error] as [string, string]]),
  ]);
}

const start: Command = {
  synopsis:
    'multicast start --image I (--hosts a,b,c | --group G) [--min-receivers N] [--max-wait S] [--max-bitrate 800m|none] [--fec 8x8/128|none] [--multicast-interface IF]',
  flags: {
    image: { type: 'string' },
    hosts: { type: 'string', multiple: true },
    group: { type: 'string' },
    'min-receivers': { type: 'string' },
    'max-wait': { type: 'string' },
    'max-bitrate': { type: 'string' },
    fec: { type: 'string' },
    'multicast-interface': { type: 'string' },
    portbase: { type: 'string' },
  },
  prepare(args) {
    noPositionals(args);
    const hosts = hostList(args);
    const optional = {
      hosts: hosts.length === 0 ? undefined : hosts,
      group: args.string('group'),
      minReceivers: wholeNumber(args, 'min-receivers'),
      maxWaitSeconds: wholeNumber(args, 'max-wait'),
      maxBitrate: orNone(args.string('max-bitrate')),
      fec: orNone(args.string('fec')),
      interface: args.string('multicast-interface'),
      portbase: wholeNumber(args, 'portbase'),
    };
    const input = checkedInput(
      MulticastStart,
      {
        image: args.string('image'),
        ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
      },
      {
        image: '--image',
        hosts: '--hosts (or --group)',
        group: '--group',
        minReceivers: '--min-receivers',
        maxWaitSeconds: '--max-wait',
        maxBitrate: '--max-bitrate',
        fec: '--fec',
        interface: '--multicast-interface',
        portbase: '--portbase',
      },
    );
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('multicastStart', { body: input });
      if (json) {
        term.out(jsonDocument(body));
        return 0;
      }
      const tasks = table(value.tasks, [
        { header: 'HOST', value: (created) => created.task.hostName },
        { header: 'TASK', value: (created) => String(created.task.id) },
        { header: 'TOKEN', value: (created) => created.token },
      ]);
      term.out(
        `started multicast session ${value.session.id}: image ${value.session.image} to ${value.tasks.length} host(s); each PC deploys at its next network boot\n${sessionBlock(value.session)}${tasks}`,
      );
      return 0;
    };
  },
};

const list: Command = {
  synopsis: 'multicast list',
  flags: {},
  prepare(args) {
    noPositionals(args);
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('multicastList', {});
      if (json) term.out(jsonDocument(body));
      else if (value.sessions.length === 0)
        term.out('no multicast sessions yet: brume multicast start --image I --group G\n');
      else
        term.out(
          table(value.sessions, [
            { header: 'ID', value: (session) => String(session.id) },
            { header: 'IMAGE', value: (session) => session.image },
            { header: 'STATE', value: (session) => session.state },
            {
              header: 'FILES',
              value: (session) =>
                `${session.files.filter((file) => file.state === 'sent').length}/${session.files.length}`,
            },
            { header: 'RECEIVERS', value: (session) => String(session.receivers.length) },
            { header: 'CREATED', value: (session) => formatDate(session.createdAt) },
          ]),
        );
      return 0;
    };
  },
};

const show: Command = {
  synopsis: 'multicast show ID',
  flags: {},
  prepare(args) {
    const id = sessionId(args);
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('multicastShow', { params: { id } });
      term.out(json ? jsonDocument(body) : sessionBlock(value));
      return 0;
    };
  },
};

const cancel: Command = {
  synopsis: 'multicast cancel ID',
  flags: {},
  prepare(args) {
    const id = sessionId(args);
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('multicastCancel', { params: { id } });
      term.out(
        json
          ? jsonDocument(body)
          : `cancelled multicast session ${id} and its unfinished tasks\n${sessionBlock(value)}`,
      );
      return 0;
    };
  },
};

export const multicastCommands: Readonly<Record<string, Command>> = { start, list, show, cancel };
