import { z } from 'zod';
import { Event, TaskState } from './events.ts';
import { Inventory } from './inventory.ts';
import { Manifest } from './manifest.ts';
import {
  kindDeclaration,
  kindDeclarations,
  TaskKind,
  type KindParams,
  type KindResult,
  type TaskKindDeclaration,
  type TaskKindRegistry,
} from './kinds/index.ts';

/**
 * The HTTP contract of `/api/v1` (design.md, "Protocol"). The server validates every request with these schemas and
 * generates its OpenAPI document from them; the agent and the admin CLI parse every response with them.
 */
export const API_PREFIX = '/api/v1';

/** Image names reach the server's file system: one plain path segment, no dot first, nothing to escape. */
export const IMAGE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const ImageName = z
  .string()
  .regex(
    IMAGE_NAME_PATTERN,
    'an image name: lowercase letters, digits, dot, dash, underscore; 1–64 characters, not starting with a dot or dash',
  );
export const HostName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a host name: lowercase letters, digits and dashes, 1–63 characters');
export const GroupName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a group name: lowercase letters, digits and dashes, 1–63 characters');
/** Files of an image as the agent uploads them: the names image-dir.ts writes (d1.boot, d1.sfdisk, d1p2.pc.zst). */
export const ImageFileName = z
  .string()
  .regex(/^d[0-9]{1,2}(\.boot|\.sfdisk|p[0-9]{1,3}\.pc\.zst)$/, 'an image file name such as d1p2.pc.zst');
/** A log file name in a bundle: one plain segment. */
export const LogFileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a plain log file name');
export const Mac = z
  .string()
  .transform((value) => value.trim().toLowerCase().replaceAll('-', ':'))
  .pipe(z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'a MAC address such as 52:54:00:12:34:56'));
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');
export const Id = z.coerce.number().int().positive();
const timestamp = z.iso.datetime();

export const ApiError = z.object({
  error: z.object({ code: z.string(), message: z.string(), detail: z.unknown().optional() }),
});
export type ApiError = z.infer<typeof ApiError>;

// ── hosts ──────────────────────────────────────────────────────────────────────────────────────────────────────────
export const Host = z.object({
  id: z.number().int().positive(),
  name: HostName,
  macs: z.array(Mac).min(1),
  /** The disk the agent should image on this PC (/dev/nvme0n1); null lets the agent choose by its rule. */
  diskHint: z.string().nullable(),
  /** The image this PC is meant to carry (FOG's "assigned image"): what a deploy from its menu offers first. */
  image: ImageName.nullable(),
  /** The groups it belongs to, by name (a room, a row of a room). */
  groups: z.array(GroupName),
  createdAt: timestamp,
});
export type Host = z.infer<typeof Host>;
export const HostCreate = z.object({
  name: HostName,
  macs: z.array(Mac).min(1).max(16),
  diskHint: z
    .string()
    .regex(/^\/dev\/[A-Za-z0-9/_-]+$/)
    .optional(),
  image: ImageName.optional(),
  groups: z.array(GroupName).max(32).default([]),
});
export type HostCreate = z.input<typeof HostCreate>;

/** One inventory the server received for a host: quick registration, a re-inventory. The newest is the host's. */
export const InventoryRecord = z.object({
  receivedAt: timestamp,
  source: z.enum(['register', 'inventory']),
  inventory: Inventory,
});
export type InventoryRecord = z.infer<typeof InventoryRecord>;
/** `GET /hosts/:name`: the host, and every inventory received for it, newest first. */
export const HostDetail = Host.extend({ inventories: z.array(InventoryRecord) });
export type HostDetail = z.infer<typeof HostDetail>;

