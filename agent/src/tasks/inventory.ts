import { collectInventory } from '../inventory/collect.ts';
import { describeKind, type TaskModule } from './task-module.ts';

/**
 * Re-inventory a known PC (`brume task inventory --host H`): what it is made of now, for the host's history. Reads
 * only: no disk is chosen, so a PC whose disk died can still be inventoried.
 */
export const inventoryTask = {
  kind: 'inventory',
  describe: () => describeKind('inventory', { phases: ['inspect'] }),
  async run(context) {
    context.reporter.event({
      type: 'phase',
      ts: new Date().toISOString(),
      phase: 'inspect',
      message: 'reading disks, network cards, memory, firmware',
    });
    const { inventory, warnings } = await collectInventory({ run: context.run });
    for (const warning of warnings)
      context.reporter.event({ type: 'log', ts: new Date().toISOString(), level: 'warn', message: warning });
    return { inventory, warnings };
  },
} satisfies TaskModule<'inventory'>;
