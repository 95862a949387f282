import { recoverFiles } from '../care/recover.ts';
import { describeKind, taskDisk, type TaskModule } from './task-module.ts';

/** File recovery (issue 8): PhotoRec over this PC's disk, read-only; what it finds goes to the server or a USB disk. */
export const recoverTask = {
  kind: 'recover',
  describe: () => describeKind('recover', { phases: ['inspect', 'recover', 'upload'] }),
  async run(context) {
    const { destination, types, partition } = context.task.params;
    const result = await recoverFiles(
      {
        disk: taskDisk(context),
        destination,
        types: types?.split(','),
        partition,
        taskId: context.task.id,
        hostName: context.task.hostName ?? 'pc',
        stagingDir: context.stagingDir,
        logDir: context.logDir,
        signal: context.signal,
      },
      { run: context.run, reporter: context.reporter, client: context.client },
    );
    return { ...result };
  },
} satisfies TaskModule<'recover'>;
