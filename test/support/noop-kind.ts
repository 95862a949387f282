/**
 * A trivial task kind, written exactly as the README's "Adding a task kind" says: one protocol file and its registry
 * line, one agent file and its registry line. The add-a-kind test applies these to a copy of the repository.
 */
export const NOOP_PROTOCOL_FILE = `import { z } from 'zod';
import { declareKind } from './declaration.ts';

/** Does nothing but say so: the smallest kind there is. */
export const noop = declareKind({
  kind: 'noop',
  title: 'Do nothing, and say so',
  needsImage: false,
  needsDisk: false,
  destructive: false,
  abortable: true,
  groupable: true,
  menu: false,
  params: z.strictObject({ words: z.string().max(80).default('nothing to do') }),
  result: z.looseObject({ said: z.string(), bytes: z.number().int().nonnegative() }),
  bytesMoved: (result) => result.bytes,
  flags: [{ name: 'words', type: 'string', placeholder: 'TEXT', param: 'words', help: 'what the agent says' }],
  phrase: (task) => \`noop on \${task.hostName} (\${task.params.words})\`,
  synopsis: '[--words TEXT]',
});
`;

export const NOOP_AGENT_FILE = `import { describeKind, type TaskModule } from './task-module.ts';

/** Says its words, and reports them. */
export const noopTask = {
  kind: 'noop',
  describe: () => describeKind('noop', { phases: ['inspect'] }),
  async run(context) {
    context.reporter.event({ type: 'phase', ts: new Date().toISOString(), phase: 'inspect', message: context.task.params.words });
    return { said: context.task.params.words, bytes: context.task.params.words.length };
  },
} satisfies TaskModule<'noop'>;
`;

/** The registry lines: [file, line after which the import goes, import, line after which the entry goes, entry]. */
export const NOOP_REGISTRY_LINES = [
  [
    'protocol/src/kinds/index.ts',
    "import { inventory } from './inventory.ts';",
    "import { noop } from './noop.ts';",
    '  recover,',
    '  noop,',
  ],
  [
    'agent/src/tasks/index.ts',
    "import { inventoryTask } from './inventory.ts';",
    "import { noopTask } from './noop.ts';",
    '  recover: recoverTask,',
    '  noop: noopTask,',
  ],
] as const;
