import { mkdirSync, readFileSync } from 'node:fs';
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

export const AFTER_ACTIONS = ['reboot', 'poweroff', 'none'] as const;
export type AfterAction = (typeof AFTER_ACTIONS)[number];

/** The server's URL as the agent takes it (--server, brume.server=). */
export const ServerUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL is required' });

/**
 * One step of a debug task (`brume agent --step NAME [N]`), run by a technician from the ramdisk's shell; `all` runs
 * the whole task as a normal boot would.
 */
export const DebugStep = z.discriminatedUnion('name', [
  z.object({ name: z.literal('plan') }),
  z.object({ name: z.literal('table') }),
  z.object({ name: z.literal('partition'), number: z.number().int().positive() }),
  z.object({ name: z.literal('finish') }),
  z.object({ name: z.literal('all') }),
]);
export type DebugStep = z.infer<typeof DebugStep>;

/** `--step NAME` and, for `partition`, the number after it. */
export function debugStep(name: string | undefined, rest: readonly string[]): DebugStep | undefined {
  if (name === undefined) {
    if (rest.length > 0)
      throw new BrumeError('BAD_REQUEST', `brume agent takes no arguments besides its flags, got "${rest.join(' ')}"`);
    return undefined;
  }
  const number = rest[0] === undefined ? undefined : Number(rest[0]);
  if (name === 'partition' && (number === undefined || !Number.isInteger(number) || number <= 0)) {
    throw new BrumeError(
      'BAD_REQUEST',
      `--step partition needs the partition's number (brume agent --step partition 2), got ${rest[0] === undefined ? 'none' : `"${rest[0]}"`}`,
    );
  }
  if (name !== 'partition' && rest.length > 0)
    throw new BrumeError('BAD_REQUEST', `--step ${name} takes no argument, got "${rest.join(' ')}"`);
  const parsed = DebugStep.safeParse(name === 'partition' ? { name, number } : { name });
  if (!parsed.success)
    throw new BrumeError(
      'BAD_REQUEST',
      `--step: "${name}" is not a step; the steps are plan, table, partition N, finish, all`,
    );
  return parsed.data;
}

/** `brume agent`: what it needs to run one task of the server. Parsed once, here, then passed down frozen. */
export const AgentConfig = z.object({
  server: ServerUrl,
  taskId: z.coerce
    .number({ error: 'a task id is required' })
    .int('a task id is required')
    .positive('a task id is required'),
  token: z.string({ error: 'the task token is required' }).min(1, 'the task token is required'),
  /** A disk a person named (--disk, brume.disk=): it wins over the task's; without either the agent's rule chooses. */
  disk: z.string().min(1).optional(),
  /** Who named `disk`: a flag, or brume.disk= on the kernel command line (shown with the choice). */
  diskFrom: z.enum(['flag', 'cmdline']).default('flag'),
  /** What the PC does after a task that succeeded or that the server cancelled: in the ramdisk, reboot (the default there) or power off. */
  after: z.enum(AFTER_ACTIONS, { error: 'reboot, poweroff or none' }).default('none'),
  /** The task came from the kernel command line: this is the ramdisk, and the console is the technician's only screen. */
  ramdisk: z.boolean().default(false),
  json: z.boolean(),
  logDir: z.string().min(1),
  stagingDir: z.string().min(1),
  /** How long one request keeps being retried through network faults and 5xx before SERVER_UNREACHABLE. */
  retryDeadlineMs: z.number().int().nonnegative(),
  /** How long a silent connection is tolerated before it counts as dead. */
  requestTimeoutMs: z.number().int().positive(),
  chunkBytes: z.number().int().positive(),
  level: z.number().int().positive(),
  /** A debug task's step to run (absent: a debug task waits for the technician's steps; others run whole). */
  step: DebugStep.optional(),
});
export type AgentConfig = Readonly<z.infer<typeof AgentConfig>>;

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

const flagNames: Record<string, string> = {
  server: '--server',
  taskId: '--task',
  token: '--token',
  disk: '--disk',
  after: '--after',
  logDir: '--log-dir',
  stagingDir: '--staging',
  retryDeadlineMs: '--retry-deadline',
  requestTimeoutMs: '--timeout',
  chunkBytes: '--chunk-size',
  level: '--level',
};

/**
 * Validates the agent's settings; the first problem becomes bad input (exit 2), named as the user gave it (`names`
 * says when a value came from the kernel command line).
 */
export function agentConfig(input: Record<string, unknown>, names: Readonly<Record<string, string>> = {}): AgentConfig {
  const parsed = AgentConfig.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    throw new BrumeError(
      'BAD_REQUEST',
      `${names[field] ?? flagNames[field] ?? field}: ${issue?.message ?? 'invalid'}`,
      { detail: parsed.error.issues },
    );
  }
  return Object.freeze(parsed.data);
}

export const KERNEL_CMDLINE_PATH = '/proc/cmdline';

/** The `brume.*` words of a kernel command line: what iPXE's boot script put there for this PC. */
export interface KernelArgs {
  server?: string;
  task?: string;
  token?: string;
  disk?: string;
  after?: string;
  /** `brume.action=register`: the iPXE menu's quick registration (or a room registering itself unattended). */
  action?: string;
  /** `brume.mode=menu`: the iPXE menu's "Brume menu". */
  mode?: string;
}

