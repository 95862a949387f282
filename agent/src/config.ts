import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { BrumeError } from '@brume/protocol';

/** Where partclone logs of this run go: the failure message points here, and the agent ships them to the server. */
export function runLogDir(explicit: string | undefined): string {
  const dir = explicit ?? join(tmpdir(), 'brume-logs', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const DEFAULT_CHUNK_BYTES = 32 * 1024 * 1024;
export const DEFAULT_LEVEL = 3;

/** `brume agent`: what it needs to run one task of the server. Parsed once, here, then passed down frozen. */
export const AgentConfig = z.object({
  server: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL is required' }),
  taskId: z.coerce.number({ error: 'a task id is required' }).int('a task id is required').positive('a task id is required'),
  token: z.string({ error: 'the task token is required' }).min(1, 'the task token is required'),
  /** Overrides the task's disk; without either the agent refuses (the automatic rule comes later). */
  disk: z.string().min(1).optional(),
  json: z.boolean(),
  logDir: z.string().min(1),
  stagingDir: z.string().min(1),
  /** How long one request keeps being retried through network faults and 5xx before SERVER_UNREACHABLE. */
  retryDeadlineMs: z.number().int().nonnegative(),
  /** How long a silent connection is tolerated before it counts as dead. */
  requestTimeoutMs: z.number().int().positive(),
  chunkBytes: z.number().int().positive(),
  level: z.number().int().positive(),
});
export type AgentConfig = Readonly<z.infer<typeof AgentConfig>>;

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

const flagNames: Record<string, string> = { server: '--server', taskId: '--task', token: '--token', disk: '--disk', logDir: '--log-dir', stagingDir: '--staging', retryDeadlineMs: '--retry-deadline', requestTimeoutMs: '--timeout', chunkBytes: '--chunk-size', level: '--level' };

/** Validates the agent's settings; the first problem becomes bad input (exit 2), named. */
export function agentConfig(input: Record<string, unknown>): AgentConfig {
  const parsed = AgentConfig.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    throw new BrumeError('BAD_REQUEST', `${flagNames[field] ?? field}: ${issue?.message ?? 'invalid'}`, { detail: parsed.error.issues });
  }
  return Object.freeze(parsed.data);
}
