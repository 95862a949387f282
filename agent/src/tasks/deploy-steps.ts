import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BrumeError, type LayoutPlan, type PlannedPartition } from '@brume/protocol';
import { httpImageReader } from '../api/http-chunk-source.ts';
import type { DebugStep } from '../config.ts';
import { readPartitionTable } from '../disk/inspect.ts';
import {
  checkStagingSpace,
  flushDisk,
  prepareDeploy,
  refuseBusy,
  restorePartitions,
  writeLayout,
} from '../imaging/deploy.ts';
import { phase } from '../imaging/run-context.ts';
import type { DiskNode } from '../sys/devices.ts';
import type { Runner } from '../sys/exec.ts';
import { ensurePartitionNodes } from '../sys/partition-nodes.ts';
import { deploySummary } from './deploy-summary.ts';
import { taskDisk, taskImage, type StepResult, type TaskContext } from './task-module.ts';

export const DEPLOY_STEPS = [
  { usage: 'plan', does: 'verify the image and print the layout for this disk (writes nothing)' },
  { usage: 'table', does: 'write the partition table and the boot area' },
  { usage: 'partition N', does: 'restore partition N of the plan (each in turn)' },
  { usage: 'finish', does: 'flush the disk and report the task done, with the logs' },
] as const;

/**
 * What earlier steps of this debug session did, kept beside the logs: each step is a process of its own, started by
 * the technician, and `finish` must not report a deploy whose partitions were never restored.
 */
const StepState = z.object({ table: z.boolean(), restored: z.array(z.number().int().positive()), started: z.number() });
type StepState = z.infer<typeof StepState>;
const STATE_FILE = 'debug-steps.json';

/** One step of a debug deploy. Every step plans again from the image and the disk, so each stands on verified ground. */
export async function deployStep(
  context: TaskContext<'deploy'>,
  step: Exclude<DebugStep, { name: 'all' }>,
): Promise<StepResult<'deploy'>> {
  const imageName = taskImage(context.task);
  const image = httpImageReader(context.client, imageName);
  const deps = { run: context.run, reporter: context.reporter };
  phase(
    context.reporter,
    'plan',
    `debug step ${stepWords(step)}: planning ${image.location} onto ${taskDisk(context)}`,
  );
  const { manifest, node, plan, bootArea } = await prepareDeploy(image, taskDisk(context));
  const state = await readState(context.logDir);
  switch (step.name) {
    case 'plan':
      return { summary: { step: 'plan', image: imageName, disk: node.path, plan }, ends: false };
    case 'table':
      refuseBusy(node);
      await checkStagingSpace(plan, context.stagingDir);
      await writeLayout(node.path, plan, bootArea, deps);
      await saveState(context.logDir, { table: true, restored: [], started: state.started });
      return {
        summary: { step: 'table', disk: node.path, label: plan.label, partitions: plan.partitions.length },
        ends: false,
      };
    case 'partition': {
      refuseBusy(node);
      const planned = plannedPartition(plan, step.number);
      await requireTableHolds(context.run, node, plan, planned);
      await checkStagingSpace(plan, context.stagingDir);
      await ensurePartitionNodes(context.run, node.path, [planned]);
      await restorePartitions(
        {
          image,
          manifest,
          plan,
          diskPath: node.path,
          partitions: [planned],
          logDir: context.logDir,
          stagingDir: context.stagingDir,
        },
        deps,
      );
      await saveState(context.logDir, {
        ...state,
        restored: [...new Set([...state.restored, planned.number])].sort((a, b) => a - b),
      });
      return {
        summary: {
          step: 'partition',
          disk: node.path,
          partition: planned.number,
          fs: planned.fs,
          resize: planned.resize,
        },
        ends: false,
      };
    }
    case 'finish': {
      requireAllRestored(plan, state);
      await flushDisk(node.path, deps);
      const seconds = (Date.now() - state.started) / 1000;
      return { summary: { ...deploySummary(imageName, node.path, manifest, plan, seconds), debug: true }, ends: true };
    }
  }
}

const stepWords = (step: Exclude<DebugStep, { name: 'all' }>): string =>
  step.name === 'partition' ? `partition ${step.number}` : step.name;

function plannedPartition(plan: LayoutPlan, number: number): PlannedPartition {
  const planned = plan.partitions.find((p) => p.number === number && p.action !== 'container');
  if (planned !== undefined) return planned;
  const numbers = plan.partitions.filter((p) => p.action !== 'container').map((p) => p.number);
  throw new BrumeError(
    'BAD_REQUEST',
    `the plan has no partition ${number} to restore; it restores ${numbers.join(', ')}`,
    { detail: { number, partitions: numbers } },
  );
}

/** The partition must sit on the disk where the plan puts it: a table from another image or plan would be overwritten blind. */
async function requireTableHolds(
  run: Runner,
  node: DiskNode,
  plan: LayoutPlan,
  planned: PlannedPartition,
): Promise<void> {
  const { table } = await readPartitionTable(run, node.path, plan.logicalSectorSize).catch(() => ({
    table: undefined,
  }));
  const entry = table?.entries.find((e) => e.number === planned.number);
  if (entry !== undefined && entry.startBytes === planned.startBytes && entry.sizeBytes === planned.sizeBytes) return;
  const found = entry === undefined ? 'is not on it' : `is at ${entry.startBytes} (${entry.sizeBytes} bytes) there`;
  throw new BrumeError(
    'STEP_ORDER',
    `partition ${planned.number} of the plan (at byte ${planned.startBytes}, ${planned.sizeBytes} bytes) ${found}: run \`brume agent --step table\` first`,
    {
      detail: {
        partition: planned.number,
        planned: { startBytes: planned.startBytes, sizeBytes: planned.sizeBytes },
        onDisk: entry ?? null,
      },
    },
  );
}

function requireAllRestored(plan: LayoutPlan, state: StepState): void {
  if (!state.table)
    throw new BrumeError(
      'STEP_ORDER',
      'no table was written in this debug session: run `brume agent --step table` first',
    );
  const missing = plan.partitions
    .filter((p) => p.action !== 'container' && !state.restored.includes(p.number))
    .map((p) => p.number);
  if (missing.length === 0) return;
  throw new BrumeError(
    'STEP_ORDER',
    `partition${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'were' : 'was'} not restored in this debug session: run \`brume agent --step partition ${missing[0]}\` first`,
    {
      detail: { missing },
    },
  );
}

async function readState(logDir: string): Promise<StepState> {
  const text = await readFile(join(logDir, STATE_FILE), 'utf8').catch(() => undefined);
  const parsed = text === undefined ? undefined : StepState.safeParse(JSON.parse(text));
  return parsed?.success === true ? parsed.data : { table: false, restored: [], started: Date.now() };
}

async function saveState(logDir: string, state: StepState): Promise<void> {
  await writeFile(join(logDir, STATE_FILE), `${JSON.stringify(state)}\n`);
}
