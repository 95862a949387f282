import { setTimeout as sleep } from 'node:timers/promises';
import {
  BrumeError,
  kindDeclaration,
  kindDeclarations,
  LogFileName,
  TaskBatchCreate,
  TaskCreate,
  TaskListQuery,
  type TaskBatchCreated,
  type TaskCreated,
  type TaskKind,
  type TaskKindDeclaration,
  type TaskLogs,
} from '@brume/protocol';
import { UsageError, checkedInput, noPositionals, positional, requiredFlag, taskId, type Args } from './args.ts';
import type { Command } from './command.ts';
import { jsonDocument, keyValues, table } from './output.ts';
import { parseSince } from './since.ts';
import { taskBlock, taskTable } from './task-text.ts';
import { recovered } from './recovered.ts';
import { watch } from './watch.ts';
import { flagParams, paramsLabel } from './kind-flags.ts';

/** How long `task cancel` waits for a running task's agent to confirm (it hears the cancel within 2 s), and how often it looks. */
const CONFIRM_WAIT_MS = 10_000;
const CONFIRM_POLL_MS = 250;
const idOf = (args: Args): number => taskId(positional(args, 'ID'));
const optional = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;

export function createdText({ task, token, cmdline }: TaskCreated): string {
  const onDisk = task.disk === null ? '' : ` (${task.disk})`;
  const what = kindDeclaration(task.kind).phrase({
    hostName: task.hostName,
    onDisk,
    image: task.image,
    params: task.params,
  });
  const debug = task.debug ? ' (debug: the PC boots into a shell; run `brume agent --step plan` there)' : '';
  return (
    `created task ${task.id}: ${what}, ${task.state}${debug}\n${keyValues([
      ['token', token],
      ['cmdline', cmdline],
    ])}the token is shown only this once: the server keeps its hash\n` +
    `a network boot of ${task.hostName} gets a token of its own from /boot/menu.ipxe, and this one then stops working\n`
  );
}

/** A batch: one line per host with its task and token (shown once, as for one task). */
export function batchText({ batch, tasks }: TaskBatchCreated): string {
  const rows = table(tasks, [
    { header: 'HOST', value: (created) => created.task.hostName },
    { header: 'TASK', value: (created) => String(created.task.id) },
    { header: 'TOKEN', value: (created) => created.token },
  ]);
  return (
    `created batch ${batch}: ${tasks.length} ${tasks[0]?.task.kind ?? ''} task(s), each PC runs its own at its next network boot\n${rows}` +
    `the tokens are shown only this once; follow them with brume task list --batch ${batch}\n`
  );
}

/** `brume task <kind>`: its flags, checks and synopsis come from the kind's declaration (protocol/src/kinds/). */
function createTask(kind: TaskKindDeclaration<TaskKind>): Command {
  const image = kind.needsImage !== false;
  const params = kind.flags.map((flag) => flag.name);
  // --group is a flag of every kind: the server says why a kind is not for a group.
  const stringFlags = ['host', 'group', ...(image ? ['image'] : []), ...(kind.needsDisk ? ['disk'] : []), ...params];
  const forWhom = kind.groupable === true ? '(--host H | --group G)' : '--host H';
  return {
    synopsis: `task ${kind.kind} ${forWhom} ${kind.synopsis ? `${kind.synopsis} ` : ''}[--debug]`,
    flags: {
      ...Object.fromEntries(stringFlags.map((flag) => [flag, { type: 'string' as const }])),
      debug: { type: 'boolean' },
    },
    prepare(args) {
      noPositionals(args);
      const group = args.string('group');
      if (group !== undefined && args.string('host') !== undefined)
        throw new UsageError('--host or --group: one of the two');
      const fields = {
        kind: kind.kind,
        debug: args.flag('debug'),
        params: flagParams(kind, args),
        ...(image ? { image: requiredFlag(args, 'image') } : {}),
        ...(kind.needsDisk ? optional('disk', args.string('disk')) : {}),
      };
      const labels = { host: '--host', group: '--group', image: '--image', disk: '--disk', params: paramsLabel(kind) };
      if (group !== undefined) {
        const input = checkedInput(TaskBatchCreate, { ...fields, group }, labels);
        return async ({ client, term, json }) => {
          const { value, body } = await client.call('taskBatchCreate', { body: input });
          term.out(json ? jsonDocument(body) : batchText(value));
          return 0;
        };
      }
      const input = checkedInput(TaskCreate, { ...fields, host: requiredFlag(args, 'host') }, labels);
      return async ({ client, term, json }) => {
        const { value, body } = await client.call('taskCreate', { body: input });
        term.out(json ? jsonDocument(body) : createdText(value));
        return 0;
      };
    },
  };
}

