import { BrumeError, TaskParams } from '@brume/protocol';
import type { TaskModule } from './task-module.ts';

/** Placeholder while issue 8's virus-scan is built. */
export const virusScanTask = {
  kind: 'virus-scan',
  describe: () => ({
    title: 'Virus scan of this PC\'s disks (read-only)',
    needsDisk: true,
    destructive: false,
    abortable: true,
    phases: ['inspect', 'scan'],
    args: TaskParams['virus-scan'],
    steps: [],
  }),
  run() {
    return Promise.reject(new BrumeError('INTERNAL', 'virus-scan is not built yet'));
  },
} satisfies TaskModule;
