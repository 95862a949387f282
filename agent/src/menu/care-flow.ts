import { basename } from 'node:path';
import {
  kindDeclarations,
  toBrumeError,
  type TaskCreated,
  type TaskKind,
  type TaskKindDeclaration,
  type TechSession,
} from '@brume/protocol';
import type { FormField, FormValues, MenuEntry } from '../ui/terminal/terminal-ui.ts';
import type { MenuDeps } from './menu-deps.ts';
import { failureLines } from './menu-text.ts';
import type { MenuServer } from './server-calls.ts';

/** What the care menu borrows from the main menu: who this PC is, the technician's login, this PC's MACs. */
export interface CareContext {
  hostName: string | null;
  login: () => Promise<TechSession | undefined>;
  macs: () => Promise<string[]>;
}

/** The kinds the Disk care menu offers (those whose declaration has a menu entry): the ones that only read first. */
const careKinds = (): TaskKindDeclaration<TaskKind>[] =>
  kindDeclarations.filter((kind) => kind.menu !== false).sort((a, b) => Number(a.destructive) - Number(b.destructive));
const TOOLS_LABEL = 'TestDisk / PhotoRec (interactive, on the console)';
const menuLabel = (kind: TaskKindDeclaration<TaskKind>): string => (kind.menu === false ? kind.title : kind.menu.label);

/**
 * Disk care on this PC: each task is created on the server by the logged-in technician for this PC, then run
 * here at once, its progress on the console; the tools run on the console. Escape goes back to the main menu. The
 * entries and their forms come from the kinds' declarations.
 */
export async function careMenu(deps: MenuDeps, server: MenuServer, context: CareContext): Promise<void> {
  const kinds = careKinds();
  for (;;) {
    const known = context.hostName !== null;
    const entries: MenuEntry[] = [
      ...kinds.map((kind) => ({
        key: kind.kind,
        label: menuLabel(kind),
        ...(known ? {} : { disabled: true, hint: 'register this PC first' }),
      })),
      { key: 'tools', label: TOOLS_LABEL },
    ];
    const choice = await deps.ui.choose({
      title: 'Disk care',
      subtitle: `${known ? `this PC: ${context.hostName}` : 'this PC is not registered'}`,
      entries,
    });
    if (choice === null) return;
    const kind = kinds.find((candidate) => candidate.kind === choice);
    try {
      if (kind === undefined) await toolsFlow(deps, context);
      else await taskFlow(kind, deps, server, context);
    } catch (error) {
      const failure = toBrumeError(error);
      await deps.ui.show({
        title: `${kind === undefined ? TOOLS_LABEL : menuLabel(kind)}: failed`,
        lines: [`${failure.code}: ${failure.message}`],
      });
    }
  }
}

/** Login, the task's settings, a confirmation (the disk's name typed for a destructive kind), then the task on the console. */
async function taskFlow(
  kind: TaskKindDeclaration<TaskKind>,
  deps: MenuDeps,
  server: MenuServer,
  context: CareContext,
): Promise<void> {
  const session = await context.login();
  if (session === undefined) return;
  const disk = await deps.targetDisk();
  if (disk === undefined) {
    await deps.ui.show({
      title: menuLabel(kind),
      lines: ['No disk on this PC fits a task:', ...(await deps.disksText())],
    });
    return;
  }
  const params = await settings(kind, deps, disk);
  if (params === null) return;
  if (!kind.destructive) {
    const settingLines = Object.entries(params).map(([name, value]) => `${name}: ${String(value)}`);
    const confirm = await deps.ui.show({
      title: `${menuLabel(kind)}: ${disk} of ${context.hostName ?? 'this PC'}?`,
      lines: [`${disk} is only read: nothing is written to it.`, ...settingLines, '', ...(await deps.disksText())],
      buttons: [
        { key: 'start', label: 'Start' },
        { key: 'back', label: 'Back' },
      ],
    });
    if (confirm !== 'start') return;
  }
  const created = await server.care(session, await context.macs(), kind.kind, params);
  await runCareTask(deps, created);
}

/**
 * The settings form of a kind, one field per flag of its declaration (a choice where the flag has choices); null: the
 * technician went back. A destructive kind's form is its confirmation as well: the disk's name must be typed.
 */
