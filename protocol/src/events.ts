import { z } from 'zod';

/** A task's life: queued → running → done | failed | cancelled. The last three are final. */
export const TaskState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type TaskState = z.infer<typeof TaskState>;

/** How a job ended: the final states a result event may carry. */
export const Outcome = z.enum(['done', 'failed', 'cancelled']);
export type Outcome = z.infer<typeof Outcome>;

export const Phase = z.enum([
  'inspect',
  'plan',
  'partition-table',
  'boot-area',
  'capture',
  'restore',
  'resize',
  'verify',
  'finalize',
  'wipe',
  'scan',
  'receive',
  'recover',
  'upload',
]);
export type Phase = z.infer<typeof Phase>;

const timestamp = z.iso.datetime();

/** Progress of one partition's stream; `target` names it the way image files do (d1p2). */
export const ProgressEvent = z.object({
  type: z.literal('progress'),
  ts: timestamp,
  phase: Phase,
  target: z.string(),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
  bytesPerSecond: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
});

export const PhaseEvent = z.object({
  type: z.literal('phase'),
  ts: timestamp,
  phase: Phase,
  target: z.string().optional(),
  message: z.string(),
});

export const LogEvent = z.object({
  type: z.literal('log'),
  ts: timestamp,
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  detail: z.unknown().optional(),
});

export const ResultEvent = z.object({
  type: z.literal('result'),
  ts: timestamp,
  state: Outcome,
  error: z.object({ code: z.string(), message: z.string(), detail: z.unknown().optional() }).optional(),
  summary: z.record(z.string(), z.unknown()).optional(),
});

export const Event = z.discriminatedUnion('type', [ProgressEvent, PhaseEvent, LogEvent, ResultEvent]);
export type Event = z.infer<typeof Event>;
export type ProgressEvent = z.infer<typeof ProgressEvent>;
export type PhaseEvent = z.infer<typeof PhaseEvent>;
export type LogEvent = z.infer<typeof LogEvent>;
export type ResultEvent = z.infer<typeof ResultEvent>;