// ── registration (the ramdisk's menu and `brume.action=register`: no task, no token) ──────────────────────────────
/** `POST /agent/lookup`: is this PC known? Its MACs; the answer names the host and nothing more. */
export const AgentLookup = z.object({ macs: z.array(Mac).min(1).max(64) });
export const AgentLookupResult = z.object({ host: z.object({ name: HostName }).nullable() });
export type AgentLookupResult = z.infer<typeof AgentLookupResult>;
/**
 * `POST /agent/register` (quick registration, or full with a name): the inventory carries the MACs. A PC already known
 * (one of its MACs) is not registered twice: its inventory is recorded and the answer says `created: false` (with a
 * name, that is a HOST_EXISTS: the technician asked for a new host).
 */
export const AgentRegister = z.object({
  inventory: Inventory,
  /** Full registration: the name the technician typed (else the server's pattern names the host). */
  name: HostName.optional(),
  /** Full registration: a group the host joins (it must exist) and the image assigned to it (it must exist). */
  group: GroupName.optional(),
  image: ImageName.optional(),
});
export type AgentRegister = z.infer<typeof AgentRegister>;
export const AgentRegistered = z.object({ host: Host, created: z.boolean() });
export type AgentRegistered = z.infer<typeof AgentRegistered>;

// ── groups ─────────────────────────────────────────────────────────────────────────────────────────────────────────
export const Group = z.object({ name: GroupName, hosts: z.array(HostName), createdAt: timestamp });
export type Group = z.infer<typeof Group>;
/** `POST /groups`: creates the group if needed and adds these hosts (adding a member twice is no change). */
export const GroupAdd = z.object({ name: GroupName, hosts: z.array(HostName).max(1000).default([]) });
export type GroupAdd = z.input<typeof GroupAdd>;
/** `POST /groups/:name/remove`: these hosts leave the group (the hosts themselves stay). */
export const GroupRemove = z.object({ hosts: z.array(HostName).min(1).max(1000) });
export const GroupList = z.object({ groups: z.array(Group) });

// ── technicians (a credential a person types at a PC, for what changes a disk there; never the admin token) ─────
export const TechName = z
  .string()
  .regex(
    /^[a-z][a-z0-9._-]{0,31}$/,
    'a technician name: lowercase letters, digits, dot, dash, underscore; 1–32 characters',
  );
export const TechCreate = z.object({
  name: TechName,
  password: z.string().min(8, 'a password of at least 8 characters').max(256),
});
export const Technician = z.object({ name: TechName, createdAt: timestamp });
export type Technician = z.infer<typeof Technician>;
export const TechList = z.object({ technicians: z.array(Technician) });
/** `brume tech pin`: a 6-digit PIN for a day's work in a room, valid `ttlMinutes`, for `uses` logins. */
export const PinCreate = z.object({
  ttlMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(60),
  uses: z.number().int().min(1).max(500).default(30),
});
export const PinCreated = z.object({
  pin: z.string().regex(/^\d{6}$/),
  expiresAt: timestamp,
  uses: z.number().int().positive(),
});
export type PinCreated = z.infer<typeof PinCreated>;
/** `POST /agent/tech-login`: a PIN, or a technician's name and password, typed at the PC. */
export const TechLogin = z.union([
  z.object({ pin: z.string().regex(/^\d{6}$/, 'a PIN of 6 digits') }),
  z.object({ name: TechName, password: z.string().min(1).max(256) }),
]);
export type TechLogin = z.infer<typeof TechLogin>;
export const TechSession = z.object({ token: z.string(), expiresAt: timestamp, technician: z.string() });
export type TechSession = z.infer<typeof TechSession>;
/** `POST /agent/deploy` (technician token): a deploy task for the host owning one of these MACs, run at once by the PC. */
export const AgentDeploy = z.object({ macs: z.array(Mac).min(1).max(64), image: ImageName });
export type AgentDeploy = z.infer<typeof AgentDeploy>;
/** The disk-care kinds a technician starts from the PC's menu: those whose declaration has a menu entry. */
export const CARE_TASK_KINDS: readonly TaskKind[] = kindDeclarations
  .filter((kind) => kind.menu !== false)
  .map((kind) => kind.kind);