const list: Command = {
  synopsis: 'task list [--since 3d|12h|2026-12-01] [--state S] [--kind K] [--host H] [--batch B] [--limit N]',
  flags: {
    state: { type: 'string' },
    host: { type: 'string' },
    batch: { type: 'string' },
    limit: { type: 'string' },
    kind: { type: 'string' },
    since: { type: 'string' },
  },
  prepare(args) {
    noPositionals(args);
    const since = args.string('since');
    const query = checkedInput(
      TaskListQuery,
      {
        ...optional('state', args.string('state')),
        ...optional('host', args.string('host')),
        ...optional('batch', args.string('batch')),
        ...optional('limit', args.string('limit')),
        ...optional('kind', args.string('kind')),
        ...optional('since', since === undefined ? undefined : parseSince(since)),
      },
      { state: '--state', host: '--host', batch: '--batch', limit: '--limit', kind: '--kind', since: '--since' },
    );
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('taskList', { query });
      if (json) term.out(jsonDocument(body));
      else term.out(value.tasks.length === 0 ? 'no tasks\n' : taskTable(value.tasks));
      return 0;
    };
  },
};

const show: Command = {
  synopsis: 'task show ID',
  flags: {},
  prepare(args) {
    const id = idOf(args);
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('taskShow', { params: { id } });
      term.out(json ? jsonDocument(body) : taskBlock(value));
      return 0;
    };
  },
};

const cancel: Command = {
  synopsis: 'task cancel ID',
  flags: {},
  prepare(args) {
    const id = idOf(args);
    return async ({ client, term, json }) => {
      let answer = await client.call('taskCancel', { params: { id } });
      // A running task is asked to stop: wait a little for its agent to confirm, so the task printed is the ended one
      // (with what it had written). The line and the exit code are the same either way.
      for (
        const waitUntil = Date.now() + CONFIRM_WAIT_MS;
        answer.value.state === 'running' && Date.now() < waitUntil;
      ) {
        await sleep(CONFIRM_POLL_MS);
        answer = await client.call('taskShow', { params: { id } });
      }
      const { value, body } = answer;
      term.out(
        json
          ? jsonDocument(body)
          : `cancelled task ${value.id} (${value.kind} ${value.hostName}, image ${value.image})\n`,
      );
      return 0;
    };
  },
};

/** All files, each under a `==> name <==` header (as `tail` prints several files), or one file's bytes as they are. */
export function logsText(logs: TaskLogs): string {
  return logs.files
    .map(
      (file) =>
        `==> ${file.name} <==\n${file.content}${file.content.endsWith('\n') || file.content === '' ? '' : '\n'}`,
    )
    .join('\n');
}

const logs: Command = {
  synopsis: 'task logs ID [--file NAME]',
  flags: { file: { type: 'string' } },
  prepare(args) {
    const id = idOf(args);
    const wanted =
      args.string('file') === undefined ? undefined : checkedInput(LogFileName, args.string('file'), { '': '--file' });
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('taskLogs', { params: { id } });
      if (wanted === undefined) {
        if (json) term.out(jsonDocument(body));
        else
          term.out(
            value.files.length === 0
              ? `task ${id} has no logs (the agent sends them when the task ends)\n`
              : logsText(value),
          );
        return 0;
      }
      const file = value.files.find((candidate) => candidate.name === wanted);
      if (file === undefined) {
        const held =
          value.files.length === 0
            ? 'it has none yet'
            : `it has ${value.files.map((candidate) => candidate.name).join(', ')}`;
        throw new BrumeError('NOT_FOUND', `task ${id} has no log file "${wanted}": ${held}`);
      }
      term.out(json ? jsonDocument({ files: [file] }) : file.content);
      return 0;
    };
  },
};

export const taskCommands: Readonly<Record<string, Command>> = {
  ...Object.fromEntries(kindDeclarations.map((kind) => [kind.kind, createTask(kind)])),
  list,
  show,
  cancel,
  logs,
  watch,
  recovered,
};