async function settings(
  kind: TaskKindDeclaration<TaskKind>,
  deps: MenuDeps,
  disk: string,
): Promise<Record<string, unknown> | null> {
  if (kind.flags.length === 0 && !kind.destructive) return {};
  let params: Record<string, unknown> = {};
  const check = (values: FormValues): string | null => {
    params = paramsOf(kind, values);
    const parsed = kind.params.safeParse(params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return `${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid settings'}`;
    }
    if (kind.destructive && String(values['confirm'] ?? '').trim() !== basename(disk))
      return `type ${basename(disk)} (the disk's name) to confirm: everything on ${disk} is erased`;
    return null;
  };
  const fields: FormField[] = kind.flags.map((flag) =>
    flag.choices === undefined
      ? {
          kind: 'text',
          name: flag.name,
          label: `${flag.name} (${flag.placeholder})`,
          ...(flag.initial === undefined ? {} : { initial: flag.initial }),
        }
      : {
          kind: 'choice',
          name: flag.name,
          label: flag.name,
          options: [...flag.choices],
          ...(flag.initial === undefined ? {} : { initial: flag.initial }),
        },
  );
  const values = await deps.ui.form(
    kind.destructive
      ? {
          title: `${menuLabel(kind)} ${disk}: EVERYTHING on it is erased, for good`,
          fields: [...fields, { kind: 'text', name: 'confirm', label: `type ${basename(disk)} to confirm` }],
          submitLabel: 'Start',
          validate: async (entered) => check(entered),
        }
      : {
          title: `${menuLabel(kind)}: ${disk}`,
          fields,
          submitLabel: 'Next',
          validate: async (entered) => check(entered),
        },
  );
  return values === null ? null : params;
}

/** The params a form's values set: each flag's value, an empty text left out (the schema's default applies). */
function paramsOf(kind: TaskKindDeclaration<TaskKind>, values: FormValues): Record<string, unknown> {
  return Object.fromEntries(
    kind.flags.flatMap((flag) => {
      const value = String(values[flag.name] ?? '')
        .trim()
        .replaceAll(' ', '');
      return value === '' ? [] : [[flag.param, value]];
    }),
  );
}

/** The task on the console; then its outcome, and back to the care menu. */
async function runCareTask(deps: MenuDeps, created: TaskCreated): Promise<void> {
  const { id, kind } = created.task;
  const outcome = await deps.ui.suspend(() => deps.runTask({ id, token: created.token }));
  if (outcome.ok) {
    await deps.ui.show({
      title: `Task ${id} (${kind}) done`,
      lines: [outcome.summary, '', `The result is on the server: brume task show ${id}`],
    });
    return;
  }
  const next = await deps.ui.show({
    title: `Task ${id} (${kind}) failed`,
    lines: failureLines(id, outcome),
    buttons: [
      { key: 'back', label: 'Back' },
      { key: 'shell', label: 'Debug shell' },
    ],
  });
  if (next === 'shell') await deps.ui.suspend(deps.shell);
}

/** TestDisk or PhotoRec on the console, a USB disk mounted first when one is named. */
async function toolsFlow(deps: MenuDeps, context: CareContext): Promise<void> {
  const values = await deps.ui.form({
    title: TOOLS_LABEL,
    fields: [
      {
        kind: 'choice',
        name: 'tool',
        label: 'tool',
        options: [
          { value: 'photorec', label: 'PhotoRec (recover files)' },
          { value: 'testdisk', label: 'TestDisk (recover partitions)' },
        ],
        initial: 'photorec',
      },
      { kind: 'text', name: 'usb', label: 'USB disk to write to (label or /dev/sdX1; empty: none)' },
    ],
    submitLabel: 'Start',
  });
  if (values === null) return;
  const tool = values['tool'] === 'testdisk' ? 'testdisk' : 'photorec';
  const usb = String(values['usb'] ?? '').trim();
  const folder = `${context.hostName ?? 'pc'}-${tool}-${new Date().toISOString().slice(0, 19).replaceAll(':', '')}`;
  const lines = await deps.ui.suspend(() => deps.interactive(tool, usb === '' ? undefined : usb, folder));
  await deps.ui.show({ title: TOOLS_LABEL, lines });
}
