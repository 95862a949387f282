import { surfaceTest } from '../care/surface-test.ts';
import { describeKind, taskDisk, type TaskModule } from './task-module.ts';

/** Read the whole disk once (issue 8): the sectors it cannot read, SMART before and after, the speed across it. */
export const surfaceTestTask = {
  kind: 'surface-test',
  describe: () => describeKind('surface-test', { phases: ['inspect', 'scan'] }),
  async run(context) {
    const args = context.task.params;
    const result = await surfaceTest(
      { disk: taskDisk(context), ...args },
      { run: context.run, reporter: context.reporter, signal: context.signal },
    );
    return { ...result };
  },
} satisfies TaskModule<'surface-test'>;
