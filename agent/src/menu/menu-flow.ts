import { toBrumeError, type Inventory, type TaskCreated, type TechSession } from '@brume/protocol';
import { describeRegistration } from '../registration.ts';
import type { MenuEntry } from '../ui/terminal/terminal-ui.ts';
import { careMenu } from './care-flow.ts';
import { failureLines, inventoryLines, systemLines } from './menu-text.ts';
import type { MenuDeps, MenuTaskOutcome } from './menu-deps.ts';
import { MenuServer } from './server-calls.ts';

export type MenuExit = 'reboot' | 'poweroff' | 'quit';

/** What the menu knows of this PC and of the person in front of it, kept while the menu runs. */
interface MenuState {
  inventory: Inventory | undefined;
  hostName: string | null;
  session: TechSession | undefined;
}

const ENTRIES = {
  quick: 'Quick registration',
  full: 'Full registration (name, group, image, deploy now or later)',
  deploy: 'Deploy an image to this PC',
  multicast: 'Join a multicast session',
  care: 'Disk care: wipe, surface test, virus scan, file recovery, TestDisk',
  system: 'System information',
  inventory: 'Hardware inventory',
  shell: 'Debug shell',
  reboot: 'Reboot',
  poweroff: 'Power off',
} as const;
type EntryKey = keyof typeof ENTRIES;

/**
 * The technician's menu in the ramdisk, what a PC that boots with no task waiting shows: a loop over the main entries
 * until the PC reboots or powers off. Nothing here writes a disk without a technician's login checked by the server.
 */
export async function runMenu(deps: MenuDeps): Promise<MenuExit> {
  const server = new MenuServer(deps.server, deps.retryDeadlineMs);
  const state: MenuState = { inventory: undefined, hostName: null, session: undefined };
  await refreshIdentity(deps, server, state);
  return menuLoop(deps, server, state);
}

/** A task the PC booted for has failed: what a failed task from the iPXE boot shows before anything else. */
export interface BootTaskFailure {
  taskId: number;
  kind: string;
  /** The image of a deploy, which Retry deploys again (after a technician's login); null: Retry is not offered. */
  retryImage: string | null;
  outcome: Extract<MenuTaskOutcome, { ok: false }>;
}

/**
 * The failure screen of a network-booted task: step, code, message, the log tail (the logs are on the server
 * already), then Retry (a deploy, again, with a technician's login), Debug shell (the agent exits to /init's shell),
 * Reboot, or the Brume menu.
 */
export async function runTaskFailure(deps: MenuDeps, failure: BootTaskFailure): Promise<MenuExit> {
  const server = new MenuServer(deps.server, deps.retryDeadlineMs);
  const state: MenuState = { inventory: undefined, hostName: null, session: undefined };
  const buttons: MenuEntry[] = [
    ...(failure.retryImage === null ? [] : [{ key: 'retry', label: 'Retry' }]),
    { key: 'shell', label: 'Debug shell' },
    { key: 'reboot', label: 'Reboot' },
    { key: 'menu', label: 'Brume menu' },
  ];
  const next = await deps.ui.show({
    title: `Task ${failure.taskId} (${failure.kind}) failed`,
    lines: failureLines(failure.taskId, failure.outcome),
    buttons,
  });
  if (next === 'shell') return 'quit';
  if (next === 'reboot') {
    await deps.power('reboot');
    return 'reboot';
  }
  await refreshIdentity(deps, server, state);
  if (next === 'retry' && failure.retryImage !== null) {
    const exit = await deployFlow(deps, server, state, failure.retryImage);
    if (exit !== undefined) return exit;
  }
  return menuLoop(deps, server, state);
}

async function menuLoop(deps: MenuDeps, server: MenuServer, state: MenuState): Promise<MenuExit> {
  for (;;) {
    const known = state.hostName !== null;
    const entries: MenuEntry[] = (Object.keys(ENTRIES) as EntryKey[]).map((key) => ({
      key,
      label: ENTRIES[key],
      ...(key === 'multicast' && !known ? { disabled: true, hint: 'register this PC first' } : {}),
      ...((key === 'quick' || key === 'full') && known
        ? { disabled: true, hint: `registered as ${state.hostName}` }
        : {}),
      ...(key === 'deploy' && !known ? { disabled: true, hint: 'register this PC first' } : {}),
    }));
    const subtitle = `${known ? `this PC: ${state.hostName}` : 'this PC is not registered'} · server ${deps.server}${state.session === undefined ? '' : ` · technician ${state.session.technician}`}`;
    const choice = (await deps.ui.choose({
      title: 'Brume menu',
      subtitle,
      entries,
      initialKey: known ? 'deploy' : 'quick',
    })) as EntryKey | null;
    if (choice === null) continue;
    try {
      const exit = await act(choice, deps, server, state);
      if (exit !== undefined) return exit;
    } catch (error) {
      const failure = toBrumeError(error);
      await deps.ui.show({ title: `${ENTRIES[choice]}: failed`, lines: [`${failure.code}: ${failure.message}`] });
    }
  }
}

