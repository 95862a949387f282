import type { TaskKind } from '@brume/protocol';
import { captureTask } from './capture.ts';
import { deployTask } from './deploy.ts';
import { inventoryTask } from './inventory.ts';
import { surfaceTestTask } from './surface-test.ts';
import type { TaskModule } from './task-module.ts';
import { wipeTask } from './wipe.ts';

/** Every task the agent runs, by kind: a kind added to the protocol without a module here fails tsc. */
export const taskModules = {
  capture: captureTask,
  deploy: deployTask,
  inventory: inventoryTask,
  wipe: wipeTask,
  'surface-test': surfaceTestTask,
} as const satisfies Record<TaskKind, TaskModule>;

export type { TaskContext, TaskDescription, TaskModule } from './task-module.ts';
