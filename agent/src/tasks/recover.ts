import { TaskParams } from '@brume/protocol';
import { recoverFiles } from '../care/recover.ts';
import { taskDisk, type TaskModule } from './task-module.ts';

/** File recovery (issue 8): PhotoRec over this PC's disk, read-only; what it finds goes to the server or a USB disk. */
export const recoverTask = {
  kind: 'recover',
  describe: () => ({
    title: 'File recovery from this PC\'s disk (PhotoRec, read-only)',
    needsDisk: true,
    destructive: false,
    abortable: true,
    phases: ['inspect', 'recover', 'upload'],
    args: TaskParams['recover'],
    steps: [],
  }),
  async run(context) {
    const { destination, types, partition } = TaskParams['recover'].parse(context.task.params);
    const result = await recoverFiles(
      {
        disk: taskDisk(context), destination, types: types?.split(','), partition,
        taskId: context.task.id, hostName: context.task.hostName ?? 'pc', stagingDir: context.stagingDir, logDir: context.logDir, signal: context.signal,
      },
      { run: context.run, reporter: context.reporter, client: context.client },
    );
    return { ...result };
  },
} satisfies TaskModule;
