import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TerminalInputClosed } from './line-reader.ts';
import { openPlainUi } from './plain-ui.ts';
import { canUseFullScreen } from './open-terminal-ui.ts';
import type { FormField, MenuEntry } from './terminal-ui.ts';

/** A plain UI reading `lines` from a pipe, and everything it wrote. */
function plainUi(lines: string[]) {
  const input = new PassThrough();
  const output = new PassThrough();
  let written = '';
  output.on('data', (chunk: Buffer) => (written += chunk.toString()));
  input.end(lines.map((line) => `${line}\n`).join(''));
  return { ui: openPlainUi({ input, output }), written: () => written };
}

const entries: MenuEntry[] = [
  { key: 'a', label: 'Alpha' },
  { key: 'b', label: 'Beta', disabled: true, hint: 'not today' },
  { key: 'c', label: 'Gamma', hint: 'the third' },
];

describe('plain choose()', () => {
  it('numbers the entries, refuses a disabled one and nonsense, and takes the next valid answer', async () => {
    const { ui, written } = plainUi(['2', 'x', '9', '3']);
    expect(await ui.choose({ title: 'Menu', entries })).toBe('c');
    expect(written()).toContain('Brume - Menu\n============\n');
    expect(written()).toContain('  2. Beta (not available: not today)\n  3. Gamma - the third\n');
    expect(written()).toContain('Beta is not available: not today');
    expect(written()).toContain('"x" is not a choice: type a number from 1 to 3, or 0 to go back.');
    expect(written()).toContain('"9" is not a choice');
  });

  it('Enter takes initialKey (or the first enabled entry); 0 is back', async () => {
    expect(await plainUi(['']).ui.choose({ title: 'Menu', entries, initialKey: 'c' })).toBe('c');
    const fallback = plainUi(['']);
    expect(await fallback.ui.choose({ title: 'Menu', entries, initialKey: 'b' })).toBe('a');
    expect(fallback.written()).toContain('Choose [1-3] (Enter = 1, 0 = back): ');
    expect(await plainUi(['0']).ui.choose({ title: 'Menu', entries })).toBeNull();
  });

  it('rejects with TerminalInputClosed when the input ends', async () => {
    await expect(plainUi([]).ui.choose({ title: 'Menu', entries })).rejects.toBeInstanceOf(TerminalInputClosed);
  });
});

describe('plain form()', () => {
  const fields: FormField[] = [
    { kind: 'text', name: 'name', label: 'Name', initial: 'pc-1' },
    {
      kind: 'choice',
      name: 'site',
      label: 'Site',
      options: [
        { value: 'p', label: 'Paris' },
        { value: 'l', label: 'Lyon' },
      ],
    },
    { kind: 'yesno', name: 'wipe', label: 'Wipe' },
  ];

  it('asks field by field; Enter keeps the value shown; a refusal asks again with the values kept', async () => {
    const seen: unknown[] = [];
    const { ui, written } = plainUi(['bad', '2', 'yes', '', '', '', 'good', '', '']);
    const values = await ui.form({
      title: 'Form',
      fields,
      validate: async (candidate) => {
        seen.push(candidate);
        return candidate['name'] === 'good' ? null : `"${String(candidate['name'])}" is refused`;
      },
    });
    expect(values).toEqual({ name: 'good', site: 'l', wipe: true });
    expect(seen).toEqual([{ name: 'bad', site: 'l', wipe: true }, { name: 'bad', site: 'l', wipe: true }, values]);
    expect(written()).toContain('Name [pc-1]: ');
    expect(written()).toContain('! "bad" is refused');
    expect(written()).toContain('Name [bad]: ');
    expect(written()).toContain('Site [1-2] (Enter = 2): ');
    expect(written()).toContain('Wipe [y/n] (Enter = y): ');
  });

  it('re-asks a choice or a yes/no it cannot read; < at any question is back', async () => {
    const { ui, written } = plainUi(['', '7', '1', 'maybe', '<']);
    expect(await ui.form({ title: 'Form', fields })).toBeNull();
    expect(written()).toContain('"7" is not one of 1 to 2.');
    expect(written()).toContain('Answer y or n.');
  });

  it("does not show a secret field's value, only that it has one", async () => {
    const { ui, written } = plainUi(['', '']);
    const values = await ui.form({
      title: 'Form',
      fields: [
        { kind: 'text', name: 'token', label: 'Token', secret: true, initial: 'hunter2' },
        fields[0] as FormField,
      ],
    });
    expect(values).toEqual({ token: 'hunter2', name: 'pc-1' });
    expect(written()).toContain('Token [unchanged]: ');
    expect(written()).not.toContain('hunter2');
  });
});

describe('plain show()', () => {
  it('prints the lines, then the buttons as a numbered choice without "back"', async () => {
    const { ui, written } = plainUi(['0', '2']);
    const key = await ui.show({
      title: 'Page',
      lines: ['one', 'two'],
      buttons: [
        { key: 'ok', label: 'OK' },
        { key: 'retry', label: 'Retry' },
      ],
    });
    expect(key).toBe('retry');
    expect(written()).toContain('one\ntwo\n  1. OK\n  2. Retry\nChoose [1-2] (Enter = 1): ');
    expect(written()).toContain('"0" is not a choice: type a number from 1 to 2.');
  });

  it('has one OK button by default', async () => {
    expect(await plainUi(['']).ui.show({ title: 'Page', lines: [] })).toBe('ok');
  });
});

describe('canUseFullScreen', () => {
  const sized = (columns: number, rows: number): NodeJS.WritableStream =>
    Object.assign(new PassThrough(), { columns, rows });
  const base = { input: new PassThrough(), output: sized(80, 25), isTTY: true, term: 'linux' };
  it('wants a terminal of a known size of 80×24 at least: a serial console (0×0) gets the plain menu', () => {
    expect(canUseFullScreen({ ...base, output: sized(0, 0) })).toBe(false);
    expect(canUseFullScreen({ ...base, output: sized(80, 20) })).toBe(false);
    expect(canUseFullScreen({ ...base, output: new PassThrough() })).toBe(false);
    expect(canUseFullScreen({ ...base, output: sized(132, 43) })).toBe(true);
  });

  it('wants a terminal of a known type, and no forcePlain', () => {
    expect(canUseFullScreen(base)).toBe(true);
    expect(canUseFullScreen({ ...base, isTTY: false })).toBe(false);
    expect(canUseFullScreen({ ...base, term: undefined })).toBe(false);
    expect(canUseFullScreen({ ...base, term: '' })).toBe(false);
    expect(canUseFullScreen({ ...base, term: 'dumb' })).toBe(false);
    expect(canUseFullScreen({ ...base, forcePlain: true })).toBe(false);
  });
});
