import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { BrumeError, toBrumeError, type AgentTask, type Event, type StopReport } from '@brume/protocol';
import { AGENT_LOG_FILE, agentLogReporter } from './agent-log.ts';
import { createApiClient, type ApiClient } from './api/client.ts';
import { httpReporter } from './api/http-reporter.ts';
import { collectLogs, diskDumpLog, systemStateLogs } from './api/log-bundle.ts';
import type { AgentConfig, DebugStep } from './config.ts';
import { chooseTargetDisk, type DiskHint, type TargetChoice } from './disk/target-choice.ts';
import type { FileReceiver } from './multicast/multicast-source.ts';
import { udpFileReceiver } from './multicast/udp-file-receiver.ts';
import type { Reporter } from './ports.ts';
import { sysDisks, type DiskSource } from './sys/disks.ts';
import { abortableRunner, type Runner } from './sys/exec.ts';
import { abortableClient, cancelledByServer, isCancel } from './task-abort.ts';
import { taskModules } from './tasks/index.ts';
import type { TaskContext, TaskModule } from './tasks/task-module.ts';
import { teeReporter } from './ui/reporters.ts';
import { cancelledResult, isCancelError, workLedger } from './work-ledger.ts';

export interface AgentDeps {
  run: Runner;
  /** The technician's console: progress bars, plain lines, or NDJSON. */
  console: Reporter;
  /** This PC's disks (default: /sys/block), for the target disk rule. */
  disks?: DiskSource;
  /** Receives a multicast session's streams (default: udp-receiver toward the server). */
  receiveMulticast?: FileReceiver;
}

export type AgentOutcome =
  /**
   * `held`: a debug task did not end on this run (it waits for the technician's steps, or ran one of them): the server
   * was not told it ended.
   */
  | { ok: true; summary: Record<string, unknown>; held?: true }
  /**
   * `step`: where it stopped (fetch, disk choice, the task's phase, shipping the logs); `logsShipped`: the server has
   * them; `task`: the task as fetched (undefined when even that failed), for a failure screen that offers a retry.
   * `cancelled`: the server asked the task to stop and it did (error TASK_CANCELLED); what it had written, as the
   * server was told it.
   */
  | { ok: false; error: BrumeError; step: string; logsShipped: boolean; task?: AgentTask; cancelled?: StopReport };

/**
 * One task of the server, start to end: fetch it, pick the disk, run it while reporting (and listening for the server's
 * cancel), and tell the server how it ended, with the logs — unless the server refused the token (nobody to tell) or a
 * debug step left the task open. The caller turns the outcome into the exit code (0 done, the error's code otherwise).
 */
