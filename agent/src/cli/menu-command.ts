import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrumeError } from '@brume/protocol';
import { z } from 'zod';
import { AGENT_LOG_FILE } from '../agent-log.ts';
import { runAgentTask, type AgentOutcome } from '../agent-loop.ts';
import { DEFAULT_CHUNK_BYTES, DEFAULT_LEVEL, DEFAULT_REQUEST_TIMEOUT_MS, agentConfig, runLogDir, type AgentConfig, type AgentMode } from '../config.ts';
import { chooseTargetDisk } from '../disk/target-choice.ts';
import type { MenuDeps, MenuTaskOutcome } from '../menu/menu-deps.ts';
import { runMenu, runTaskFailure, type MenuExit } from '../menu/menu-flow.ts';
import type { CollectedInventory } from '../registration.ts';
import { sysDisks, type DiskSource } from '../sys/disks.ts';
import { lastLines, type Runner } from '../sys/exec.ts';
import { powerAfterTask } from '../sys/power.ts';
import { ERROR_SCREEN_LOG_LINES } from '../ui/error-screen.ts';
import { openTerminalUi } from '../ui/terminal/terminal-ui.ts';
import { createOutput } from './output.ts';

const ServerUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL is required' });

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
  if (!server.success) throw new BrumeError('BAD_REQUEST', `--server (or brume.server= on the kernel command line): ${server.error.issues[0]?.message ?? 'invalid'}`);
  const ui = openTerminalUi({ input: process.stdin, output: process.stdout, term: process.env['TERM'], isTTY: process.stdout.isTTY === true && process.stdin.isTTY === true, forcePlain: deps.plain });
  const disks = deps.disks ?? sysDisks();
  const menuDeps: MenuDeps = {
    ui,
    server: server.data,
    collect: deps.collect,
    retryDeadlineMs: deps.retryDeadlineMs,
    runTask: (task) => runTaskHere(server.data, task, deps),
    disksText: () => disksText(deps.run, disks, deps.disk),
    shell: () => runShell(),
    power: async (action) => {
      if (mode.ramdisk) await powerAfterTask(deps.run, action);
    },
  };
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
export async function bootTaskFailure(config: AgentConfig, outcome: Extract<AgentOutcome, { ok: false }>, deps: MenuCommandDeps): Promise<MenuExit> {
  const ui = openTerminalUi({ input: process.stdin, output: process.stdout, term: process.env['TERM'], isTTY: process.stdout.isTTY === true && process.stdin.isTTY === true, forcePlain: deps.plain });
  const disks = deps.disks ?? sysDisks();
  const menuDeps: MenuDeps = {
    ui, server: config.server, collect: deps.collect, retryDeadlineMs: deps.retryDeadlineMs,
    runTask: (task) => runTaskHere(config.server, task, deps),
    disksText: () => disksText(deps.run, disks, deps.disk),
    shell: () => runShell(),
    power: (action) => powerAfterTask(deps.run, action),
  };
  const failure = {
    taskId: config.taskId,
    kind: outcome.task?.kind ?? 'task',
    retryImage: outcome.task?.kind === 'deploy' ? outcome.task.image : null,
    outcome: { ok: false as const, step: outcome.step, code: outcome.error.code, message: outcome.error.message, logTail: readLogTail(config.logDir), logsShipped: outcome.logsShipped },
  };
  try {
    return await runTaskFailure(menuDeps, failure);
  } finally {
    ui.close();
  }
}

function readLogTail(logDir: string): string[] {
  let log = '';
  try {
    log = readFileSync(join(logDir, AGENT_LOG_FILE), 'utf8');
  } catch {
    // no log yet: the screen says "(none)"
  }
  return log.trim() === '' ? [] : lastLines(log, ERROR_SCREEN_LOG_LINES).split('\n');
}

/** A deploy the server created for this PC, run here as if the PC had booted for it, its progress on the console. */
async function runTaskHere(server: string, task: { id: number; token: string }, deps: MenuCommandDeps): Promise<MenuTaskOutcome> {
  const config = agentConfig({
    server, taskId: task.id, token: task.token, disk: deps.disk, diskFrom: 'flag', after: 'none', ramdisk: false, json: false,
    logDir: runLogDir(undefined), stagingDir: tmpdir(), retryDeadlineMs: deps.retryDeadlineMs, requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    chunkBytes: DEFAULT_CHUNK_BYTES, level: DEFAULT_LEVEL,
  });
  const output = createOutput(false);
  const outcome = await runAgentTask(config, { run: deps.run, console: output.reporter, ...(deps.disks === undefined ? {} : { disks: deps.disks }) });
  if (outcome.ok) {
    output.finish(outcome.summary);
    return { ok: true, summary: `task ${task.id} done` };
  }
  output.fail(outcome.error);
  return { ok: false, step: outcome.step, code: outcome.error.code, message: outcome.error.message, logTail: readLogTail(config.logDir), logsShipped: outcome.logsShipped };
}

async function disksText(run: Runner, disks: DiskSource, named: string | undefined): Promise<string[]> {
  const lines: string[] = [];
  try {
    const { stdout } = await run('lsblk', ['-o', 'NAME,SIZE,TYPE,FSTYPE,LABEL,MOUNTPOINT', '-e', '7,11']);
    lines.push('disks:', ...stdout.trimEnd().split('\n').map((line) => `  ${line}`));
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
