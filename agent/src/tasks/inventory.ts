import { AgentTask } from '@brume/protocol';
import { collectInventory } from '../inventory/collect.ts';
import type { TaskModule } from './task-module.ts';

/**
 * Re-inventory a known PC (`brume task inventory --host H`): what it is made of now, for the host's history. Reads
 * only: no disk is chosen, so a PC whose disk died can still be inventoried.
 */
export const inventoryTask = {
  kind: 'inventory',
  describe: () => ({
    title: "Read this PC's hardware inventory for the server",
    needsDisk: false,
    destructive: false,
    abortable: true,
    phases: ['inspect'],
    args: AgentTask.pick({}),
    steps: [],
  }),
  async run(context) {
    context.reporter.event({ type: 'phase', ts: new Date().toISOString(), phase: 'inspect', message: 'reading disks, network cards, memory, firmware' });
    const { inventory, warnings } = await collectInventory({ run: context.run });
    for (const warning of warnings) context.reporter.event({ type: 'log', ts: new Date().toISOString(), level: 'warn', message: warning });
    return { inventory, warnings };
  },
} satisfies TaskModule;
