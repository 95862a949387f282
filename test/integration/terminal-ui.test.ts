// The technician's terminal UI where it runs: `brume ui-demo` walks a menu, a form and a page, driven here as a
// technician would. Full screen (blessed) under tmux at 80×25 with TERM=linux, the Linux console's type; plain lines
// from a pipe and under tmux with TERM=dumb; and the single executable dist/agent/brume in an empty environment.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { demoPage } from '../../agent/src/cli/ui-demo-command.ts';
import { withTmux, type TmuxSession } from '../support/tmux.ts';

const brume = fileURLToPath(new URL('../../bin/brume', import.meta.url));
const executable = fileURLToPath(new URL('../../dist/agent/brume', import.meta.url));
// bin/brume needs bash and coreutils from PATH; nothing else of the test's environment reaches the command.
const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

const FILLED_FORM = { name: 'good', token: 's3cret', site: 'lyon', wipe: true };
const WHOLE_WALK = { choice: 'capture', form: FILLED_FORM, suspended: true, button: 'ok' };
const page = demoPage();

/** The JSON line the demo prints on exit, read off the terminal once the command has ended. */
async function demoResult(session: TmuxSession): Promise<unknown> {
  expect(await session.waitForExit(15)).toBe(0);
  const screen = await session.capturePane({ joinWrapped: true });
  const line = screen.split('\n').find((row) => row.startsWith('{'));
  if (line === undefined) throw new Error(`no JSON result on the screen:\n${screen}`);
  return JSON.parse(line) as unknown;
}

/** The whole walk on the full screen: menu → form (refused once) → page; checks each screen on the way. */
async function walkFullScreen(session: TmuxSession): Promise<void> {
  await session.waitForText('Demo menu', 20);
  await session.sendKeys('2');
  await session.waitForText('Register this PC');
  await session.type('bad');
  await session.sendKeys('Tab');
  await session.type('s3cret');
  // Site: Paris → Lyon; Wipe: No → Yes; then the button.
  await session.sendKeys('Tab', 'Right', 'Tab', 'Space', 'Tab', 'Enter');
  const refused = await session.waitForText('The server refused the name "bad"');
  // The values stay as typed and chosen; the secret shows as stars only.
  expect(refused).toMatch(/PC name +bad/);
  expect(refused).toMatch(/Technician token +\*{6}(?!\*)/);
  expect(refused).toMatch(/Site +< Lyon >/);
  expect(refused).toMatch(/Wipe before deploying +< Yes >/);
  expect(refused).not.toContain('s3cret');

  await session.sendKeys('BTab', 'BTab', 'BTab', 'BTab', 'C-u');
  await session.type('good');
  await session.sendKeys('Tab', 'Tab', 'Tab', 'Tab', 'Enter');
  const first = await session.waitForText('System information');
  const rows = first.split('\n');
  // The text is 78 columns wide between the borders: line 05 (78 characters) is whole, every line of the first page shows.
  expect(page[4]).toHaveLength(78);
  expect(rows.some((row) => row.slice(1, -1) === page[4])).toBe(true);
  for (const line of page.slice(0, 18))
    expect(
      rows.some((row) => row.startsWith(line, 1)),
      line,
    ).toBe(true);
  expect(first).toContain('lines 1-18 of 24');

  await session.sendKeys('NPage');
  const second = await session.waitForText('lines 7-24 of 24');
  for (const line of page.slice(18)) expect(second).toContain(line);

  // Button 2 is disabled: it says why and stays; Enter then takes the first button.
  await session.sendKeys('2');
  await session.waitForText('Reboot is not available: the demo never reboots');
  await session.sendKeys('Enter');
}

describe('full screen (blessed), TERM=linux at 80×25', () => {
  const options = { command: [brume, 'ui-demo'], env: { TERM: 'linux', PATH }, columns: 80, rows: 25 };

  it('arrow down and Enter choose the second entry; Escape leaves the form', () =>
    withTmux(options, async (session) => {
      const menu = await session.waitForText('Demo menu', 20);
      expect(menu).toContain('↑↓ move · Enter choose · 1-9 · Esc back');
      await session.sendKeys('Down', 'Enter');
      await session.waitForText('Register this PC');
      await session.sendKeys('Escape');
      expect(await demoResult(session)).toEqual({ choice: 'capture', form: null });
    }));

  it('a digit chooses at once; a disabled entry is shown dimmed and cannot be chosen, by digit or by Enter', () =>
    withTmux(options, async (session) => {
      await session.waitForText('Demo menu', 20);
      const styled = (await session.capturePane({ attributes: true })).split('\n');
      // Enabled entries are bold; the disabled one is not, and says why.
      const BOLD = '\x1b[1m';
      expect(styled.find((row) => row.includes('Deploy an image'))).toContain(`${BOLD}Deploy an image`);
      expect(styled.find((row) => row.includes('Wipe the disk'))).not.toContain(BOLD);
      expect(styled.find((row) => row.includes('Wipe the disk'))).toContain(
        'Wipe the disk (not available: the demo never wipes)',
      );

      await session.sendKeys('3');
      await session.waitForText('Wipe the disk is not available: the demo never wipes');
      // The digit moved the selection onto the disabled entry: Enter there does nothing either.
      await session.sendKeys('Enter');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await session.capturePane()).toContain('Demo menu');
      await session.sendKeys('4');
      await session.waitForText('Register this PC');
      await session.sendKeys('Escape');
      expect(await demoResult(session)).toEqual({ choice: 'info', form: null });
    }));

  it('the form takes text, a choice and yes/no, shows the refusal and keeps the values; the page shows every line', () =>
    withTmux(options, async (session) => {
      await walkFullScreen(session);
      expect(await demoResult(session)).toEqual(WHOLE_WALK);
    }));
});

