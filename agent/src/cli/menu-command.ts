import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { BrumeError } from '@brume/protocol';
import { AGENT_LOG_FILE } from '../agent-log.ts';
import { runAgentTask, type AgentOutcome } from '../agent-loop.ts';
import {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_LEVEL,
  DEFAULT_REQUEST_TIMEOUT_MS,
  agentConfig,
  runLogDir,
  ServerUrl,
  type AgentConfig,
  type AgentMode,
} from '../config.ts';
import { runInteractive } from '../care/recover-interactive.ts';
import { chooseTargetDisk } from '../disk/target-choice.ts';
import type { MenuDeps, MenuTaskOutcome } from '../menu/menu-deps.ts';
import { runMenu, runTaskFailure, type MenuExit } from '../menu/menu-flow.ts';
import type { CollectedInventory } from '../registration.ts';
import { sysDisks, type DiskSource } from '../sys/disks.ts';
import type { Runner } from '../sys/exec.ts';
import { powerAfterTask } from '../sys/power.ts';
import { logTail } from '../ui/error-screen.ts';
import { openTerminalUi } from '../ui/terminal/open-terminal-ui.ts';
import type { TerminalUi } from '../ui/terminal/terminal-ui.ts';
import { CANCEL_NOTICE_MS, cancelledText } from '../work-ledger.ts';
import { createOutput } from './output.ts';

export interface MenuCommandDeps {
  run: Runner;
  collect: () => Promise<CollectedInventory>;
  disks: DiskSource | undefined;
  /** A disk named with --disk: deploys from the menu go there (tests point it at a loop device). */
  disk: string | undefined;
  retryDeadlineMs: number;
  /** The plain numbered menu even on a terminal blessed could drive. */
  plain: boolean;
}

/**
 * `brume agent --server URL --menu` (or brume.mode=menu in the ramdisk): the technician's menu on this terminal. It
 * ends when the PC reboots or powers off; outside the ramdisk, "Reboot" and "Power off" only leave the menu.
 */
export async function menuCommand(mode: Extract<AgentMode, { kind: 'menu' }>, deps: MenuCommandDeps): Promise<number> {
  const server = ServerUrl.safeParse(mode.server);
  if (!server.success)
    throw new BrumeError(
      'BAD_REQUEST',
      `--server (or brume.server= on the kernel command line): ${server.error.issues[0]?.message ?? 'invalid'}`,
    );
  const ui = openConsoleUi(deps.plain);
  const menuDeps = menuDepsFor(ui, server.data, deps, async (action) => {
    if (mode.ramdisk) await powerAfterTask(deps.run, action);
  });
  try {
    await runMenu(menuDeps);
    return 0;
  } finally {
    ui.close();
  }
}

/**
 * After a network-booted task failed (its logs shipped, the plain error screen printed): the failure page with Retry
 * (a deploy, again), Debug shell, Reboot and the Brume menu. Resolves how it was left: 'quit' hands over to /init's shell.
 */
export async function bootTaskFailure(
  config: AgentConfig,
  outcome: Extract<AgentOutcome, { ok: false }>,
  deps: MenuCommandDeps,
): Promise<MenuExit> {
  const ui = openConsoleUi(deps.plain);
  const menuDeps = menuDepsFor(ui, config.server, deps, (action) => powerAfterTask(deps.run, action));
  const failure = {
    taskId: config.taskId,
    kind: outcome.task?.kind ?? 'task',
    retryImage: outcome.task?.kind === 'deploy' ? outcome.task.image : null,
    outcome: {
      ok: false as const,
      step: outcome.step,
      code: outcome.error.code,
      message: outcome.error.message,
      logTail: logTail(join(config.logDir, AGENT_LOG_FILE)),
      logsShipped: outcome.logsShipped,
    },
  };
  try {
    return await runTaskFailure(menuDeps, failure);
  } finally {
    ui.close();
  }
}

function openConsoleUi(plain: boolean): TerminalUi {
  return openTerminalUi({
    input: process.stdin,
    output: process.stdout,
    term: process.env['TERM'],
    isTTY: process.stdout.isTTY === true && process.stdin.isTTY === true,
    forcePlain: plain,
  });
}