/** `POST /agent/care` (technician token): a disk-care task for the host owning one of these MACs, run at once by the PC. */
export const AgentCare = z.object({
  macs: z.array(Mac).min(1).max(64),
  kind: TaskKind.refine((kind) => CARE_TASK_KINDS.includes(kind), "a disk-care kind, one the PC's menu offers"),
  params: z.record(z.string(), z.unknown()).default({}),
});
export type AgentCare = z.input<typeof AgentCare>;

// ── images ─────────────────────────────────────────────────────────────────────────────────────────────────────────
/** Only published images exist for clients: an upload in progress is a task, never an image. */
export const ImageSummary = z.object({
  name: ImageName,
  createdAt: timestamp,
  sourceHost: z.string(),
  partitions: z.number().int().nonnegative(),
  rawBytes: z.number().int().nonnegative(),
  storedBytes: z.number().int().nonnegative(),
  /** The capture task that produced it, when it came from one. */
  taskId: z.number().int().positive().nullable(),
});
export type ImageSummary = z.infer<typeof ImageSummary>;
export const ImageDetail = ImageSummary.extend({ manifest: Manifest });
export type ImageDetail = z.infer<typeof ImageDetail>;
/** Result of re-reading every stored chunk of an image on the server against its manifest. */
export const ImageVerification = z.object({
  name: ImageName,
  ok: z.boolean(),
  chunks: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  problems: z.array(
    z.object({ file: z.string(), chunk: z.number().int().nonnegative().nullable(), message: z.string() }),
  ),
});
export type ImageVerification = z.infer<typeof ImageVerification>;

// ── tasks ──────────────────────────────────────────────────────────────────────────────────────────────────────────
// A kind is declared once, in kinds/: these are derived from the registry there.
export { TaskKind, WipeMode } from './kinds/index.ts';
/** The kinds that name an image: a capture makes it, a deploy reads it; the others have none. */
export const IMAGE_TASK_KINDS: readonly TaskKind[] = kindDeclarations
  .filter((kind) => kind.needsImage !== false)
  .map((kind) => kind.kind);
/** What each kind takes besides host, image and disk; stored with the task, given to its agent. */
export const TaskParams = Object.fromEntries(kindDeclarations.map((kind) => [kind.kind, kind.params])) as {
  readonly [K in TaskKind]: TaskKindRegistry[K]['params'];
};
export type WipeParams = KindParams<'wipe'>;
/** What each kind's agent reports on success. */
export const TaskResults = Object.fromEntries(kindDeclarations.map((kind) => [kind.kind, kind.result])) as {
  readonly [K in TaskKind]: TaskKindRegistry[K]['result'];
};
/** The result of any task: narrow it on the task's kind. */
export type TaskResult = { [K in TaskKind]: KindResult<K> }[TaskKind];
export const TaskError = z.object({ code: z.string(), message: z.string(), detail: z.unknown().optional() });
export type TaskError = z.infer<typeof TaskError>;

/**
 * One object schema per kind, joined on `kind`. Built from the registry, so zod cannot see which member goes with which
 * literal: the caller names the union type T that the members make, one per kind.
 */
function unionOnKind<T>(member: (kind: TaskKindDeclaration<TaskKind>) => z.ZodObject): z.ZodType<T> {
  return z.discriminatedUnion(
    'kind',
    kindDeclarations.map(member) as [z.ZodObject, ...z.ZodObject[]],
  ) as unknown as z.ZodType<T>;
}

/**
 * What an agent stopped by a cancel had done, in its own words: where it stopped, and the engine's account (a deploy's
 * complete, partial and untouched partitions; what a capture had uploaded; how far a pass got; each target's progress).
 * Kept apart from the kind's result: a stopped task has no result, and this shape is the same for every kind.
 */
