import { BrumeError, TaskParams } from '@brume/protocol';
import type { TaskModule } from './task-module.ts';

/** Placeholder while issue 8's recover is built. */
export const recoverTask = {
  kind: 'recover',
  describe: () => ({
    title: 'File recovery from this PC\'s disk',
    needsDisk: true,
    destructive: false,
    abortable: true,
    phases: ['inspect', 'recover'],
    args: TaskParams['recover'],
    steps: [],
  }),
  run() {
    return Promise.reject(new BrumeError('INTERNAL', 'recover is not built yet'));
  },
} satisfies TaskModule;
