import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { formatBytes, toBrumeError } from '@brume/protocol';
import { AGENT_LOG_FILE } from '../agent-log.ts';
import { runAgentTask, type AgentOutcome } from '../agent-loop.ts';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_CHUNK_BYTES,
  DEFAULT_LEVEL,
  KERNEL_CMDLINE_PATH,
  agentConfig,
  agentMode,
  debugStep,
  runLogDir,
  taskSettings,
  type AgentConfig,
  type DebugStep,
} from '../config.ts';
import { debugBanner, stepDone } from '../ui/debug-text.ts';
import { collectInventory } from '../inventory/collect.ts';
import type { CollectedInventory } from '../registration.ts';
import { bootTaskFailure, menuCommand } from './menu-command.ts';
import { reportCrash } from '../crash-report.ts';
import { registerCommand } from './register-command.ts';
import { DEFAULT_RETRY_DEADLINE_MS } from '../api/retry.ts';
import type { DiskSource } from '../sys/disks.ts';
import { runTool, type Runner } from '../sys/exec.ts';
import { powerAfterTask } from '../sys/power.ts';
import { parseFlags, positiveInteger } from './args.ts';
import { logTail, renderErrorScreen } from '../ui/error-screen.ts';
import { createOutput } from './output.ts';
import { CANCEL_NOTICE_MS, cancelledText } from '../work-ledger.ts';

const seconds = (value: string | undefined, flag: string, fallbackMs: number): number =>
  value === undefined ? fallbackMs : positiveInteger(value, flag, 1) * 1000;

/** What the command touches besides its flags; tests replace each. */
export interface AgentCommandDeps {
  run: Runner;
  /** The kernel command line to read when flags are missing (default /proc/cmdline). */
  cmdlinePath: string;
  disks: DiskSource | undefined;
  /** The console, for the error screen (default stderr). */
  screen: (text: string) => void;
  /** This PC's inventory, for quick registration. */
  collect: () => Promise<CollectedInventory>;
}

/**
 * `brume agent [--server URL --task ID --token T] [--disk DEV] [--after reboot|poweroff|none]`: runs one task of the
 * server on this PC. In the ramdisk the task comes from the kernel command line (brume.server= …) and the PC reboots
 * after success; a failure leaves the error screen on the console, after the logs reached the server.
 */
export async function agent(argv: string[], given: Partial<AgentCommandDeps> = {}): Promise<number> {
  const deps: AgentCommandDeps = {
    run: runTool,
    cmdlinePath: KERNEL_CMDLINE_PATH,
    disks: undefined,
    screen: (text) => void process.stderr.write(text),
    collect: () => collectInventory({ run: given.run ?? runTool }),
    ...given,
  };
  const { values, positionals } = parseFlags(argv, {
    server: { type: 'string' },
    task: { type: 'string' },
    token: { type: 'string' },
    disk: { type: 'string' },
    after: { type: 'string' },
    action: { type: 'string' },
    step: { type: 'string' },
    menu: { type: 'boolean', default: false },
    plain: { type: 'boolean', default: false },
    crashed: { type: 'string' },
    json: { type: 'boolean', default: false },
    'log-dir': { type: 'string' },
    staging: { type: 'string' },
    'retry-deadline': { type: 'string' },
    timeout: { type: 'string' },
    'chunk-size': { type: 'string' },
    level: { type: 'string' },
  });
  const mode = agentMode(
    { server: values.server, action: values.action, menu: values.menu, after: values.after },
    deps.cmdlinePath,
  );
  if (mode.kind === 'register') {
    return registerCommand(mode, values.json, {
      run: deps.run,
      collect: deps.collect,
      out: (text) => void process.stdout.write(text),
      err: deps.screen,
      retryDeadlineMs: seconds(values['retry-deadline'], '--retry-deadline', DEFAULT_RETRY_DEADLINE_MS),
    });
  }
  if (mode.kind === 'menu') {
    return menuCommand(mode, {
      run: deps.run,
      collect: deps.collect,
      disks: deps.disks,
      disk: values.disk,
      plain: values.plain,
      retryDeadlineMs: seconds(values['retry-deadline'], '--retry-deadline', DEFAULT_RETRY_DEADLINE_MS),
    });
  }
  if (values.crashed !== undefined) return crashedCommand(values.crashed, values, deps);
  const step = debugStep(values.step, positionals);
  const settings = taskSettings(
    { server: values.server, task: values.task, token: values.token, disk: values.disk, after: values.after },
    deps.cmdlinePath,
  );
  const config = agentConfig(
    {
      ...settings.values,
      json: values.json,
      step,
      logDir: runLogDir(values['log-dir'] ?? debugLogDir(step, settings.values.taskId)),
      stagingDir: values.staging ?? tmpdir(),
      retryDeadlineMs: seconds(values['retry-deadline'], '--retry-deadline', DEFAULT_RETRY_DEADLINE_MS),
      requestTimeoutMs: seconds(values.timeout, '--timeout', DEFAULT_REQUEST_TIMEOUT_MS),
      chunkBytes: positiveInteger(values['chunk-size'], '--chunk-size', DEFAULT_CHUNK_BYTES),
      level: positiveInteger(values.level, '--level', DEFAULT_LEVEL),
    },
    settings.names,
  );
  const output = createOutput(config.json);
  const outcome = await runAgentTask(config, {
    run: deps.run,
    console: output.reporter,
    ...(deps.disks === undefined ? {} : { disks: deps.disks }),
  });
  if (!outcome.ok && outcome.cancelled !== undefined && outcome.logsShipped) {
    // Not a failure to look into: the technician stopped it. The console says what the disk holds, then the PC goes
    // back to the menu (its next network boot has no task) as after any task.
    const code = output.cancelled(outcome.error, outcome.cancelled);
    if (!config.json) deps.screen(cancelledText(outcome.cancelled));
    // Long enough to read at the PC before it restarts.
    if (config.after !== 'none') await sleep(CANCEL_NOTICE_MS);
    return afterTask(config, deps, output, code);
  }
  if (!outcome.ok) {
    const code = output.fail(outcome.error);
    if (config.json) return code;
    // In the ramdisk the console is the technician's only screen: the failure page, with its choices. Elsewhere (or
    // should the page itself fail) the plain error screen.
    if (config.ramdisk && config.step === undefined && process.stdin.isTTY === true) {
      const shown = await bootTaskFailure(config, outcome, {
        run: deps.run,
        collect: deps.collect,
        disks: deps.disks,
        disk: values.disk,
        retryDeadlineMs: config.retryDeadlineMs,
        plain: values.plain,
      }).then(
        () => true,
        () => false,
      );
      if (shown) return code;
    }
    deps.screen(errorScreen(config, outcome));
    return code;
  }
  if (outcome.held === true) {
    if (!config.json)
      deps.screen(
        config.step === undefined ? debugBanner(config, outcome.summary) : stepDone(config.step, outcome.summary),
      );
    return output.finish(outcome.summary);
  }
  output.say(describeOutcome(config.taskId, outcome.summary));
  return afterTask(config, deps, output, output.finish(outcome.summary));
}

