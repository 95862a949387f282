import {
  kindDeclaration,
  kindDeclarations,
  ScheduleCreate,
  TaskBatchCreate,
  TaskKind,
  type Schedule,
  type ScheduleDetail,
  type ScheduleFiring,
  type WakeSent,
} from '@brume/protocol';
import { flagParams, paramsLabel } from './kind-flags.ts';
import { checkedInput, noPositionals, positional, requiredFlag, UsageError, type Args } from './args.ts';
import type { Command } from './command.ts';
import { jsonDocument, keyValues, table } from './output.ts';

function scheduleId(args: Args): number {
  const text = positional(args, 'ID');
  const id = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(id) || id <= 0)
    throw new UsageError(`a schedule id is a positive integer, got "${text}"`);
  return id;
}

/** An instant in the schedule's own zone, as the technician wrote it: 2026-12-01 02:00. */
function local(iso: string | null, timezone: string): string {
  if (iso === null) return '-';
  try {
    return new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, dateStyle: 'short', timeStyle: 'short' }).format(
      new Date(iso),
    );
  } catch {
    return iso;
  }
}

const when = (schedule: Schedule): string =>
  schedule.at !== null ? `at ${schedule.at.replace('T', ' ')}` : `cron '${schedule.cron ?? ''}'`;
const what = (schedule: Schedule): string =>
  `${schedule.task.kind}${schedule.task.image === undefined ? '' : ` ${schedule.task.image}`}`;

export function wakeSummary(wake: readonly WakeSent[]): string {
  if (wake.length === 0) return '';
  const sent = wake.filter((entry) => entry.sent);
  const addresses = [...new Set(sent.map((entry) => entry.address))].join(', ');
  return `woke ${sent.length}/${wake.length} MAC(s)${addresses === '' ? '' : ` via ${addresses}`}`;
}

function firingText(firing: ScheduleFiring): string {
  if (firing.outcome === 'fired')
    return [`batch ${firing.batch ?? '-'}`, wakeSummary(firing.wake)].filter(Boolean).join(', ');
  return firing.error?.message ?? '';
}

function scheduleTable(schedules: readonly Schedule[]): string {
  const rows = table(schedules, [
    { header: 'ID', value: (schedule) => String(schedule.id), align: 'right' },
    { header: 'STATE', value: (schedule) => schedule.state },
    { header: 'GROUP', value: (schedule) => schedule.task.group },
    { header: 'TASK', value: what },
    { header: 'WHEN', value: (schedule) => `${when(schedule)} ${schedule.timezone}` },
    { header: 'NEXT', value: (schedule) => local(schedule.nextAt, schedule.timezone) },
    {
      header: 'LAST',
      value: (schedule) =>
        schedule.lastFiring === null
          ? '-'
          : `${schedule.lastFiring.outcome} ${local(schedule.lastFiring.occurrence, schedule.timezone)}`,
    },
    { header: 'MISSED', value: (schedule) => String(schedule.missed), align: 'right' },
  ]);
  const missed = schedules.filter((schedule) => schedule.missed > 0);
  const warning =
    missed.length === 0
      ? ''
      : `missed while the server was down: ${missed.map((schedule) => `schedule ${schedule.id} (${schedule.missed})`).join(', ')}; brume schedule show ID says which\n`;
  return rows + warning;
}

export function scheduleBlock(schedule: Schedule | ScheduleDetail): string {
  const block = keyValues([
    ['schedule', `${schedule.id} (${schedule.state})`],
    [
      'task',
      `${what(schedule)} for group ${schedule.task.group}${schedule.task.disk === undefined ? '' : ` on ${schedule.task.disk}`}`,
    ],
    ['when', `${when(schedule)} (${schedule.timezone})`],
    ['next', schedule.nextAt === null ? '-' : `${local(schedule.nextAt, schedule.timezone)} ${schedule.timezone}`],
    ['missed', String(schedule.missed)],
  ]);
  if (!('firings' in schedule) || schedule.firings.length === 0) return block;
  return `${block}${table(schedule.firings, [
    { header: 'OCCURRENCE', value: (firing) => local(firing.occurrence, schedule.timezone) },
    { header: 'OUTCOME', value: (firing) => firing.outcome },
    { header: 'DETAIL', value: firingText },
  ])}`;
}

/** The kinds a schedule may run (those made for a group), and every flag of theirs, each once. */
const scheduledKinds = kindDeclarations.filter((kind) => kind.groupable === true);
const kindFlags = [...new Map(scheduledKinds.flatMap((kind) => kind.flags).map((flag) => [flag.name, flag])).values()];

