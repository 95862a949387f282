import { z } from 'zod';
import type { TaskKindDeclaration } from './declaration.ts';
import { kindDeclarations, TaskKind } from './index.ts';

const JsonSchema = z.record(z.string(), z.unknown());
const KindFlagInfo = z.object({
  name: z.string(),
  type: z.enum(['string', 'integer']),
  placeholder: z.string(),
  help: z.string(),
  param: z.string(),
  choices: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  initial: z.string().optional(),
});

/** One kind's declaration as data (`GET /task-kinds`): what a form or a help page needs, its schemas as JSON Schema. */
export const TaskKindInfo = z.object({
  kind: TaskKind,
  title: z.string(),
  needsImage: z.union([z.literal(false), z.enum(['makes', 'reads'])]),
  needsDisk: z.boolean(),
  destructive: z.boolean(),
  abortable: z.boolean(),
  /** true, or why the kind is not for a group. */
  groupable: z.union([z.literal(true), z.object({ refused: z.string() })]),
  menu: z.union([z.literal(false), z.object({ label: z.string() })]),
  flags: z.array(KindFlagInfo),
  synopsis: z.string(),
  /** The params as a client sends them, and the result as an agent reports it (JSON Schema, draft 2020-12). */
  params: JsonSchema,
  result: JsonSchema,
});
export type TaskKindInfo = z.infer<typeof TaskKindInfo>;
export const TaskKindCatalog = z.object({ kinds: z.array(TaskKindInfo) });
export type TaskKindCatalog = z.infer<typeof TaskKindCatalog>;

// What a schema accepts as input: a default is optional there, a coerced number may come as text.
const jsonSchema = (schema: z.ZodType): Record<string, unknown> =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

export function kindInfo(kind: TaskKindDeclaration<TaskKind>): TaskKindInfo {
  const { title, needsImage, needsDisk, destructive, abortable, groupable, menu, synopsis } = kind;
  const flags = kind.flags.map(({ choices, ...flag }) => ({
    ...flag,
    ...(choices === undefined ? {} : { choices: choices.map((choice) => ({ ...choice })) }),
  }));
  return {
    kind: kind.kind,
    title,
    needsImage,
    needsDisk,
    destructive,
    abortable,
    groupable,
    menu,
    flags,
    synopsis,
    params: jsonSchema(kind.params),
    result: jsonSchema(kind.result),
  };
}

/** Every kind the protocol declares, in the registry's order. */
export function taskKindCatalog(): TaskKindCatalog {
  return { kinds: kindDeclarations.map(kindInfo) };
}
