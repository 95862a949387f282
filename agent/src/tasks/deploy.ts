import type { MulticastJoin } from '@brume/protocol';
import { httpImageReader } from '../api/http-chunk-source.ts';
import { deployImage } from '../imaging/deploy.ts';
import { multicastChunkSource, type MulticastStats } from '../multicast/multicast-source.ts';
import type { ImageReader } from '../ports.ts';
import { DEPLOY_STEPS, deployStep } from './deploy-steps.ts';
import { deploySummary } from './deploy-summary.ts';
import { describeKind, taskDisk, taskImage, type TaskContext, type TaskModule } from './task-module.ts';

/** Deploy an image from the server onto this PC's disk, fitted to the disk by the planner. */
export const deployTask = {
  kind: 'deploy',
  describe: () =>
    describeKind('deploy', {
      phases: ['plan', 'partition-table', 'boot-area', 'restore', 'resize', 'finalize'],
      steps: DEPLOY_STEPS,
    }),
  async run(context) {
    const image = taskImage(context.task);
    const disk = taskDisk(context);
    const started = performance.now();
    const source = await imageSource(context, image);
    // The task is the instruction, verified by its token: it carries the consent a technician gives with --yes.
    const result = await deployImage(
      { image: source.reader, disk, yes: true, dryRun: false, logDir: context.logDir, stagingDir: context.stagingDir },
      { run: context.run, reporter: context.reporter, signal: context.signal },
    );
    const multicast = source.stats();
    return {
      ...deploySummary(image, disk, result.manifest, result.plan, (performance.now() - started) / 1000),
      ...(multicast === undefined ? {} : { multicast }),
    };
  },
  step: deployStep,
} satisfies TaskModule<'deploy'>;

/**
 * The server over HTTP, or for a task of a multicast session its streams, with HTTP for what they cannot give. The
 * manifest, the boot area and the table come over HTTP either way: small, and needed before any stream starts.
 */
async function imageSource(
  context: TaskContext<'deploy'>,
  image: string,
): Promise<{ reader: ImageReader; stats: () => MulticastStats | undefined }> {
  const http = httpImageReader(context.client, image);
  const { multicast } = context.task.params;
  if (multicast === undefined) return { reader: http, stats: () => undefined };
  const fetchJoin = (): Promise<MulticastJoin> =>
    context.client.call('agentMulticastJoin', { params: { id: context.task.id } });
  const join = await fetchJoin();
  let source: ReturnType<typeof multicastChunkSource> | undefined;
  const reader: ImageReader = {
    ...http,
    chunks: () =>
      (source = multicastChunkSource(join, fetchJoin, context.receiveMulticast, http.chunks(), context.reporter)),
  };
  return { reader, stats: () => source?.stats() };
}