/** The task flags `brume task deploy|wipe|… --group` takes, for the batch each firing makes. */
function scheduledTask(args: Args): unknown {
  const kindName = checkedInput(TaskKind, requiredFlag(args, 'task'), { '': '--task' });
  const kind = kindDeclaration(kindName);
  const optional = (key: string, flag: string): Record<string, string> =>
    args.string(flag) === undefined ? {} : { [key]: args.string(flag) as string };
  for (const flag of kindFlags) {
    if (args.string(flag.name) === undefined || kind.flags.some((own) => own.name === flag.name)) continue;
    const owners = scheduledKinds
      .filter((other) => other.flags.some((own) => own.name === flag.name))
      .map((other) => `a ${other.kind}`);
    throw new UsageError(`--${flag.name} is for ${owners.join(' or ')}`);
  }
  const params = flagParams(kind, args);
  return checkedInput(
    TaskBatchCreate,
    {
      kind: kindName,
      group: requiredFlag(args, 'group'),
      ...optional('image', 'image'),
      ...optional('disk', 'disk'),
      params,
      debug: false,
    },
    { kind: '--task', group: '--group', image: '--image', disk: '--disk', params: paramsLabel(kind) },
  );
}

const add: Command = {
  synopsis: `schedule add --group G --task deploy|wipe|inventory|… [--image I] [--disk DEV] ${kindFlags.map((flag) => `[--${flag.name} ${flag.placeholder}]`).join(' ')} (--at 2026-12-01T02:00 | --cron '0 2 * * 1-5') [--tz Europe/Paris]`,
  flags: {
    group: { type: 'string' },
    task: { type: 'string' },
    image: { type: 'string' },
    disk: { type: 'string' },
    at: { type: 'string' },
    cron: { type: 'string' },
    tz: { type: 'string' },
    ...Object.fromEntries(kindFlags.map((flag) => [flag.name, { type: 'string' as const }])),
  },
  prepare(args) {
    noPositionals(args);
    const [at, cron, timezone] = [args.string('at'), args.string('cron'), args.string('tz')];
    if ((at === undefined) === (cron === undefined))
      throw new UsageError('--at (once) or --cron (repeating): one of the two');
    const input = checkedInput(
      ScheduleCreate,
      {
        task: scheduledTask(args),
        ...(at === undefined ? {} : { at }),
        ...(cron === undefined ? {} : { cron }),
        ...(timezone === undefined ? {} : { timezone }),
      },
      { task: '--task', at: '--at', cron: '--cron', timezone: '--tz' },
    );
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('scheduleCreate', { body: input });
      term.out(
        json
          ? jsonDocument(body)
          : `added schedule ${value.id}: ${what(value)} for group ${value.task.group}, next ${local(value.nextAt, value.timezone)} ${value.timezone}\n`,
      );
      return 0;
    };
  },
};

const list: Command = {
  synopsis: 'schedule list',
  flags: {},
  prepare(args) {
    noPositionals(args);
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('scheduleList', {});
      if (json) term.out(jsonDocument(body));
      else
        term.out(
          value.schedules.length === 0
            ? "no schedules yet: brume schedule add --group G --task deploy --image I --cron '0 2 * * 1-5'\n"
            : scheduleTable(value.schedules),
        );
      return 0;
    };
  },
};

const show: Command = {
  synopsis: 'schedule show ID',
  flags: {},
  prepare(args) {
    const id = scheduleId(args);
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('scheduleShow', { params: { id } });
      term.out(json ? jsonDocument(body) : scheduleBlock(value));
      return 0;
    };
  },
};

function change(verb: 'pause' | 'resume'): Command {
  return {
    synopsis: `schedule ${verb} ID`,
    flags: {},
    prepare(args) {
      const id = scheduleId(args);
      return async ({ client, term, json }) => {
        const { value, body } = await client.call(verb === 'pause' ? 'schedulePause' : 'scheduleResume', {
          params: { id },
        });
        term.out(
          json
            ? jsonDocument(body)
            : `schedule ${value.id}: ${value.state}, next ${local(value.nextAt, value.timezone)}\n`,
        );
        return 0;
      };
    },
  };
}

const deleteSchedule: Command = {
  synopsis: 'schedule delete ID',
  flags: {},
  prepare(args) {
    const id = scheduleId(args);
    return async ({ client, term, json }) => {
      await client.call('scheduleDelete', { params: { id } });
      if (!json) term.out(`deleted schedule ${id} (the batches it made stay)\n`);
      return 0;
    };
  },
};

export const scheduleCommands: Readonly<Record<string, Command>> = {
  add,
  list,
  show,
  pause: change('pause'),
  resume: change('resume'),
  delete: deleteSchedule,
};
