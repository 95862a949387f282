import type { TaskKind } from '@brume/protocol';
import { captureTask } from './capture.ts';
import { deployTask } from './deploy.ts';
import { inventoryTask } from './inventory.ts';
import { recoverTask } from './recover.ts';
import { surfaceTestTask } from './surface-test.ts';
import type { TaskModule } from './task-module.ts';
import { virusScanTask } from './virus-scan.ts';
import { wipeTask } from './wipe.ts';

/** Every task the agent runs, by kind: a kind added to the protocol without a module here fails tsc. */
export const taskModules = {
  capture: captureTask,
  deploy: deployTask,
  inventory: inventoryTask,
  wipe: wipeTask,
  'surface-test': surfaceTestTask,
  'virus-scan': virusScanTask,
  recover: recoverTask,
} as const satisfies { [K in TaskKind]: TaskModule<K> };

const byKind: { readonly [K in TaskKind]: TaskModule<K> } = taskModules;

/** The module of a kind, typed for it: run() takes that kind's task and returns that kind's result. */
export function taskModule<K extends TaskKind>(kind: K): TaskModule<K> {
  return byKind[kind];
}

export type { TaskContext, TaskDescription, TaskModule } from './task-module.ts';