export const StopReport = z.looseObject({
  cancelledBy: z.literal('server'),
  stoppedAt: z.string(),
  message: z.string(),
});
export type StopReport = z.infer<typeof StopReport>;
const TaskFieldsOfAnyKind = z.object({
  id: z.number().int().positive(),
  hostId: z.number().int().positive(),
  hostName: HostName,
  /** null for a task without an image (inventory). */
  image: ImageName.nullable(),
  /** The disk the agent is told to use: the task's own, else the host's hint, else null (the agent's rule). */
  disk: z.string().nullable(),
  state: TaskState,
  createdAt: timestamp,
  startedAt: timestamp.nullable(),
  endedAt: timestamp.nullable(),
  /** The last progress event and the last phase event the agent posted: enough for `brume task watch`. */
  progress: Event.nullable(),
  phase: Event.nullable(),
  error: TaskError.nullable(),
  logFiles: z.array(LogFileName),
  /** A debug task boots into a shell where the technician runs it step by step (`brume agent --step …`). */
  debug: z.boolean(),
  /** The batch of a task made for a whole group (`--group`), or null. */
  batch: z.number().int().positive().nullable(),
  // History (issue 9), computed by the server; optional because a server before it does not send them.
  /** When the agent last posted to the server: what `--agent-timeout` measures. Null before its first post. */
  heardAt: timestamp.nullable().optional(),
  /**
   * When a technician asked to stop the running task; it stays running until its agent confirms (or a grace passes).
   * Optional: a server before cancellation reached agents does not send it.
   */
  cancelRequestedAt: timestamp.nullable().optional(),
  /** A task its agent stopped on a cancel: what it had done (StopReport); null otherwise. Optional: older servers omit it. */
  stopped: StopReport.nullable().optional(),
  /** Running time in seconds, start to end, of an ended task; null until it ends (the CLI counts a running one's). */
  durationSeconds: z.number().nonnegative().nullable().optional(),
  /** Bytes the task moved, from its result (the kind's bytesMoved: an image's raw bytes, what a wipe wrote…). */
  bytes: z.number().int().nonnegative().nullable().optional(),
  /** bytes / durationSeconds: the average throughput of an ended task. */
  bytesPerSecond: z.number().nonnegative().nullable().optional(),
});
type TaskOf<K extends TaskKind> = z.output<typeof TaskFieldsOfAnyKind> & {
  kind: K;
  /** The kind's own settings (its params schema), e.g. a wipe's mode. */
  params: KindParams<K>;
  result: KindResult<K> | null;
};
/** A task as the admin API shows it: a union on `kind`, so `task.params` and `task.result` are the kind's own. */
export type Task = { [K in TaskKind]: TaskOf<K> }[TaskKind];
export const Task = unionOnKind<Task>((kind) =>
  TaskFieldsOfAnyKind.extend({ kind: z.literal(kind.kind), params: kind.params, result: kind.result.nullable() }),
);

const article = (kind: string): string => (/^[aeiou]/.test(kind) ? 'an' : 'a');

/** What a task is, whoever it is for: one host (TaskCreate) or each host of a group (TaskBatchCreate). */
const TaskFields = z.object({
  kind: TaskKind,
  image: ImageName.optional(),
  disk: z
    .string()
    .regex(/^\/dev\/[A-Za-z0-9/_-]+$/)
    .optional(),
  debug: z.boolean().default(false),
  params: z.record(z.string(), z.unknown()).default({}),
});

function checkTaskFields(task: z.output<typeof TaskFields>, context: z.RefinementCtx): void {
  const { needsImage } = kindDeclaration(task.kind);
  if (needsImage !== false && task.image === undefined)
    context.addIssue({ code: 'custom', path: ['image'], message: `a ${task.kind} task needs an image` });
  if (needsImage === false && task.image !== undefined)
    context.addIssue({
      code: 'custom',
      path: ['image'],
      message: `${article(task.kind)} ${task.kind} task takes no image`,
    });
  const params = TaskParams[task.kind].safeParse(task.params);
  for (const issue of params.success ? [] : params.error.issues) {
    context.addIssue({
      code: 'custom',
      path: ['params', ...issue.path.map(String)],
      message: `${article(task.kind)} ${task.kind} task: ${issue.message}`,
    });
  }
}

