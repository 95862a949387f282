import { AgentTask } from '@brume/protocol';
import { httpImageReader } from '../api/http-chunk-source.ts';
import { deployImage } from '../imaging/deploy.ts';
import { DEPLOY_STEPS, deployStep } from './deploy-steps.ts';
import { deploySummary } from './deploy-summary.ts';
import { taskDisk, taskImage, type TaskModule } from './task-module.ts';

/** Deploy an image from the server onto this PC's disk, fitted to the disk by the planner. */
export const deployTask = {
  kind: 'deploy',
  describe: () => ({
    title: 'Deploy an image from the server onto this PC',
    needsDisk: true,
    destructive: true,
    abortable: false,
    phases: ['plan', 'partition-table', 'boot-area', 'restore', 'resize', 'finalize'],
    args: AgentTask.pick({ image: true, disk: true }),
    steps: DEPLOY_STEPS,
  }),
  async run(context) {
    const image = taskImage(context.task);
    const disk = taskDisk(context);
    const started = performance.now();
    // The task is the instruction, verified by its token: it carries the consent a technician gives with --yes.
    const result = await deployImage(
      { image: httpImageReader(context.client, image), disk, yes: true, dryRun: false, logDir: context.logDir, stagingDir: context.stagingDir },
      { run: context.run, reporter: context.reporter },
    );
    return deploySummary(image, disk, result.manifest, result.plan, (performance.now() - started) / 1000);
  },
  step: deployStep,
} satisfies TaskModule;
