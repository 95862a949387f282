import { basename } from 'node:path';
import { TaskParams, WipeMode, toBrumeError, type AgentCare, type TaskCreated, type TechSession } from '@brume/protocol';
import type { FormValues, MenuEntry } from '../ui/terminal/terminal-ui.ts';
import type { MenuDeps } from './menu-deps.ts';
import { failureLines } from './menu-text.ts';
import type { MenuServer } from './server-calls.ts';

/** What the care menu borrows from the main menu: who this PC is, the technician's login, this PC's MACs. */
export interface CareContext {
  hostName: string | null;
  login: () => Promise<TechSession | undefined>;
  macs: () => Promise<string[]>;
}

const CARE_ENTRIES = {
  'surface-test': 'Surface test of the disk (read-only)',
  'virus-scan': 'Virus scan of the disk (read-only)',
  recover: 'Recover deleted files (PhotoRec) to the server or a USB disk',
  wipe: 'Wipe the disk',
  tools: 'TestDisk / PhotoRec (interactive, on the console)',
} as const;
type CareKey = keyof typeof CARE_ENTRIES;
type CareKind = AgentCare['kind'];

/**
 * Disk care on this PC: each task is created on the server by the logged-in technician for this PC, then run
 * here at once, its progress on the console; the tools run on the console. Escape goes back to the main menu.
 */
export async function careMenu(deps: MenuDeps, server: MenuServer, context: CareContext): Promise<void> {
  for (;;) {
    const known = context.hostName !== null;
    const entries: MenuEntry[] = (Object.keys(CARE_ENTRIES) as CareKey[]).map((key) => ({
      key,
      label: CARE_ENTRIES[key],
      ...(key !== 'tools' && !known ? { disabled: true, hint: 'register this PC first' } : {}),
    }));
    const choice = (await deps.ui.choose({ title: 'Disk care', subtitle: `${known ? `this PC: ${context.hostName}` : 'this PC is not registered'}`, entries })) as CareKey | null;
    if (choice === null) return;
    try {
      if (choice === 'tools') await toolsFlow(deps, context);
      else await taskFlow(choice, deps, server, context);
    } catch (error) {
      const failure = toBrumeError(error);
      await deps.ui.show({ title: `${CARE_ENTRIES[choice]}: failed`, lines: [`${failure.code}: ${failure.message}`] });
    }
  }
}

/** Login, the task's settings, a confirmation (the disk's name typed for a wipe), then the task on the console. */
async function taskFlow(kind: CareKind, deps: MenuDeps, server: MenuServer, context: CareContext): Promise<void> {
  const session = await context.login();
  if (session === undefined) return;
  const disk = await deps.targetDisk();
  if (disk === undefined) {
    await deps.ui.show({ title: CARE_ENTRIES[kind], lines: ['No disk on this PC fits a task:', ...(await deps.disksText())] });
    return;
  }
  const params = await settings(kind, deps, disk);
  if (params === null) return;
  if (kind !== 'wipe') {
    const confirm = await deps.ui.show({
      title: `${CARE_ENTRIES[kind]}: ${disk} of ${context.hostName ?? 'this PC'}?`,
      lines: [kind === 'recover' ? `PhotoRec reads ${disk} (nothing is written to it); the files go to ${String(params['destination'] ?? 'server')}.` : `${disk} is read from end to end; nothing is written to it.`, '', ...(await deps.disksText())],
      buttons: [{ key: 'start', label: 'Start' }, { key: 'back', label: 'Back' }],
    });
    if (confirm !== 'start') return;
  }
  const created = await server.care(session, await context.macs(), kind, params);
  await runCareTask(deps, created);
}