/** The checked fields with the params as the kind's schema reads them (defaults filled in, numbers coerced). */
type TaskFieldsOf<K extends TaskKind> = Omit<z.output<typeof TaskFields>, 'kind' | 'params'> & {
  kind: K;
  params: KindParams<K>;
};
function typedParams<T extends z.output<typeof TaskFields>>(
  task: T,
): Omit<T, 'kind' | 'params'> & { [K in TaskKind]: TaskFieldsOf<K> }[TaskKind] {
  return { ...task, params: TaskParams[task.kind].parse(task.params) } as Omit<T, 'kind' | 'params'> &
    { [K in TaskKind]: TaskFieldsOf<K> }[TaskKind];
}

export const TaskCreate = TaskFields.extend({ host: HostName }).superRefine(checkTaskFields).transform(typedParams);
export type TaskCreate = z.input<typeof TaskCreate>;
/** `POST /tasks/batch`: the same task for every host of a group, under one batch id (`brume task deploy --group G`). */
export const TaskBatchCreate = TaskFields.extend({ group: GroupName })
  .superRefine(checkTaskFields)
  .transform(typedParams);
export type TaskBatchCreate = z.input<typeof TaskBatchCreate>;
/** The one-time token is returned once, at creation; the server keeps only its sha256. */
export const TaskCreated = z.object({ task: Task, token: z.string(), cmdline: z.string() });
export type TaskCreated = z.infer<typeof TaskCreated>;
export const TaskBatchCreated = z.object({ batch: z.number().int().positive(), tasks: z.array(TaskCreated) });
export type TaskBatchCreated = z.infer<typeof TaskBatchCreated>;
export const TaskListQuery = z.object({
  state: TaskState.optional(),
  host: HostName.optional(),
  batch: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  kind: TaskKind.optional(),
  /** Tasks created at or after this instant (`brume task list --since 3d`); normalised to the form the server stores. */
  since: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value).toISOString())
    .optional(),
});

const AgentTaskFieldsOfAnyKind = z.object({
  id: z.number().int().positive(),
  image: ImageName.nullable(),
  disk: z.string().nullable(),
  state: TaskState,
  debug: z.boolean(),
  /** The host the task is for: a recovery names its folder on a USB disk after it. Optional: older servers omit it. */
  hostName: HostName.optional(),
});
/** What an agent learns from its token: its job, and nothing about other tasks. A union on `kind`, as Task is. */
export type AgentTaskOf<K extends TaskKind> = z.output<typeof AgentTaskFieldsOfAnyKind> & {
  kind: K;
  params: KindParams<K>;
};
export type AgentTask = { [K in TaskKind]: AgentTaskOf<K> }[TaskKind];
export const AgentTask = unionOnKind<AgentTask>((kind) =>
  AgentTaskFieldsOfAnyKind.extend({ kind: z.literal(kind.kind), params: kind.params }),
);

/** `POST /tasks/:id/events`; an empty batch is a heartbeat, so the agent hears of a cancel while it has nothing to say. */
export const EventBatch = z.object({ events: z.array(Event).max(200) });
export type EventBatch = z.infer<typeof EventBatch>;
/** The server's answer to an event batch: `cancel` asks the agent to stop, then confirm with `POST /tasks/:id/cancelled`. */
export const EventsAnswer = z.object({ cancel: z.boolean() });
export type EventsAnswer = z.infer<typeof EventsAnswer>;

