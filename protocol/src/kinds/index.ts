import { z } from 'zod';
import { BrumeError } from '../brume-error.ts';
import { capture } from './capture.ts';
import type { TaskKindDeclaration } from './declaration.ts';
import { deploy } from './deploy.ts';
import { inventory } from './inventory.ts';
import { recover } from './recover.ts';
import { surfaceTest } from './surface-test.ts';
import { virusScan } from './virus-scan.ts';
import { wipe } from './wipe.ts';

/**
 * Every task kind, by name: the one list. `TaskKind` and the task unions come from it, so a kind added here is known to
 * the server, the CLI, the menu and the dashboard, and the agent's registry fails tsc until it has a module for it.
 */
export const taskKinds = {
  capture,
  deploy,
  inventory,
  wipe,
  'surface-test': surfaceTest,
  'virus-scan': virusScan,
  recover,
} as const;

export type TaskKindRegistry = typeof taskKinds;
export type TaskKind = keyof TaskKindRegistry;
const kindNames = Object.keys(taskKinds) as [TaskKind, ...TaskKind[]];
export const TaskKind = z.enum(kindNames);

/** The declaration of one kind, with its exact schemas. */
export type KindDeclaration<K extends TaskKind> = TaskKindRegistry[K];
export type KindParams<K extends TaskKind> = z.output<TaskKindRegistry[K]['params']>;
/** A kind's result as the server stores and shows it: its known fields typed, a newer agent's extra ones unknown. */
export type KindResult<K extends TaskKind> = z.output<TaskKindRegistry[K]['result']>;
/**
 * A kind's result as its agent module builds it: KindResult without the index signatures of the loose objects (a
 * module names every field it sends, and the compiler checks each against the schema).
 */
export type AgentKindResult<K extends TaskKind> = Known<KindResult<K>>;
type Known<T> = T extends readonly (infer U)[]
  ? Known<U>[]
  : T extends object
    ? [NamedKeys<T>] extends [never]
      ? { [P in keyof T]: Known<T[P]> }
      : { [P in keyof T as string extends P ? never : P]: Known<T[P]> }
    : T;
type NamedKeys<T> = keyof { [P in keyof T as string extends P ? never : P]: 0 };

/** Each declaration, widened to the common shape: for code that walks every kind. */
export const kindDeclarations: readonly TaskKindDeclaration<TaskKind>[] = Object.values(taskKinds);

export const isTaskKind = (kind: string): kind is TaskKind => Object.hasOwn(taskKinds, kind);

/**
 * The declaration of a kind, widened: what code that handles any kind reads. A kind that reached here unchecked (a
 * stored row, a schedule written by another Brume) and is not declared is bad input, not a crash further on.
 */
export function kindDeclaration(kind: TaskKind): TaskKindDeclaration<TaskKind> {
  if (!isTaskKind(kind))
    throw new BrumeError(
      'BAD_REQUEST',
      `"${String(kind)}" is not a task kind this Brume knows: ${kindNames.join(', ')}`,
      { detail: { kind } },
    );
  return taskKinds[kind];
}

/** The bytes a task moved, from its result as the kind's schema reads it; null when the result does not fit it. */
export function bytesMoved(kind: TaskKind, result: unknown): number | null {
  const declaration = kindDeclaration(kind);
  const parsed = declaration.result.safeParse(result);
  return parsed.success ? declaration.bytesMoved(parsed.data) : null;
}

export type { KindFlag, TaskKindDeclaration } from './declaration.ts';
export { declareKind } from './declaration.ts';
export { WipeMode } from './wipe.ts';
