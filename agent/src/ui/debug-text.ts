import { TaskKind } from '@brume/protocol';
import type { AgentConfig, DebugStep } from '../config.ts';
import { taskModules } from '../tasks/index.ts';
import { describePlan } from './plan-text.ts';

/**
 * What the console shows when a debug task boots: what it is, that nothing was written, and the commands that run it
 * step by step (FOG's debug mode leaves the technician at a bare prompt to guess them).
 */
export function debugBanner(config: AgentConfig, summary: Record<string, unknown>): string {
  const kind = TaskKind.safeParse(summary['kind']);
  const steps = kind.success ? taskModules[kind.data].describe().steps : [];
  const image = typeof summary['image'] === 'string' ? ` of image ${summary['image']}` : '';
  const disk = typeof summary['disk'] === 'string' ? ` on ${summary['disk']}` : '';
  const rows = [...steps, { usage: 'all', does: 'run the whole task at once, as a normal boot would' }].map(
    (step) => `  brume agent --step ${step.usage.padEnd(12)} ${step.does}`,
  );
  return [
    '',
    `Brume debug task ${config.taskId}: ${kind.success ? kind.data : 'task'}${image}${disk}. Nothing has been written.`,
    'The server shows the task running. Run it from this shell, one step at a time:',
    ...rows,
    'Each step reads brume.server, brume.task and brume.token from /proc/cmdline; `brume agent --step plan --disk DEV`',
    'targets another disk. sfdisk, partclone.*, zstd, lsblk and blkid are here for a look at the disk in between.',
    '',
  ].join('\n');
}

/** One line (or the plan) after a step that did not end the task. */
export function stepDone(step: DebugStep, summary: Record<string, unknown>): string {
  const next: Record<DebugStep['name'], string> = {
    plan: 'next: brume agent --step table',
    table: 'next: brume agent --step partition N, for each partition of the plan',
    partition: 'next: the next partition, or brume agent --step finish',
    finish: '',
    all: '',
  };
  const plan = summary['plan'];
  const body =
    step.name === 'plan' && typeof plan === 'object' && plan !== null
      ? `${describePlan(plan as Parameters<typeof describePlan>[0])}\n`
      : '';
  const name = step.name === 'partition' ? `partition ${step.number}` : step.name;
  return `${body}step ${name} done. ${next[step.name]}\n`;
}