/** What the menu flows use, on this PC's console; `power` decides whether Reboot and Power off really act. */
function menuDepsFor(ui: TerminalUi, server: string, deps: MenuCommandDeps, power: MenuDeps['power']): MenuDeps {
  const disks = deps.disks ?? sysDisks();
  return {
    ui,
    server,
    collect: deps.collect,
    retryDeadlineMs: deps.retryDeadlineMs,
    power,
    runTask: (task) => runTaskHere(server, task, deps),
    disksText: () => disksText(deps.run, disks, deps.disk),
    shell: () => runShell(),
    targetDisk: async () => targetDisk(disks, deps.disk),
    interactive: (tool, usb, folder) =>
      runInteractive(tool, usb, folder, { run: deps.run, onConsole: runOnConsole, workDir: tmpdir() }),
  };
}

/** The disk a task started from the menu works on: --disk, else the agent's rule; undefined when none fits. */
function targetDisk(disks: DiskSource, named: string | undefined): string | undefined {
  try {
    const hint = named === undefined ? undefined : { path: named, from: 'flag' as const, name: disks.resolve(named) };
    return chooseTargetDisk(disks.list(), hint).path;
  } catch {
    return undefined;
  }
}

/** A program on the console (TestDisk, PhotoRec) until it exits; its exit status (-1: it could not start). */
function runOnConsole(command: string, args: readonly string[], cwd: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { stdio: 'inherit', cwd });
    child.once('exit', (code) => resolve(code ?? -1));
    child.once('error', () => resolve(-1));
  });
}

/** A deploy the server created for this PC, run here as if the PC had booted for it, its progress on the console. */
async function runTaskHere(
  server: string,
  task: { id: number; token: string },
  deps: MenuCommandDeps,
): Promise<MenuTaskOutcome> {
  const config = agentConfig({
    server,
    taskId: task.id,
    token: task.token,
    disk: deps.disk,
    diskFrom: 'flag',
    after: 'none',
    ramdisk: false,
    json: false,
    logDir: runLogDir(undefined),
    stagingDir: tmpdir(),
    retryDeadlineMs: deps.retryDeadlineMs,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    chunkBytes: DEFAULT_CHUNK_BYTES,
    level: DEFAULT_LEVEL,
  });
  const output = createOutput(false);
  const outcome = await runAgentTask(config, {
    run: deps.run,
    console: output.reporter,
    ...(deps.disks === undefined ? {} : { disks: deps.disks }),
  });
  if (outcome.ok) {
    output.finish(outcome.summary);
    return { ok: true, summary: `task ${task.id} done` };
  }
  if (outcome.cancelled !== undefined && outcome.logsShipped) {
    // Stopped by a technician, not failed: its account on the console, then the reboot that follows any task.
    output.cancelled(outcome.error, outcome.cancelled);
    process.stderr.write(cancelledText(outcome.cancelled));
    await sleep(CANCEL_NOTICE_MS);
    return { ok: true, summary: `task ${task.id} cancelled by the server` };
  }
  output.fail(outcome.error);
  return {
    ok: false,
    step: outcome.step,
    code: outcome.error.code,
    message: outcome.error.message,
    logTail: logTail(join(config.logDir, AGENT_LOG_FILE)),
    logsShipped: outcome.logsShipped,
  };
}

async function disksText(run: Runner, disks: DiskSource, named: string | undefined): Promise<string[]> {
  const lines: string[] = [];
  try {
    const { stdout } = await run('lsblk', ['-o', 'NAME,SIZE,TYPE,FSTYPE,LABEL,MOUNTPOINT', '-e', '7,11']);
    lines.push(
      'disks:',
      ...stdout
        .trimEnd()
        .split('\n')
        .map((line) => `  ${line}`),
    );
  } catch {
    lines.push('disks: (lsblk failed)');
  }
  try {
    const hint = named === undefined ? undefined : { path: named, from: 'flag' as const, name: disks.resolve(named) };
    const choice = chooseTargetDisk(disks.list(), hint);
    lines.push(`target:   ${choice.path}: ${choice.reason}`);
  } catch (error) {
    lines.push(`target:   none (${(error as Error).message})`);
  }
  return lines;
}

/** The debug shell: `brume agent` is on its PATH; `exit` comes back to the menu. */
function runShell(): Promise<void> {
  return new Promise((resolve) => {
    const shell = spawn('/bin/sh', ['-i'], { stdio: 'inherit', env: { ...process.env, PS1: 'brume-debug# ' } });
    shell.once('exit', () => resolve());
    shell.once('error', () => resolve());
  });
}