/** The end of a task that reached the server (done, or cancelled by it): reboot or power off as brume.after= says. */
async function afterTask(
  config: AgentConfig,
  deps: AgentCommandDeps,
  output: ReturnType<typeof createOutput>,
  code: number,
): Promise<number> {
  if (config.after === 'none' || config.step !== undefined) return code;
  // The server has the result: only now may the PC go away.
  output.say(`${config.after === 'reboot' ? 'rebooting' : 'powering off'} (brume.after=${config.after})`);
  try {
    await powerAfterTask(deps.run, config.after);
  } catch (error) {
    const failure = toBrumeError(error);
    deps.screen(`brume agent: could not ${config.after}: ${failure.message}\n`);
    return failure.exitCode;
  }
  return code;
}

/** A debug session's steps share one log directory, so `finish` ships the logs of them all. */
function debugLogDir(step: DebugStep | undefined, taskId: string | undefined): string | undefined {
  return step === undefined || taskId === undefined ? undefined : join(tmpdir(), 'brume-logs', `task-${taskId}-debug`);
}

function errorScreen(config: AgentConfig, outcome: Extract<AgentOutcome, { ok: false }>): string {
  const logPath = join(config.logDir, AGENT_LOG_FILE);
  const logLines = logTail(logPath);
  return renderErrorScreen({
    taskId: config.taskId,
    step: outcome.step,
    error: outcome.error,
    logPath,
    logLines,
    logsShipped: outcome.logsShipped,
    ramdisk: config.ramdisk,
  });
}

/** One line for any kind: the parts its summary has (an inventory has no disk, a wipe no image). */
function describeOutcome(taskId: number, summary: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of ['mode', 'image', 'disk'] as const)
    if (typeof summary[key] === 'string') parts.push(`${key} ${summary[key]}`);
  const bytes =
    typeof summary['rawBytes'] === 'number'
      ? summary['rawBytes']
      : typeof summary['bytes'] === 'number'
        ? summary['bytes']
        : undefined;
  if (bytes !== undefined) parts.push(formatBytes(bytes));
  const seconds = typeof summary['seconds'] === 'number' ? ` in ${summary['seconds'].toFixed(1)} s` : '';
  return `task ${taskId} done${parts.length === 0 ? '' : `: ${parts.join(', ')}`}${seconds}`;
}

/** `brume agent --crashed STATUS`: /init's report of an agent that died without telling the server (crash-report.ts). */
async function crashedCommand(
  status: string,
  flags: { server?: string | undefined; task?: string | undefined; token?: string | undefined },
  deps: AgentCommandDeps,
): Promise<number> {
  const settings = taskSettings(
    { server: flags.server, task: flags.task, token: flags.token, disk: undefined, after: undefined },
    deps.cmdlinePath,
  );
  const { server, taskId, token } = settings.values;
  if (server === undefined || taskId === undefined || token === undefined) return 0;
  const result = await reportCrash(
    { server, taskId: positiveInteger(taskId, 'brume.task', 1), token },
    positiveInteger(status, '--crashed', 1),
    { run: deps.run, logRoot: join(tmpdir(), 'brume-logs') },
  );
  deps.screen(
    result === 'reported'
      ? `brume agent: task ${taskId} marked failed on the server (the agent had died: status ${status})\n`
      : `brume agent: task ${taskId} had already ended on the server\n`,
  );
  return 0;
}
