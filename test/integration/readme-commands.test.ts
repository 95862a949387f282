// Every command the README shows in its ```sh blocks must work as written in a new terminal after scripts/setup,
// without `. scripts/env.sh`: each is run here in its --help or dry form from `env -i PATH=/usr/bin:/bin`, where `node`
// is the machine's own (Node 20 on Debian 12, which cannot run the TypeScript sources) or none at all. The README is
// read when the test runs, so a command added to it is checked too, and one this test does not know fails it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Commands whose check is a dry form rather than `--help`. */
const DRY_FORMS: Record<string, string> = {
  'bin/brume install-service': 'bin/brume install-service --dry-run',
};

/** Programs of README lines that cannot be run here harmlessly, and why. */
const NOT_RUN: Record<string, string> = {
  brume:
    "typed in the ramdisk's debug shell, where brume is on PATH; a checkout runs bin/brume (checked on every other line)",
  export: "sets the shell's variables for the commands after it; nothing runs",
  printf: 'feeds a password to the command after it in the pipe (bin/brume tech add, checked)',
  curl: 'asks a server at http://imaging:8080, which is not this machine',
  systemctl: 'reads the unit install-service installed on a real server (install-service --dry-run is checked)',
  journalctl: 'reads the log of the unit install-service installed on a real server',
  cat: 'reads the admin token of the server install-service installed',
};

/** One command of the README: the program and its (sub)command words, e.g. `bin/brume task deploy`, `npm run bench`. */
interface ReadmeCommand {
  key: string;
  /** The README line it came from, for the failure message. */
  line: string;
}

const WORD = /^[a-z][a-z0-9-]*$/;
const ALTERNATIVES = /^[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)+$/;

/** The ```sh blocks' lines: continuations joined, comments dropped. */
function readmeLines(readme: string): string[] {
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((match) => match[1] ?? '');
  return blocks
    .flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((line) => line.replace(/(^|\s)#\s.*$/, '').trim())
    .filter((line) => line !== '');
}

/** A line's commands: `a; b`, `a | b` and `a   bin/brume b` (several commands on one line) are each their own. */
function segments(line: string): string[] {
  return line
    .split(/;|\s\|\s|\s{3,}(?=(?:sudo\s+)?(?:bin\/|scripts\/|npm\s))/)
    .map((segment) => segment.trim().replace(/^sudo\s+/, ''))
    .filter((segment) => segment !== '');
}

/** The command words after the program, at most two (`task deploy`); `list|show ID|cancel ID` gives each choice. */
function commandWords(tokens: string[], rest: string): string[][] {
  const [first, second] = tokens;
  if (first === undefined || !(WORD.test(first) || ALTERNATIVES.test(first))) return [[]];
  if (ALTERNATIVES.test(first)) return first.split('|').map((word) => [word]);
  if (second === undefined) return [[first]];
  if (WORD.test(second)) return [[first, second]];
  if (!second.includes('|') || !WORD.test(second.split('|')[0] ?? '')) return [[first]];
  // `list|show ID|pause ID`: the choices run on past the first token, each one a word after a bar.
  const choices = rest.slice(rest.indexOf(second)).split(/\s\[|\s-/)[0] ?? '';
  const words = [
    second.split('|')[0] ?? '',
    ...[...choices.matchAll(/\|([a-z][a-z0-9-]*)/g)].map((match) => match[1] ?? ''),
  ];
  return [...new Set(words)].map((word) => [first, word]);
}

function readmeCommands(readme: string): { commands: ReadmeCommand[]; skipped: string[]; unknown: string[] } {
  const commands = new Map<string, ReadmeCommand>();
  const skipped: string[] = [];
  const unknown: string[] = [];
  for (const line of readmeLines(readme)) {
    let previous: string | undefined;
    for (const segment of segments(line)) {
      const [program = '', ...tokens] = segment.split(/\s+/);
      if (program in NOT_RUN) {
        skipped.push(segment);
        continue;
      }
      let keys: string[];
      if (program === 'npm' && tokens[0] === 'run' && tokens[1] !== undefined) keys = [`npm run ${tokens[1]}`];
      else if (program.includes('/'))
        keys = commandWords(tokens, segment).map((words) => [program, ...words].join(' '));
      // `upload FILE… | list | delete NAME`: the other choices of the previous command's last word.
      else if (WORD.test(program) && previous !== undefined)
        keys = [`${previous.split(' ').slice(0, -1).join(' ')} ${program}`];
      else {
        unknown.push(segment);
        continue;
      }
      for (const key of keys) if (!commands.has(key)) commands.set(key, { key, line });
      previous = keys[0];
    }
  }
  return { commands: [...commands.values()], skipped, unknown };
}

function probeOf(key: string): string {
  return DRY_FORMS[key] ?? (key.startsWith('npm run ') ? `${key} -- --help` : `${key} --help`);
}

const home = mkdtempSync(join(tmpdir(), 'brume-readme-home-'));

/** A command in a shell that has only the machine's PATH, from the checkout's root, as a new terminal would run it. */
function plainShell(command: string): Promise<{ code: number; output: string }> {
  const env = ['-i', 'PATH=/usr/bin:/bin', `HOME=${home}`, 'npm_config_update_notifier=false', 'npm_config_fund=false'];
  return new Promise((done) => {
    execFile('env', [...env, 'bash', '-c', command], { cwd: ROOT, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      done({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** Node's crash output: a stack frame, an internal module, or one of its ERR_ codes. */
const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$|node:internal\/|\bERR_[A-Z_]{4,}\b/m;

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const found = readmeCommands(readme);

describe("the README's commands in a plain shell", () => {
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('finds the commands of every ```sh block, and knows every program they start', () => {
    expect(found.unknown, 'programs this test neither runs nor lists in NOT_RUN').toEqual([]);
    expect(found.commands.length).toBeGreaterThan(40);
    expect(found.commands.map((command) => command.key)).toEqual(
      expect.arrayContaining([
        'scripts/demo',
        'npm run build:boot',
        'npm run bench',
        'bin/brume task deploy',
        'bin/brume multicast cancel',
      ]),
    );
  });

  it("tells a command that dies under the machine's Node from one that works", async () => {
    const broken = await plainShell('node scripts/demo.ts --help');
    expect(broken.code !== 0 || STACK_TRACE.test(broken.output)).toBe(true);
  });

  it.each(found.commands.map((command) => [probeOf(command.key), command] as const))('%s', async (probe, command) => {
    const { code, output } = await plainShell(probe);
    expect(code, `${probe} (README: ${command.line})\n${output}`).toBe(0);
    expect(output, `${probe} printed a stack trace`).not.toMatch(STACK_TRACE);
    expect(output.trim(), `${probe} printed nothing`).not.toBe('');
  });
});
