// `brume ui-demo [--plain]` (hidden, not in the usage): walks the terminal UI through a menu, a form, a hand-over of
// the terminal and a page, then prints what was chosen as one JSON line. The tests drive it under tmux, from the
// checkout and from the single executable, to prove the UI works where the agent runs.
import { setTimeout as delay } from 'node:timers/promises';
import { openTerminalUi } from '../ui/terminal/open-terminal-ui.ts';
import type { FormField, MenuEntry, TerminalUi } from '../ui/terminal/terminal-ui.ts';
import { parseFlags } from './args.ts';

const MENU: MenuEntry[] = [
  { key: 'deploy', label: 'Deploy an image' },
  { key: 'capture', label: 'Capture this PC' },
  { key: 'wipe', label: 'Wipe the disk', disabled: true, hint: 'the demo never wipes' },
  { key: 'info', label: 'System information', hint: 'hardware, disks, network' },
];

const FIELDS: FormField[] = [
  { kind: 'text', name: 'name', label: 'PC name' },
  { kind: 'text', name: 'token', label: 'Technician token', secret: true },
  {
    kind: 'choice',
    name: 'site',
    label: 'Site',
    options: [
      { value: 'paris', label: 'Paris' },
      { value: 'lyon', label: 'Lyon' },
      { value: 'lille', label: 'Lille' },
    ],
    initial: 'paris',
  },
  { kind: 'yesno', name: 'wipe', label: 'Wipe before deploying', initial: false },
];

/** Stands in for the server's check: "bad" is refused, as a name already taken would be. */
async function validateDemo(values: Record<string, string | boolean>): Promise<string | null> {
  await delay(150);
  if (values['name'] === '') return 'Give this PC a name.';
  return values['name'] === 'bad' ? 'The server refused the name "bad": it is taken. Choose another one.' : null;
}

/** 24 lines, more than one page: line 05 is exactly 78 characters, the width of the text at 80 columns. */
export function demoPage(): string[] {
  const lines = Array.from(
    { length: 24 },
    (_, index) => `line ${String(index + 1).padStart(2, '0')}: ${'abcdefghij'.repeat(3).slice(0, 10 + index)}`,
  );
  lines[4] = `line 05: ${'0123456789'.repeat(7)}`.slice(0, 77).concat('|');
  return lines;
}

async function walk(ui: TerminalUi): Promise<Record<string, unknown>> {
  const choice = await ui.choose({ title: 'Demo menu', subtitle: 'What should this PC do?', entries: MENU });
  if (choice === null) return { choice };
  const form = await ui.form({
    title: 'Register this PC',
    fields: FIELDS,
    submitLabel: 'Register',
    validate: validateDemo,
  });
  if (form === null) return { choice, form };
  const suspended = await ui.suspend(async () => {
    process.stdout.write('ui-demo: the terminal is back for other output\n');
    await delay(50);
    return true;
  });
  ui.status('Reading system information...');
  await delay(100);
  const button = await ui.show({
    title: 'System information',
    lines: demoPage(),
    buttons: [
      { key: 'ok', label: 'OK' },
      { key: 'reboot', label: 'Reboot', disabled: true, hint: 'the demo never reboots' },
      { key: 'again', label: 'Back' },
    ],
  });
  return { choice, form, suspended, button };
}

export async function uiDemo(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { plain: { type: 'boolean', default: false } });
  const ui = openTerminalUi({
    input: process.stdin,
    output: process.stdout,
    term: process.env['TERM'],
    isTTY: process.stdin.isTTY && process.stdout.isTTY,
    forcePlain: values.plain,
  });
  let result: Record<string, unknown>;
  try {
    result = await walk(ui);
  } catch (error) {
    result = { error: error instanceof Error ? error.message : String(error) };
  } finally {
    ui.close();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 'error' in result ? 1 : 0;
}
