import type { z } from 'zod';
import {
  BrumeError,
  kindDeclaration,
  type AgentTask,
  type AgentKindResult,
  type AgentTaskOf,
  type Phase,
  type TaskKind,
} from '@brume/protocol';
import type { ApiClient } from '../api/client.ts';
import type { Reporter } from '../ports.ts';
import type { DebugStep } from '../config.ts';
import type { FileReceiver } from '../multicast/multicast-source.ts';
import type { Runner } from '../sys/exec.ts';

/**
 * What a task is, as data, as the agent sees it: the agent loop reads needsDisk (whether to choose a disk) and the title
 * (its first log line), the debug shell's help lists the steps. Everything but the phases and steps is the kind's
 * declaration in protocol/ (describeKind copies it), which the admin CLI, the PC's menu and the dashboard render.
 */
export interface TaskDescription {
  title: string;
  /** Whether it overwrites the disk it runs on. */
  destructive: boolean;
  /** Whether it works on a disk (the agent chooses one first); an inventory reads the whole PC and needs none. */
  needsDisk: boolean;
  /** Whether stopping it half-way leaves nothing worse than before it started. */
  abortable: boolean;
  phases: readonly Phase[];
  /** The params the task takes from the server's AgentTask (its kind's params schema). */
  args: z.ZodType;
  /** A debug task's steps besides `all`, in order, as a technician types them after `brume agent --step`. */
  steps: readonly { usage: string; does: string }[];
}

/**
 * What one step of a debug task did; `ends` says the task is over: the loop then reports it done, with the logs, and the
 * summary is the task's result (the kind's, as run() returns it).
 */
export type StepResult<K extends TaskKind = TaskKind> =
  { summary: AgentKindResult<K>; ends: true } | { summary: Record<string, unknown>; ends: false };

/** Everything a running task may use: no module reaches for anything else. */
export interface TaskContext<K extends TaskKind = TaskKind> {
  task: AgentTaskOf<K>;
  /** The disk chosen for this run (the --disk flag, else the task's, else the rule); undefined when needsDisk is false. */
  disk: string | undefined;
  /** A person named `disk` at the PC (--disk, brume.disk=), rather than the task or the agent's rule. */
  diskNamed: boolean;
  client: ApiClient;
  /** Starts receiving a multicast session's stream (udp-receiver), for a deploy of a session. */
  receiveMulticast: FileReceiver;
  reporter: Reporter;
  run: Runner;
  logDir: string;
  stagingDir: string;
  chunkBytes: number;
  level: number;
  /**
   * Aborts when the server asks the task to stop (its reason a TASK_CANCELLED BrumeError). `run`, `client` and
   * `receiveMulticast` are wired to it already (tools in flight are stopped, requests aborted); long loops check it.
   */
  signal: AbortSignal;
}

/** How the agent runs one kind: it gets that kind's task (its params typed) and returns that kind's result. */
export interface TaskModule<K extends TaskKind = TaskKind> {
  readonly kind: K;
  describe(): TaskDescription;
  /**
   * Does the job; what it returns is the task's result on the server, which checks it with the kind's result schema.
   * Throws a BrumeError on failure.
   */
  run(context: TaskContext<K>): Promise<AgentKindResult<K>>;
  /** One step of a debug task (any step but `all`); absent when the task runs only whole. */
  step?(context: TaskContext<K>, step: Exclude<DebugStep, { name: 'all' }>): Promise<StepResult<K>>;
}

/** A kind's description: its protocol declaration, with what only the agent knows (its phases and debug steps). */
export function describeKind(
  kind: TaskKind,
  agentSide: { phases: readonly Phase[]; steps?: TaskDescription['steps'] },
): TaskDescription {
  const { title, destructive, needsDisk, abortable, params } = kindDeclaration(kind);
  return {
    title,
    destructive,
    needsDisk,
    abortable,
    args: params,
    phases: agentSide.phases,
    steps: agentSide.steps ?? [],
  };
}

/** The image of a capture or deploy: the server never sends one without it, but a bug must not become "null". */
export function taskImage(task: Pick<AgentTask, 'id' | 'kind' | 'image'>): string {
  if (task.image === null) throw new BrumeError('INTERNAL', `task ${task.id} (${task.kind}) came without an image`);
  return task.image;
}

/** The disk of a task that needs one (the loop chose it before the task ran). */
export function taskDisk(context: TaskContext): string {
  if (context.disk === undefined)
    throw new BrumeError('INTERNAL', `task ${context.task.id} (${context.task.kind}) was started without a disk`);
  return context.disk;
}