describe('plain lines', () => {
  /** Runs the demo with its stdin a pipe holding `lines`, as a script or a test would feed it. */
  function piped(lines: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(brume, ['ui-demo'], { env: { PATH, TERM: 'linux' }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
      child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(lines.map((line) => `${line}\n`).join(''));
    });
  }
  const lastLine = (text: string): unknown => JSON.parse(text.trimEnd().split('\n').at(-1) ?? '') as unknown;

  it('from a pipe: numbered choices, a refused entry, the form asked again with its values, the page and its buttons', async () => {
    // 3: disabled; 2: capture. Form: bad, secret, site 2, wipe y → refused; again: good, then Enter keeps the rest.
    // Page: Enter takes the first button.
    const run = await piped(['3', '2', 'bad', 's3cret', '2', 'y', 'good', '', '', '', '']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Choose [1-4] (Enter = 1, 0 = back): ');
    expect(run.stdout).toContain('  3. Wipe the disk (not available: the demo never wipes)');
    expect(run.stdout).toContain('Wipe the disk is not available: the demo never wipes');
    expect(run.stdout).toContain('! The server refused the name "bad"');
    expect(run.stdout).toContain('PC name [bad]: ');
    expect(run.stdout).toContain('Site [1-3] (Enter = 2): ');
    expect(run.stdout).toContain('Wipe before deploying [y/n] (Enter = y): ');
    for (const line of page) expect(run.stdout).toContain(`${line}\n`);
    expect(run.stdout).toContain('  2. Reboot (not available: the demo never reboots)');
    expect(lastLine(run.stdout)).toEqual(WHOLE_WALK);
  });

  it('0 goes back; the end of the input is an error, not an endless "back"', async () => {
    expect(lastLine((await piped(['0'])).stdout)).toEqual({ choice: null });
    const ended = await piped(['2', 'x']);
    expect(ended.code).toBe(1);
    expect(lastLine(ended.stdout)).toEqual({ error: 'the terminal input ended: no one can answer' });
  });

  it('under tmux with TERM=dumb: one question per line, the secret not echoed', () =>
    withTmux({ command: [brume, 'ui-demo'], env: { TERM: 'dumb', PATH }, columns: 80, rows: 25 }, async (session) => {
      const answer = async (prompt: string, text: string): Promise<void> => {
        await session.waitForText(prompt, 20);
        await session.type(text);
        await session.sendKeys('Enter');
      };
      await answer('Choose [1-4] (Enter = 1, 0 = back):', '2');
      await answer('PC name:', 'bad');
      await answer('Technician token:', 's3cret');
      await answer('Site [1-3] (Enter = 1):', '2');
      await answer('Wipe before deploying [y/n] (Enter = n):', 'y');
      await answer('PC name [bad]:', 'good');
      const screen = await session.waitForText('Technician token [unchanged]:');
      expect(screen).not.toContain('s3cret');
      await session.sendKeys('Enter');
      await answer('Site [1-3] (Enter = 2):', '');
      await answer('Wipe before deploying [y/n] (Enter = y):', '');
      await answer('Choose [1-3] (Enter = 1):', '');
      expect(await demoResult(session)).toEqual(WHOLE_WALK);
    }));
});

// The lead's CI builds dist/agent/brume before the end-to-end tests; from a bare checkout there is nothing to run.
const built = existsSync(executable);
const skipReason = built ? '' : ' [skipped: dist/agent/brume does not exist; `npm run build:agent` builds it]';

describe(`the single executable dist/agent/brume under env -i${skipReason}`, () => {
  const terminfoLeftovers = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('brume-terminfo-'));

  it.skipIf(!built)(
    'TERM=linux at 80×25: the whole walk, with blessed and the system terminfo from inside the executable',
    () =>
      withTmux(
        { command: [executable, 'ui-demo'], env: { TERM: 'linux' }, cwd: '/', columns: 80, rows: 25 },
        async (session) => {
          await walkFullScreen(session);
          expect(await demoResult(session)).toEqual(WHOLE_WALK);
        },
      ),
  );

  it.skipIf(!built)(
    "TERM=xterm-256color (an entry blessed cannot parse): blessed's own entry, embedded, and nothing left in /tmp",
    () =>
      withTmux(
        { command: [executable, 'ui-demo'], env: { TERM: 'xterm-256color' }, cwd: '/', columns: 80, rows: 25 },
        async (session) => {
          const before = terminfoLeftovers();
          await session.waitForText('Demo menu', 20);
          await session.sendKeys('Down', 'Enter');
          await session.waitForText('Register this PC');
          await session.sendKeys('Escape');
          expect(await demoResult(session)).toEqual({ choice: 'capture', form: null });
          expect(terminfoLeftovers().filter((name) => !before.includes(name))).toEqual([]);
        },
      ),
  );
});
