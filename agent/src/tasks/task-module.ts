import type { z } from 'zod';
import type { AgentTask, Phase, TaskKind } from '@brume/protocol';
import type { ApiClient } from '../api/client.ts';
import type { Reporter } from '../ports.ts';
import type { Runner } from '../sys/exec.ts';

/** What a task is, as data: the boot menu, the CLI and the server's task form render it (style.md §3, §4). */
export interface TaskDescription {
  title: string;
  /** Whether it overwrites the disk it runs on. */
  destructive: boolean;
  /** Whether stopping it half-way leaves nothing worse than before it started. */
  abortable: boolean;
  phases: readonly Phase[];
  /** The arguments the task takes from the server's AgentTask. */
  args: z.ZodType;
}

/** Everything a running task may use: no module reaches for anything else. */
export interface TaskContext {
  task: AgentTask;
  /** The disk chosen for this run (the --disk flag, else the task's). */
  disk: string;
  client: ApiClient;
  reporter: Reporter;
  run: Runner;
  logDir: string;
  stagingDir: string;
  chunkBytes: number;
  level: number;
}

export interface TaskModule {
  readonly kind: TaskKind;
  describe(): TaskDescription;
  /** Does the job; the summary it returns is the task's result on the server. Throws a BrumeError on failure. */
  run(context: TaskContext): Promise<Record<string, unknown>>;
}
