// A terminal for tests that drive full-screen programs: the command runs in a detached tmux session of a fixed size,
// keys go in with send-keys and the screen comes back as plain text with capture-pane. Each session has its own tmux
// server (a private socket in a fresh directory), so tests never touch a developer's tmux and a kill takes everything
// down; a session a test forgets is killed when the test process exits.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TmuxOptions {
  /** The program and its arguments, run directly (no shell). */
  command: readonly string[];
  /** The command's whole environment (TERM included): nothing of the test's own environment leaks in. */
  env: Record<string, string>;
  cwd?: string;
  columns?: number;
  rows?: number;
}

export interface TmuxSession {
  readonly name: string;
  /** tmux key names, one key each: 'Down', 'Enter', 'Escape', 'Tab', 'BTab', 'NPage', 'Space', '2'. */
  sendKeys(...keys: string[]): Promise<void>;
  /** Literal text, as typed. */
  type(text: string): Promise<void>;
  /**
   * The visible screen, one string per row (tmux trims trailing blanks); `joinWrapped` joins each full-width row to the
   * next, as a line the terminal wrapped; `attributes` keeps colours and bold as SGR escape sequences.
   */
  capturePane(options?: { joinWrapped?: boolean; attributes?: boolean }): Promise<string>;
  /** Polls the screen until it matches; fails with the last screen in the message. */
  waitForText(pattern: RegExp | string, seconds?: number): Promise<string>;
  /** The command's exit code once it has ended (its last screen stays to be read), waiting up to `seconds`. */
  waitForExit(seconds?: number): Promise<number>;
  kill(): Promise<void>;
}

const live = new Set<() => void>();
let exitHookInstalled = false;

/** Last resort for a test that died before its `kill()`: synchronous, since it runs in the process's 'exit' event. */
function killOnExit(killNow: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const kill of live) kill();
    });
  }
  live.add(killNow);
  return () => live.delete(killNow);
}

let sessions = 0;

export async function startTmux(options: TmuxOptions): Promise<TmuxSession> {
  const dir = mkdtempSync(join(tmpdir(), 'brume-tmux-'));
  const socket = join(dir, 'socket');
  const statusFile = join(dir, 'status');
  sessions += 1;
  const name = `brume-${process.pid}-${sessions}`;
  const tmux = (...args: string[]) => run('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
  const envArgs = Object.entries(options.env).map(([key, value]) => `${key}=${value}`);
  const killNow = () => {
    try {
      execFileSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const forget = killOnExit(killNow);

  // One client call so the options hold before the command starts: no user config, no status line (the pane is the
  // whole columns × rows).
  await tmux(
    '-f',
    '/dev/null',
    'start-server',
    ';',
    'set-option',
    '-g',
    'status',
    'off',
    ';',
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    String(options.columns ?? 80),
    '-y',
    String(options.rows ?? 25),
    ...(options.cwd === undefined ? [] : ['-c', options.cwd]),
    // A shell records the exit code in a file and keeps the pane open on the command's last screen. Not tmux's own
    // remain-on-exit: its "Pane is dead" line scrolls the screen up a row, and #{pane_dead_status} can stay empty for
    // seconds after the command has ended.
    '/usr/bin/env',
    '-i',
    ...envArgs,
    '/bin/sh',
    '-c',
    '"$@"; echo "$?" > "$0"; exec sleep 3600',
    statusFile,
    ...options.command,
  );

  const columns = options.columns ?? 80;
  const capturePane = async ({ joinWrapped = false, attributes = false } = {}): Promise<string> => {
    const screen = (await tmux('capture-pane', '-p', ...(attributes ? ['-e'] : []), '-t', name)).stdout;
    // Not tmux's own -J: in tmux 3.3 it loses the start of a wrapped line in the top row.
    return joinWrapped
      ? screen.split('\n').reduce((joined, row) => joined + row + ([...row].length === columns ? '' : '\n'), '')
      : screen;
  };

  const poll = async <T>(seconds: number, what: string, attempt: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const found = await attempt();
      if (found !== undefined) return found;
      if (Date.now() > deadline)
        throw new Error(`tmux ${name}: ${what} after ${seconds} s; the screen:\n${await capturePane()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  return {
    name,
    async sendKeys(...keys) {
      await tmux('send-keys', '-t', name, ...keys);
    },
    async type(text) {
      await tmux('send-keys', '-t', name, '-l', text);
    },
    capturePane,
    waitForText(pattern, seconds = 10) {
      const matches = (screen: string) =>
        typeof pattern === 'string' ? screen.includes(pattern) : pattern.test(screen);
      return poll(seconds, `no ${String(pattern)}`, async () => {
        const screen = await capturePane();
        return matches(screen) ? screen : undefined;
      });
    },
    waitForExit(seconds = 10) {
      return poll(seconds, 'the command is still running', async () => {
        let status: string;
        try {
          status = readFileSync(statusFile, 'utf8');
        } catch {
          return undefined;
        }
        // Written by `echo`: complete once it ends with its newline.
        return status.endsWith('\n') ? Number(status) : undefined;
      });
    },
    async kill() {
      forget();
      killNow();
    },
  };
}

/** Runs `test` with a fresh session and always kills it, whatever the test does. */
export async function withTmux<T>(options: TmuxOptions, test: (session: TmuxSession) => Promise<T>): Promise<T> {
  const session = await startTmux(options);
  try {
    return await test(session);
  } finally {
    await session.kill();
  }
}
