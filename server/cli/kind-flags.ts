import type { TaskKind, TaskKindDeclaration } from '@brume/protocol';
import type { Args } from './args.ts';

/** The params a kind's flags set, as typed (the params schema coerces and checks them). */
export function flagParams(kind: TaskKindDeclaration<TaskKind>, args: Args): Record<string, string> {
  return Object.fromEntries(
    kind.flags.flatMap((flag) => {
      const value = args.string(flag.name);
      return value === undefined ? [] : [[flag.param, value]];
    }),
  );
}

/** How a params issue names its flag: the one flag, or the kind's settings. */
export const paramsLabel = (kind: TaskKindDeclaration<TaskKind>): string =>
  kind.flags.length === 1 ? `--${kind.flags[0]?.name ?? ''}` : "the task's settings";