/** Logs travel as text: agent log, partclone logs, sfdisk dumps. Each file is capped by the agent (tail kept). */
export const LogFile = z.object({ name: LogFileName, content: z.string().max(4 * 1024 * 1024) });
export type LogFile = z.infer<typeof LogFile>;
/** `POST /tasks/:id/complete`. Repeating it after a lost response is harmless: the server answers with the same task. */
export const TaskComplete = z.object({
  result: z.record(z.string(), z.unknown()).optional(),
  logs: z.array(LogFile).max(64).default([]),
});
export type TaskComplete = z.input<typeof TaskComplete>;
/** A completion as a task of kind K sends it: the server checks the result with that kind's schema (TaskResults). */
export type TaskCompleteOf<K extends TaskKind> = Omit<TaskComplete, 'result'> & { result?: KindResult<K> };
/** `POST /tasks/:id/fail`: the error the agent stopped on, and the logs that explain it. */
export const TaskFail = z.object({ error: TaskError, logs: z.array(LogFile).max(64).default([]) });
export type TaskFail = z.input<typeof TaskFail>;
/**
 * `POST /tasks/:id/cancelled`: the agent stopped on the server's cancel; `result` says what it had done to the disk
 * (which partitions are complete, partial or untouched, what was uploaded, how far a pass got). Repeatable like complete.
 */
export const TaskCancelled = z.object({ stopped: StopReport, logs: z.array(LogFile).max(64).default([]) });
export type TaskCancelled = z.input<typeof TaskCancelled>;
export const TaskLogs = z.object({ files: z.array(LogFile) });
export type TaskLogs = z.infer<typeof TaskLogs>;

// ── uploads (capture) ──────────────────────────────────────────────────────────────────────────────────────────────
/** Headers of `PUT /uploads/:task/:file?chunk=N`; the body is the chunk's stored (compressed) bytes. */
export const CHUNK_SHA256_HEADER = 'x-brume-sha256';
export const CHUNK_OFFSET_HEADER = 'x-brume-offset';
export const UploadChunkQuery = z.object({ chunk: z.coerce.number().int().min(0).max(1_000_000) });
export const HeldChunk = z.object({
  index: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: Sha256,
});
export type HeldChunk = z.infer<typeof HeldChunk>;
/** `GET /uploads/:task`: what the server already holds, so a resumed capture sends only the rest. */
export const UploadListing = z.object({ files: z.record(z.string(), z.array(HeldChunk)) });
export type UploadListing = z.infer<typeof UploadListing>;
export const UploadCommit = z.object({ manifest: Manifest });
export type UploadCommit = z.infer<typeof UploadCommit>;

// ── boot (what iPXE fetches: outside /api/v1, no token) ────────────────────────────────────────────────────────────
export const BOOT_PREFIX = '/boot';
/**
 * `GET /boot/menu.ipxe?mac=&platform=`: whatever iPXE sent (`${netX/mac}`, `${platform}`). A value the server cannot use
 * sends the PC to its local disk; it is never a 400, since iPXE would show the PC's user nothing useful.
 */
export const BootMenuQuery = z.object({ mac: z.string().optional(), platform: z.string().optional() });
export type BootMenuQuery = z.infer<typeof BootMenuQuery>;

/**
 * The kernel command line a ramdisk gets for a task (design.md, "Boot environment"); `brume.debug=1` for a debug task,
 * which boots into a shell instead of running it.
 */
export function taskCmdline(serverUrl: string, taskId: number, token: string, debug = false): string {
  return `brume.server=${serverUrl} brume.task=${taskId} brume.token=${token}${debug ? ' brume.debug=1' : ''}`;
}

/** Every admin listing is an object, so a field can be added (a cursor, a total) without breaking clients. */
export const HostList = z.object({ hosts: z.array(Host) });
export const ImageList = z.object({ images: z.array(ImageSummary) });
export type ImageList = z.infer<typeof ImageList>;
export const TaskList = z.object({ tasks: z.array(Task) });
export const ServerHealth = z.object({ ok: z.literal(true), version: z.string() });
export type ServerHealth = z.infer<typeof ServerHealth>;