async function act(
  choice: EntryKey,
  deps: MenuDeps,
  server: MenuServer,
  state: MenuState,
): Promise<MenuExit | undefined> {
  switch (choice) {
    case 'quick':
      return void (await quickRegistration(deps, server, state));
    case 'full':
      return fullRegistration(deps, server, state);
    case 'deploy':
      return deployFlow(deps, server, state, undefined);
    case 'multicast':
      return multicastFlow(deps, server, state);
    case 'care':
      return void (await careMenu(deps, server, {
        hostName: state.hostName,
        login: () => technician(deps, server, state),
        macs: async () => macsOf(await inventoryOf(deps, state)),
      }));
    case 'system':
      return void (await deps.ui.show({
        title: ENTRIES.system,
        lines: await systemLines(await inventoryOf(deps, state), await deps.disksText(), server, state.hostName),
      }));
    case 'inventory':
      return void (await inventoryScreen(deps, server, state));
    case 'shell':
      return void (await deps.ui.suspend(deps.shell));
    case 'reboot':
    case 'poweroff':
      await deps.power(choice);
      return choice;
  }
}

async function inventoryOf(deps: MenuDeps, state: MenuState): Promise<Inventory> {
  if (state.inventory === undefined) {
    deps.ui.status("reading this PC's hardware…");
    state.inventory = (await deps.collect()).inventory;
  }
  return state.inventory;
}

const macsOf = (inventory: Inventory): string[] => inventory.nics.map((nic) => nic.mac);

async function refreshIdentity(deps: MenuDeps, server: MenuServer, state: MenuState): Promise<void> {
  try {
    const inventory = await inventoryOf(deps, state);
    state.hostName = (await server.lookup(macsOf(inventory))).host?.name ?? null;
  } catch (error) {
    await deps.ui.show({
      title: 'The server did not answer',
      lines: [toBrumeError(error).message, '', 'The menu works without it; registration and deploys need it.'],
    });
  }
}

async function quickRegistration(deps: MenuDeps, server: MenuServer, state: MenuState): Promise<void> {
  const inventory = await inventoryOf(deps, state);
  deps.ui.status('registering…');
  const registered = await server.register(inventory);
  state.hostName = registered.host.name;
  await deps.ui.show({ title: ENTRIES.quick, lines: [describeRegistration({ ...registered, warnings: [] })] });
}

/** Asks for a PIN or a name and password until the server accepts one (or Escape); the session is kept for the menu. */
async function technician(deps: MenuDeps, server: MenuServer, state: MenuState): Promise<TechSession | undefined> {
  if (state.session !== undefined && Date.parse(state.session.expiresAt) > Date.now()) return state.session;
  const values = await deps.ui.form({
    title: 'Technician login (a PIN from `brume tech pin`, or your name and password)',
    fields: [
      { kind: 'text', name: 'pin', label: 'PIN', secret: true },
      { kind: 'text', name: 'name', label: 'or name' },
      { kind: 'text', name: 'password', label: 'password', secret: true },
    ],
    submitLabel: 'Log in',
    validate: async (entered) => {
      try {
        const pin = String(entered['pin'] ?? '').trim();
        state.session = await server.login(
          pin !== ''
            ? { pin }
            : { name: String(entered['name'] ?? '').trim(), password: String(entered['password'] ?? '') },
        );
        return null;
      } catch (error) {
        return toBrumeError(error).message;
      }
    },
  });
  return values === null ? undefined : state.session;
}

async function fullRegistration(deps: MenuDeps, server: MenuServer, state: MenuState): Promise<MenuExit | undefined> {
  const inventory = await inventoryOf(deps, state);
  let assigned: string | undefined;
  const values = await deps.ui.form({
    title: ENTRIES.full,
    fields: [
      { kind: 'text', name: 'name', label: 'host name' },
      { kind: 'text', name: 'group', label: 'group (optional)' },
      // Typed, not picked: listing the server's images needs a technician's login, and registering does not.
      { kind: 'text', name: 'image', label: 'image to assign (optional)' },
      { kind: 'yesno', name: 'deployNow', label: 'deploy an image now', initial: false },
    ],
    submitLabel: 'Register',
    validate: async (entered) => {
      try {
        const registered = await server.register(inventory, formChoices(entered));
        state.hostName = registered.host.name;
        assigned = registered.host.image ?? undefined;
        return null;
      } catch (error) {
        return toBrumeError(error).message;
      }
    },
  });
  if (values === null) return undefined;
  // Deploying now takes the image just assigned, or asks for one after the technician's login.
  if (values['deployNow'] === true) return deployFlow(deps, server, state, assigned);
  await deps.ui.show({
    title: ENTRIES.full,
    lines: [`registered as ${state.hostName ?? '?'}${assigned === undefined ? '' : `, image ${assigned}`}`],
  });
  return undefined;
}

/** The form's text fields as the server takes them: an empty field is no choice (the server's pattern names the host). */
function formChoices(entered: Record<string, unknown>): { name?: string; group?: string; image?: string } {
  const choices: { name?: string; group?: string; image?: string } = {};
  for (const key of ['name', 'group', 'image'] as const) {
    const value = String(entered[key] ?? '').trim();
    if (value !== '') choices[key] = value;
  }
  return choices;
}

