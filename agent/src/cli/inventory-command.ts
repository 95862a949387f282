import { collectInventory, type CollectedInventory } from '../inventory/collect.ts';
import { describeInventory } from '../inventory/summary.ts';
import { runTool } from '../sys/exec.ts';
import { parseFlags } from './args.ts';
import { createOutput, usageError } from './output.ts';

/**
 * `brume inventory [--json]`: this PC's hardware as the agent reports it, for a technician in the debug shell and for
 * tests. --json prints the `{ inventory, warnings }` object the server would get (one line); warnings never fail it.
 */
export async function inventory(
  argv: string[],
  collect: () => Promise<CollectedInventory> = () => collectInventory({ run: runTool }),
): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: 'boolean', default: false } });
  if (positionals.length > 0) throw usageError(`brume inventory takes no argument, got "${positionals.join(' ')}"`);
  try {
    const collected = await collect();
    process.stdout.write(values.json ? `${JSON.stringify(collected)}\n` : describeInventory(collected));
    return 0;
  } catch (error) {
    return createOutput(values.json).fail(error);
  }
}