/** The settings form of each kind; null: the technician went back. A wipe's form is its confirmation as well. */
async function settings(kind: CareKind, deps: MenuDeps, disk: string): Promise<Record<string, unknown> | null> {
  if (kind === 'surface-test' || kind === 'virus-scan') return {};
  let params: Record<string, unknown> = {};
  const check = (values: FormValues): string | null => {
    params = kind === 'wipe' ? { mode: values['mode'] } : recoverParams(values);
    const parsed = TaskParams[kind].safeParse(params);
    if (!parsed.success) return parsed.error.issues[0]?.message ?? 'invalid settings';
    if (kind === 'wipe' && String(values['confirm'] ?? '').trim() !== basename(disk)) return `type ${basename(disk)} (the disk's name) to confirm: everything on ${disk} is erased`;
    return null;
  };
  const values = await deps.ui.form(kind === 'wipe'
    ? {
        title: `Wipe ${disk}: EVERYTHING on it is erased, for good`,
        fields: [
          { kind: 'choice', name: 'mode', label: 'mode', options: WipeMode.options.map((mode) => ({ value: mode, label: WIPE_MODES[mode] })), initial: 'normal' },
          { kind: 'text', name: 'confirm', label: `type ${basename(disk)} to confirm` },
        ],
        submitLabel: 'Wipe',
        validate: async (entered) => check(entered),
      }
    : {
        title: `Recover files from ${disk} (read-only)`,
        fields: [
          { kind: 'choice', name: 'to', label: 'send the files to', options: [{ value: 'server', label: 'the server' }, { value: 'usb', label: 'a USB disk' }], initial: 'server' },
          { kind: 'text', name: 'usb', label: 'USB: label or /dev/sdX1' },
          { kind: 'text', name: 'types', label: 'types (png,jpg,pdf… or empty: all)' },
          { kind: 'text', name: 'partition', label: 'partition number (empty: whole disk)' },
        ],
        submitLabel: 'Next',
        validate: async (entered) => check(entered),
      });
  return values === null ? null : params;
}

const WIPE_MODES: Readonly<Record<WipeMode, string>> = {
  fast: 'fast: signatures and both ends',
  normal: 'normal: one pass of zeros',
  full: 'full: random, then zeros',
  secure: 'secure: the drive\'s own erase',
};

function recoverParams(values: FormValues): Record<string, unknown> {
  const text = (name: string): string => String(values[name] ?? '').trim();
  return {
    destination: values['to'] === 'usb' ? `usb:${text('usb')}` : 'server',
    ...(text('types') === '' ? {} : { types: text('types').replaceAll(' ', '') }),
    ...(text('partition') === '' ? {} : { partition: text('partition') }),
  };
}

/** The task on the console; then its outcome, and back to the care menu. */
async function runCareTask(deps: MenuDeps, created: TaskCreated): Promise<void> {
  const { id, kind } = created.task;
  const outcome = await deps.ui.suspend(() => deps.runTask({ id, token: created.token }));
  if (outcome.ok) {
    await deps.ui.show({ title: `Task ${id} (${kind}) done`, lines: [outcome.summary, '', `The result is on the server: brume task show ${id}`] });
    return;
  }
  const next = await deps.ui.show({ title: `Task ${id} (${kind}) failed`, lines: failureLines(id, outcome), buttons: [{ key: 'back', label: 'Back' }, { key: 'shell', label: 'Debug shell' }] });
  if (next === 'shell') await deps.ui.suspend(deps.shell);
}

/** TestDisk or PhotoRec on the console, a USB disk mounted first when one is named. */
async function toolsFlow(deps: MenuDeps, context: CareContext): Promise<void> {
  const values = await deps.ui.form({
    title: CARE_ENTRIES.tools,
    fields: [
      { kind: 'choice', name: 'tool', label: 'tool', options: [{ value: 'photorec', label: 'PhotoRec (recover files)' }, { value: 'testdisk', label: 'TestDisk (recover partitions)' }], initial: 'photorec' },
      { kind: 'text', name: 'usb', label: 'USB disk to write to (label or /dev/sdX1; empty: none)' },
    ],
    submitLabel: 'Start',
  });
  if (values === null) return;
  const tool = values['tool'] === 'testdisk' ? 'testdisk' : 'photorec';
  const usb = String(values['usb'] ?? '').trim();
  const folder = `${context.hostName ?? 'pc'}-${tool}-${new Date().toISOString().slice(0, 19).replaceAll(':', '')}`;
  const lines = await deps.ui.suspend(() => deps.interactive(tool, usb === '' ? undefined : usb, folder));
  await deps.ui.show({ title: CARE_ENTRIES.tools, lines });
}
