import type { z } from 'zod';

/** One admin-CLI flag of a kind, which sets one of its params (`--mode fast` sets `params.mode`). */
export interface KindFlag {
  /** The flag without its dashes. */
  name: string;
  /** What the CLI reads; the params schema has the last word (an integer param coerces the text). */
  type: 'string' | 'integer';
  /** The placeholder after the flag in a synopsis (`--types LIST`), unless `choices` says it. */
  placeholder: string;
  help: string;
  /** The param it sets. */
  param: string;
  /** Closed choices with a label each: the CLI's synopsis lists them, forms offer them as a choice. */
  choices?: readonly { value: string; label: string }[];
  /** The value a form shows first. */
  initial?: string;
}

/**
 * A task kind, whole: everything the server, the agent, the admin CLI, the PC's menu and the dashboard need to know
 * about it besides how the agent runs it. One file per kind under kinds/, one line in the registry (kinds/index.ts).
 */
export interface TaskKindDeclaration<
  K extends string = string,
  P extends z.ZodObject = z.ZodObject,
  R extends z.ZodObject = z.ZodObject,
> {
  kind: K;
  title: string;
  /** Whether the task names an image, and what it does with it: a capture makes one, a deploy reads one. */
  needsImage: false | 'makes' | 'reads';
  /** Whether it works on a disk (the agent chooses one first); an inventory reads the whole PC and needs none. */
  needsDisk: boolean;
  /** Whether it overwrites the disk it runs on. */
  destructive: boolean;
  /** Whether stopping it half-way leaves nothing worse than before it started. */
  abortable: boolean;
  /** Whether one task per host of a group (`--group`, schedules) makes sense; if not, why (said when refused). */
  groupable: true | { refused: string };
  /** The label of its entry in the PC's Disk care menu, or false when a technician does not start it there. */
  menu: false | { label: string };
  /** What it takes besides host, image and disk; stored with the task, given to its agent. */
  params: P;
  /** What its agent reports on success (loose: a newer agent may add fields). */
  result: R;
  /** What task history reports as the bytes the task moved; null when it moves none. */
  bytesMoved(result: z.output<R>): number | null;
  /** The admin CLI's flags for its params. */
  flags: readonly KindFlag[];
  /** One task of the kind in a few words, as the CLI says it made it ("deploy image win11 to pc-01 (/dev/sda)"). */
  phrase(task: { hostName: string; onDisk: string; image: string | null; params: z.output<P> }): string;
  /** `brume task <kind>`'s synopsis after the host or group (the image and disk flags are the CLI's own). */
  synopsis: string;
}

/** Keeps the literal kind and the exact schema types of a declaration (what the registry's unions are built from). */
export function declareKind<const K extends string, P extends z.ZodObject, R extends z.ZodObject>(
  declaration: TaskKindDeclaration<K, P, R>,
): TaskKindDeclaration<K, P, R> {
  return declaration;
}

/** A whole, non-negative byte count. */
export const isByteCount = (value: number): boolean => Number.isSafeInteger(value) && value >= 0;
