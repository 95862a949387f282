import { TaskParams } from '@brume/protocol';
import { wipeDisk } from '../care/wipe.ts';
import { taskDisk, type TaskModule } from './task-module.ts';

/** Erase this PC's disk (issue 8): before a PC leaves the school, or before it is given to someone else. */
export const wipeTask = {
  kind: 'wipe',
  describe: () => ({
    title: 'Wipe this PC\'s disk',
    needsDisk: true,
    destructive: true,
    abortable: false,
    phases: ['inspect', 'plan', 'wipe', 'verify'],
    args: TaskParams.wipe,
    steps: [],
  }),
  async run(context) {
    const { mode } = TaskParams.wipe.parse(context.task.params);
    // Removable media is wiped only when a person named it at the PC; the agent's rule never picks a USB stick for it.
    const result = await wipeDisk({ disk: taskDisk(context), mode, explicit: context.diskNamed }, { run: context.run, reporter: context.reporter, signal: context.signal });
    return { ...result };
  },
} satisfies TaskModule;
