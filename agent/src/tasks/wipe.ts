import { wipeDisk } from '../care/wipe.ts';
import { describeKind, taskDisk, type TaskModule } from './task-module.ts';

/** Erase this PC's disk (issue 8): before a PC leaves the school, or before it is given to someone else. */
export const wipeTask = {
  kind: 'wipe',
  describe: () => describeKind('wipe', { phases: ['inspect', 'plan', 'wipe', 'verify'] }),
  async run(context) {
    const { mode } = context.task.params;
    // Removable media is wiped only when a person named it at the PC; the agent's rule never picks a USB stick for it.
    const result = await wipeDisk(
      { disk: taskDisk(context), mode, explicit: context.diskNamed },
      { run: context.run, reporter: context.reporter, signal: context.signal },
    );
    return { ...result };
  },
} satisfies TaskModule<'wipe'>;
