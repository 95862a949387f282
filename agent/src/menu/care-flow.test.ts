import type { TaskCreated, TechSession } from '@brume/protocol';
import { describe, expect, it } from 'vitest';
import type { FormScreen, MenuScreen, TerminalUi } from '../ui/terminal/terminal-ui.ts';
import { careMenu } from './care-flow.ts';
import type { MenuDeps } from './menu-deps.ts';
import { MenuServer } from './server-calls.ts';

const SESSION: TechSession = { token: 'tech', expiresAt: '2026-12-08T10:00:00.000Z', technician: 'ana' };

/** A server that records the care tasks asked of it and makes each one queued. */
class RecordingServer extends MenuServer {
  readonly asked: { kind: string; params: Record<string, unknown> }[] = [];
  override care = async (
    _session: TechSession,
    _macs: string[],
    kind: TaskCreated['task']['kind'],
    params: Record<string, unknown>,
  ): Promise<TaskCreated> => {
    this.asked.push({ kind, params });
    return { task: { id: 7, kind } as TaskCreated['task'], token: 'task-token', cmdline: '' };
  };
}

/** A terminal that picks `choices` in turn, fills each form with the next `entries` (trying each in order), and answers pages with `start`. */
function scriptedUi(
  choices: (string | null)[],
  entries: Record<string, string>[][],
): { ui: TerminalUi; menus: MenuScreen[]; forms: FormScreen[]; refusals: (string | null)[] } {
  const menus: MenuScreen[] = [];
  const forms: FormScreen[] = [];
  const refusals: (string | null)[] = [];
  const ui: TerminalUi = {
    choose: async (screen) => {
      menus.push(screen);
      return choices.shift() ?? null;
    },
    form: async (screen) => {
      forms.push(screen);
      for (const values of entries.shift() ?? []) {
        const refused = (await screen.validate?.(values)) ?? null;
        refusals.push(refused);
        if (refused === null) return values;
      }
      return null;
    },
    show: async () => 'start',
    status: () => undefined,
    suspend: (run) => run(),
    close: () => undefined,
  };
  return { ui, menus, forms, refusals };
}

const deps = (ui: TerminalUi): MenuDeps => ({
  ui,
  server: 'http://127.0.0.1:1',
  retryDeadlineMs: 0,
  collect: async () => {
    throw new Error('not reached');
  },
  runTask: async () => ({ ok: true, summary: 'done' }),
  disksText: async () => [],
  shell: async () => undefined,
  targetDisk: async () => '/dev/sdb',
  interactive: async () => [],
  power: async () => undefined,
});
const context = { hostName: 'pc-01', login: async () => SESSION, macs: async () => ['52:54:00:00:00:01'] };

describe("the Disk care menu, built from the kinds' declarations", () => {
  it('lists the kinds with a menu entry, the read-only ones first, then the tools', async () => {
    const { ui, menus } = scriptedUi([null], []);
    await careMenu(deps(ui), new RecordingServer('http://127.0.0.1:1', 0), context);
    expect(menus[0]?.entries.map((entry) => entry.key)).toEqual([
      'surface-test',
      'virus-scan',
      'recover',
      'wipe',
      'tools',
    ]);
    expect(menus[0]?.entries[3]?.label).toBe('Wipe the disk');
  });

  it("makes a wipe only once the disk's name is typed, with the mode chosen in its form", async () => {
    const { ui, forms, refusals } = scriptedUi(
      ['wipe', null],
      [
        [
          { mode: 'full', confirm: 'sda' },
          { mode: 'full', confirm: 'sdb' },
        ],
      ],
    );
    const server = new RecordingServer('http://127.0.0.1:1', 0);
    await careMenu(deps(ui), server, context);
    expect(forms[0]?.fields.map((field) => field.name)).toEqual(['mode', 'confirm']);
    expect(refusals).toEqual(["type sdb (the disk's name) to confirm: everything on /dev/sdb is erased", null]);
    expect(server.asked).toEqual([{ kind: 'wipe', params: { mode: 'full' } }]);
  });

  it("checks a recovery's settings with its params schema, and leaves out what was not typed", async () => {
    const { ui, refusals } = scriptedUi(
      ['recover', null],
      [
        [
          { destination: 'floppy', types: '', partition: '' },
          { destination: 'usb:BACKUP', types: 'png, jpg', partition: '' },
        ],
      ],
    );
    const server = new RecordingServer('http://127.0.0.1:1', 0);
    await careMenu(deps(ui), server, context);
    expect(refusals[0]).toContain('server, or usb:DEVICE or usb:LABEL');
    expect(server.asked).toEqual([{ kind: 'recover', params: { destination: 'usb:BACKUP', types: 'png,jpg' } }]);
  });
});