const KERNEL_KEYS: Readonly<Record<string, keyof KernelArgs>> = {
  'brume.server': 'server',
  'brume.task': 'task',
  'brume.token': 'token',
  'brume.disk': 'disk',
  'brume.after': 'after',
  'brume.action': 'action',
  'brume.mode': 'mode',
};

/** Reads `brume.key=value` words (a quoted value keeps its spaces); the last of a repeated word wins, as in the kernel. */
export function parseKernelCmdline(text: string): KernelArgs {
  const args: KernelArgs = {};
  for (const [, key = '', quoted, plain] of text.matchAll(/(?:^|\s)(brume\.[a-z]+)=(?:"([^"]*)"|(\S*))/g)) {
    const field = KERNEL_KEYS[key];
    if (field !== undefined) args[field] = quoted ?? plain ?? '';
  }
  return args;
}

/** The settings of a task: --flags, else the kernel command line (the ramdisk, where the agent runs with no flags). */
export interface TaskFlags {
  server: string | undefined;
  task: string | undefined;
  token: string | undefined;
  disk: string | undefined;
  after: string | undefined;
}

export interface TaskSettings {
  values: {
    server: string | undefined;
    taskId: string | undefined;
    token: string | undefined;
    disk: string | undefined;
    diskFrom: 'flag' | 'cmdline';
    after: string;
    ramdisk: boolean;
  };
  /** How to name each value in an error: its flag, or its word on the kernel command line. */
  names: Record<string, string>;
}

/**
 * Flags win. The kernel command line is read only when --server, --task or --token is missing; a task taken from it
 * means the ramdisk, where the PC reboots after success unless brume.after= (or --after) says otherwise.
 */
export function taskSettings(flags: TaskFlags, cmdlinePath: string = KERNEL_CMDLINE_PATH): TaskSettings {
  const needed = flags.server === undefined || flags.task === undefined || flags.token === undefined;
  const kernel = needed ? readKernelArgs(cmdlinePath) : {};
  const ramdisk = kernel.server !== undefined || kernel.task !== undefined || kernel.token !== undefined;
  const names: Record<string, string> = {};
  const pick = (
    field: string,
    flag: string | undefined,
    word: keyof KernelArgs,
    flagName: string,
  ): string | undefined => {
    if (flag !== undefined) return flag;
    names[field] =
      kernel[word] !== undefined
        ? `brume.${word}= on the kernel command line`
        : `${flagName} (or brume.${word}= on the kernel command line)`;
    return kernel[word];
  };
  const values = {
    server: pick('server', flags.server, 'server', '--server'),
    taskId: pick('taskId', flags.task, 'task', '--task'),
    token: pick('token', flags.token, 'token', '--token'),
    disk: pick('disk', flags.disk, 'disk', '--disk'),
    diskFrom: flags.disk === undefined && kernel.disk !== undefined ? ('cmdline' as const) : ('flag' as const),
    after: pick('after', flags.after, 'after', '--after') ?? (ramdisk ? 'reboot' : 'none'),
    ramdisk,
  };
  return { values, names };
}

/** What `brume agent` is asked to do: a task of the server, register this PC, or open the technician's menu. */
export type AgentMode =
  | { kind: 'task' }
  | { kind: 'register'; server: string | undefined; names: Record<string, string>; ramdisk: boolean; after: string }
  | { kind: 'menu'; server: string | undefined; ramdisk: boolean };

/**
 * Flags first (--action register, --menu), then the kernel command line (brume.action=register, brume.mode=menu);
 * anything else is a task. Registering from the command line means the ramdisk: the PC reboots afterwards.
 */
export function agentMode(
  flags: { server: string | undefined; action: string | undefined; menu: boolean; after: string | undefined },
  cmdlinePath: string = KERNEL_CMDLINE_PATH,
): AgentMode {
  if (flags.action !== undefined && flags.action !== 'register')
    throw new BrumeError('BAD_REQUEST', `--action: "${flags.action}" is not an action; the one action is register`);
  const kernel = flags.action === undefined && !flags.menu ? readKernelArgs(cmdlinePath) : {};
  const serverName =
    flags.server !== undefined
      ? '--server'
      : kernel.server !== undefined
        ? 'brume.server= on the kernel command line'
        : '--server (or brume.server= on the kernel command line)';
  const server = flags.server ?? kernel.server;
  if (flags.action === 'register' || (flags.action === undefined && !flags.menu && kernel.action === 'register')) {
    const ramdisk = flags.action === undefined;
    return {
      kind: 'register',
      server,
      names: { server: serverName },
      ramdisk,
      after: flags.after ?? kernel.after ?? (ramdisk ? 'reboot' : 'none'),
    };
  }
  if (flags.menu || kernel.mode === 'menu') return { kind: 'menu', server, ramdisk: !flags.menu };
  if (kernel.action !== undefined)
    throw new BrumeError(
      'BAD_REQUEST',
      `brume.action=${kernel.action} on the kernel command line is not an action; the one action is register`,
    );
  return { kind: 'task' };
}

function readKernelArgs(path: string): KernelArgs {
  try {
    return parseKernelCmdline(readFileSync(path, 'utf8'));
  } catch {
    // No /proc (another OS, a container): nothing on the command line.
    return {};
  }
}
