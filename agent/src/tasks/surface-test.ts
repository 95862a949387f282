import { TaskParams } from '@brume/protocol';
import { surfaceTest } from '../care/surface-test.ts';
import { taskDisk, type TaskModule } from './task-module.ts';

/** Read the whole disk once (issue 8): the sectors it cannot read, SMART before and after, the speed across it. */
export const surfaceTestTask = {
  kind: 'surface-test',
  describe: () => ({
    title: 'Surface test of this PC\'s disk (read-only)',
    needsDisk: true,
    destructive: false,
    abortable: true,
    phases: ['inspect', 'scan'],
    args: TaskParams['surface-test'],
    steps: [],
  }),
  async run(context) {
    const args = TaskParams['surface-test'].parse(context.task.params);
    const result = await surfaceTest({ disk: taskDisk(context), ...args }, { run: context.run, reporter: context.reporter, signal: context.signal });
    return { ...result };
  },
} satisfies TaskModule;