export async function runAgentTask(config: AgentConfig, deps: AgentDeps): Promise<AgentOutcome> {
  const client = createApiClient({
    server: config.server,
    token: config.token,
    retry: { deadlineMs: config.retryDeadlineMs },
    headersTimeoutMs: config.requestTimeoutMs,
    bodyTimeoutMs: config.requestTimeoutMs,
  });
  const agentLog = agentLogReporter(join(config.logDir, AGENT_LOG_FILE), config.taskId);
  // The server's cancel, heard in the answer to an event post: it aborts the task's signal, which stops its tools and
  // requests; the module's run then rejects, and the loop reports what it had done.
  const controller = new AbortController();
  // Every request, tool and wait in flight listens to it: a deploy's read-ahead alone is a chunk window of them.
  setMaxListeners(0, controller.signal);
  const reporter = httpReporter(client, config.taskId, {
    local: teeReporter(deps.console, agentLog),
    onCancel: () => {
      log(reporter, 'info', `task ${config.taskId} was cancelled by the server: stopping`);
      controller.abort(cancelledByServer(config.taskId));
    },
  });
  const ledger = workLedger(reporter);
  let fetched: AgentTask | undefined;
  let step = 'fetch the task from the server';
  let disk: string | undefined;
  let outcome: AgentOutcome;
  const failed = (error: unknown): AgentOutcome => ({
    ok: false,
    error: explain(toBrumeError(error), config.taskId, fetched !== undefined),
    step,
    logsShipped: false,
    ...(fetched === undefined ? {} : { task: fetched }),
  });
  const cancelled = (error: unknown): AgentOutcome => {
    const cause = controller.signal.aborted ? toBrumeError(controller.signal.reason) : toBrumeError(error);
    const stopped = isCancelError(error) ? error : cause;
    return {
      ok: false,
      error: new BrumeError('TASK_CANCELLED', `cancelled by the server during ${step}`, { cause: error }),
      step,
      logsShipped: false,
      ...(fetched === undefined ? {} : { task: fetched }),
      cancelled: cancelledResult(step, stopped, ledger),
    };
  };
  try {
    // 1. The task, as the server gives it to this token.
    const task = await client.call('agentTask', { params: { id: config.taskId } });
    fetched = task;
    // Steps exist only for debug tasks, so a normal boot can never stop half-way; asked of another, nothing is posted.
    if (config.step !== undefined && !task.debug)
      throw new BrumeError(
        'BAD_REQUEST',
        `task ${task.id} is not a debug task: --step works only for a task created with --debug`,
      );
    // From here the server hears from this PC every second, events or not, and may answer with a cancel.
    reporter.start();
    // 2. The disk, for a task that works on one: the one a person named, else the task's, else the written rule; the
    //    choice and why, logged and shown.
    const module = taskModules[task.kind];
    if (module.describe().needsDisk) {
      step = 'choose the disk';
      const choice = targetDisk(config, task, deps.disks ?? sysDisks());
      disk = choice.path;
      log(reporter, 'info', `disk ${choice.path}: ${choice.reason}`, {
        disk: choice.path,
        reason: choice.reason,
        refused: choice.refused,
      });
    }
    // 3. The task's own module does the job, reporting to the server and the console; its phases name the step. A
    //    debug task waits for the technician, or runs the one step asked for.
    step = task.kind;
    log(
      reporter,
      'info',
      `task ${task.id}: ${module.describe().title}${task.image === null ? '' : ` (image ${task.image}, disk ${disk})`}`,
    );
    const phases: Reporter = {
      event(event) {
        if (event.type === 'phase')
          step = `${task.kind}: ${event.phase}${event.target === undefined ? '' : ` ${event.target}`}`;
        ledger.event(event);
      },
    };
    // The task sees the server, its tools and the multicast receiver through the signal: a cancel stops them all.
    const { signal } = controller;
    const receiveMulticast = deps.receiveMulticast ?? udpFileReceiver(deps.run, config.server, config.logDir, signal);
    const context = {
      task,
      disk,
      diskNamed: config.disk !== undefined,
      client: abortableClient(client, signal),
      receiveMulticast,
      reporter: phases,
      run: abortableRunner(deps.run, signal),
      logDir: config.logDir,
      stagingDir: config.stagingDir,
      chunkBytes: config.chunkBytes,
      level: config.level,
      signal,
    };
    outcome = await runOrStep(module, context, config.step, reporter);
    // A module that swallows its tools' failures (an inventory's warnings) returns after a cancel too: what it
    // returns then was cut short, and the task is cancelled, not done.
    if (signal.aborted) throw signal.reason;
  } catch (error) {
    // A cancel the server answered before this agent heard it (a capture's refused commit) stops the rest too.
    const stopped = fetched !== undefined && isCancel(error, controller.signal);
    if (stopped && !controller.signal.aborted) controller.abort(cancelledByServer(config.taskId));
    outcome = stopped ? cancelled(error) : failed(error);
    // A debug step's failure goes to the server as an event too: the task stays running there, for the next try.
    if (!outcome.ok && outcome.cancelled !== undefined)
      log(agentLog, 'info', `stopped: ${outcome.error.message}`, outcome.cancelled);
    else if (!outcome.ok)
      log(
        fetched?.debug === true ? reporter : agentLog,
        'error',
        `${outcome.step}: ${outcome.error.message}`,
        outcome.error.toJSON(),
      );
  }
  try {
    // 4. How it ended (done, failed, or cancelled with what was written), with the logs; the client retries network
    //    faults and 5xx up to its deadline. A revoked token has nobody to tell.
    await reporter.flush();
    if (fetched !== undefined && !isRevocation(outcome) && endsOnThisRun(fetched, config.step, outcome)) {
      if (outcome.ok) step = 'report the result to the server';
      await finish(client, config, deps.run, disk, outcome);
      if (!outcome.ok) outcome = { ...outcome, logsShipped: true };
    }
  } catch (error) {
    outcome = outcome.ok ? failed(error) : outcome;
  } finally {
    await client.close();
  }
  // 5. The outcome, for the exit code and the console.
  return outcome;
}