/** Login, image, confirmation, then the deploy on the console; a failure offers Retry, the shell, or a reboot. */
async function deployFlow(
  deps: MenuDeps,
  server: MenuServer,
  state: MenuState,
  preset: string | undefined,
): Promise<MenuExit | undefined> {
  const session = await technician(deps, server, state);
  if (session === undefined) return undefined;
  const image = preset ?? (await pickImage(deps, server, session));
  if (image === undefined) return undefined;
  const confirm = await deps.ui.show({
    title: `Deploy ${image} to ${state.hostName ?? 'this PC'}?`,
    lines: [`Everything on this PC's target disk is replaced by image ${image}.`, ...(await deps.disksText())],
    buttons: [
      { key: 'deploy', label: 'Deploy' },
      { key: 'back', label: 'Back' },
    ],
  });
  if (confirm !== 'deploy') return undefined;
  return runHere(deps, state, async () => server.deploy(session, macsOf(await inventoryOf(deps, state)), image));
}

/** A technician picks a session under way; this PC joins it and receives from its next file (earlier ones over HTTP). */
async function multicastFlow(deps: MenuDeps, server: MenuServer, state: MenuState): Promise<MenuExit | undefined> {
  const session = await technician(deps, server, state);
  if (session === undefined) return undefined;
  const { sessions } = await server.multicastSessions(session);
  if (sessions.length === 0) {
    await deps.ui.show({
      title: ENTRIES.multicast,
      lines: ['No multicast session is under way on the server (brume multicast start …).'],
    });
    return undefined;
  }
  const entries = sessions.map((entry) => ({
    key: String(entry.id),
    label: `session ${entry.id}: ${entry.image}  (${entry.state}, ${entry.receivers.length} PCs)`,
  }));
  const picked = await deps.ui.choose({ title: 'Which session?', entries });
  const chosen = sessions.find((entry) => String(entry.id) === picked);
  if (chosen === undefined) return undefined;
  const confirm = await deps.ui.show({
    title: `Join session ${chosen.id}: ${chosen.image} to ${state.hostName ?? 'this PC'}?`,
    lines: [`Everything on this PC's target disk is replaced by image ${chosen.image}.`, ...(await deps.disksText())],
    buttons: [
      { key: 'join', label: 'Join' },
      { key: 'back', label: 'Back' },
    ],
  });
  if (confirm !== 'join') return undefined;
  return runHere(deps, state, async () =>
    server.joinMulticast(session, chosen.id, macsOf(await inventoryOf(deps, state))),
  );
}

/** Runs a task made for this PC on the console; a failure offers Retry (a new task), the shell, a reboot, the menu. */
async function runHere(
  deps: MenuDeps,
  state: MenuState,
  create: () => Promise<TaskCreated>,
): Promise<MenuExit | undefined> {
  for (;;) {
    const created = await create();
    const outcome = await deps.ui.suspend(() => deps.runTask({ id: created.task.id, token: created.token }));
    if (outcome.ok) return 'reboot';
    const next = await deps.ui.show({
      title: `Task ${created.task.id} failed`,
      lines: failureLines(created.task.id, outcome),
      buttons: [
        { key: 'retry', label: 'Retry' },
        { key: 'shell', label: 'Debug shell' },
        { key: 'reboot', label: 'Reboot' },
        { key: 'menu', label: 'Back to the menu' },
      ],
    });
    if (next === 'shell') await deps.ui.suspend(deps.shell);
    if (next === 'reboot') {
      await deps.power('reboot');
      return 'reboot';
    }
    if (next !== 'retry') return undefined;
  }
}

async function pickImage(deps: MenuDeps, server: MenuServer, session: TechSession): Promise<string | undefined> {
  const { images } = await server.images(session);
  if (images.length === 0) {
    await deps.ui.show({ title: ENTRIES.deploy, lines: ['The server holds no image yet.'] });
    return undefined;
  }
  const entries = images.map((entry) => ({
    key: entry.name,
    label: `${entry.name}  (${entry.partitions} partitions, from ${entry.sourceHost})`,
  }));
  return (await deps.ui.choose({ title: 'Which image?', entries })) ?? undefined;
}

async function inventoryScreen(deps: MenuDeps, server: MenuServer, state: MenuState): Promise<void> {
  state.inventory = undefined;
  const inventory = await inventoryOf(deps, state);
  const known = state.hostName !== null;
  const choice = await deps.ui.show({
    title: ENTRIES.inventory,
    lines: inventoryLines(inventory),
    buttons: known
      ? [
          { key: 'send', label: `Send to the server (${state.hostName})` },
          { key: 'back', label: 'Back' },
        ]
      : [{ key: 'back', label: 'Back' }],
  });
  if (choice !== 'send') return;
  deps.ui.status('sending the inventory…');
  const registered = await server.register(inventory);
  await deps.ui.show({
    title: ENTRIES.inventory,
    lines: [`${registered.host.name}: the inventory joins its history (brume host show ${registered.host.name})`],
  });
}