/**
 * A normal task runs whole. A debug task run without a step waits: the PC stays in the ramdisk's shell, where the
 * technician runs `brume agent --step …`.
 */
async function runOrStep(
  module: TaskModule,
  context: TaskContext,
  step: DebugStep | undefined,
  reporter: Reporter,
): Promise<AgentOutcome> {
  const { task } = context;
  if (!task.debug || step?.name === 'all') return { ok: true, summary: await module.run(context) };
  const steps = module.describe().steps.map((s) => s.usage);
  if (step === undefined) {
    log(reporter, 'info', `debug task ${task.id}: waiting in the ramdisk's shell for the technician's steps`, {
      disk: context.disk,
      steps,
    });
    return {
      ok: true,
      summary: { debug: true, kind: task.kind, image: task.image, disk: context.disk ?? null, steps },
      held: true,
    };
  }
  if (module.step === undefined)
    throw new BrumeError(
      'BAD_REQUEST',
      `a ${task.kind} task has no steps: run it whole with \`brume agent --step all\``,
    );
  const result = await module.step(context, step);
  return result.ends ? { ok: true, summary: result.summary } : { ok: true, summary: result.summary, held: true };
}

/**
 * Whether the server hears of this run's end: always, except for a debug task's step that did not end it — a step that
 * failed is the technician's to retry, and a task failed on the server could not be finished from the shell — and a
 * step asked of a normal task, which was left as it was.
 */
function endsOnThisRun(task: AgentTask, step: DebugStep | undefined, outcome: AgentOutcome): boolean {
  if (!task.debug) return step === undefined;
  if (step?.name === 'all') return true;
  return outcome.ok && outcome.held !== true;
}

/** The hint a person gave (flag, brume.disk=) or the task's disk, resolved on this PC, then the written rule. */
function targetDisk(config: AgentConfig, task: AgentTask, disks: DiskSource): TargetChoice {
  const named = config.disk ?? task.disk ?? undefined;
  const hint: DiskHint | undefined =
    named === undefined
      ? undefined
      : { path: named, from: config.disk === undefined ? 'task' : config.diskFrom, name: disks.resolve(named) };
  return chooseTargetDisk(disks.list(), hint);
}

async function finish(
  client: ApiClient,
  config: AgentConfig,
  run: Runner,
  disk: string | undefined,
  outcome: AgentOutcome,
): Promise<void> {
  const logs = await collectLogs(config.logDir, [...(await diskDumpLog(run, disk)), ...(await systemStateLogs(run))]);
  const params = { id: config.taskId };
  if (outcome.ok) await client.call('taskComplete', { params, body: { result: outcome.summary, logs } });
  else if (outcome.cancelled === undefined)
    await client.call('taskFail', { params, body: { error: outcome.error.toJSON(), logs } });
  else await client.call('taskCancelled', { params, body: { stopped: outcome.cancelled, logs } });
}

/** The server refused this task's token (it ended there): a cancel the agent carried out is not one. */
const isRevocation = (outcome: AgentOutcome): boolean =>
  !outcome.ok && outcome.cancelled === undefined && outcome.error.code === 'TASK_CANCELLED';

/**
 * A 401 once the task was fetched means the task ended on the server meanwhile (a cancel this agent never heard, ended
 * by the server's grace; the silent-agent timeout): say so, not just "unauthorized", and exit 1 — the disk may have been
 * changed already. A cancel the agent heard is not this: it stops and confirms with its token still valid.
 */
function explain(error: BrumeError, taskId: number, fetched: boolean): BrumeError {
  if (!fetched || error.code !== 'UNAUTHORIZED') return error;
  return new BrumeError(
    'TASK_CANCELLED',
    `stopped: task ${taskId} was cancelled on the server, or has ended there (${error.message})`,
    { cause: error, detail: error.detail },
  );
}

function log(reporter: Reporter, level: 'info' | 'error', message: string, detail?: unknown): void {
  const event: Event = {
    type: 'log',
    ts: new Date().toISOString(),
    level,
    message,
    ...(detail === undefined ? {} : { detail }),
  };
  reporter.event(event);
}
