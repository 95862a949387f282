import {
  BrumeError,
  DEFAULT_MULTICAST,
  taskCmdline,
  type MulticastFile,
  type MulticastJoin,
  type MulticastSession,
  type MulticastStart,
  type MulticastStarted,
  type TaskCreated,
} from '@brume/protocol';
import type { z } from 'zod';
import type { MulticastRecord } from '../db/multicast.ts';
import type { TaskCredentials } from '../db/tasks.ts';
import type { MulticastRunner } from '../multicast/session-runner.ts';
import type { DomainContext } from './context.ts';
import { findGroup, hostsNamed } from './groups.ts';
import { cancelTask, createTask, findTask, toTask } from './tasks.ts';
import { isActive, newTaskToken } from '../auth.ts';
import { lookupHost } from './registration.ts';

/** The first portbase the server hands out; each session takes two ports (udpcast's portbase and portbase+1). */
const FIRST_PORTBASE = 9000;
/** A receiver waits this long for a file's sender beyond the session's own wait, then takes the file over HTTP. */
const FILE_TIMEOUT_MARGIN_SECONDS = 30;

export async function findSession(ctx: DomainContext, id: number): Promise<MulticastRecord> {
  const session = await ctx.db.multicast.byId(id);
  if (session === undefined) throw new BrumeError('NOT_FOUND', `no multicast session ${id}`, { detail: { id } });
  return session;
}

export async function sessionView(ctx: DomainContext, session: MulticastRecord): Promise<MulticastSession> {
  const members = await ctx.db.multicast.members(session.id);
  const receivers = members.map((member) => ({
    host: member.hostName,
    taskId: member.taskId,
    taskState: member.state,
    phase: member.phase === null ? null : ((JSON.parse(member.phase) as { message?: string }).message ?? null),
  }));
  const { id, image, state, settings, files, createdAt, startedAt, endedAt, error } = session;
  return { id, image, state, settings, files, receivers, createdAt, startedAt, endedAt, error };
}

/**
 * A session for an image and a set of hosts: every check first (the image, each host, the group), then the session,
 * then one deploy task per host naming it, then the sending starts in the background.
 */
export async function startMulticast(
  ctx: DomainContext,
  runner: MulticastRunner,
  input: z.output<typeof MulticastStart>,
  serverUrl: string,
): Promise<MulticastStarted> {
  const manifest = await ctx.db.images.manifest(input.image);
  if (manifest === undefined)
    throw new BrumeError('IMAGE_NOT_FOUND', `no image named ${input.image}`, { detail: { name: input.image } });
  const hostNames = input.group === undefined ? (input.hosts ?? []) : (await findGroup(ctx, input.group)).hosts;
  if (hostNames.length === 0) throw new BrumeError('BAD_REQUEST', `group ${input.group ?? ''} has no hosts`);
  const hosts = await hostsNamed(ctx, hostNames);
  const minReceivers = input.minReceivers ?? hosts.length;
  if (minReceivers > hosts.length)
    throw new BrumeError(
      'BAD_REQUEST',
      `--min-receivers ${minReceivers} is more than the session's ${hosts.length} host(s)`,
    );

  const session = await ctx.db.multicast.insert({
    image: input.image,
    createdAt: ctx.now(),
    files: sessionFiles(manifest),
    settings: {
      minReceivers,
      maxWaitSeconds: input.maxWaitSeconds ?? DEFAULT_MULTICAST.maxWaitSeconds,
      maxBitrate: input.maxBitrate === undefined ? DEFAULT_MULTICAST.maxBitrate : input.maxBitrate,
      fec: input.fec === undefined ? DEFAULT_MULTICAST.fec : input.fec,
      interface: input.interface ?? null,
      portbase: input.portbase ?? (await freePortbase(ctx)),
    },
  });
  const tasks: TaskCreated[] = [];
  for (const host of hosts)
    tasks.push(
      await createTask(
        ctx,
        { kind: 'deploy', host: host.name, image: input.image, debug: false, params: { multicast: session.id } },
        serverUrl,
      ),
    );
  runner.start(session.id);
  return { session: await sessionView(ctx, session), tasks };
}

/** The files a session sends, in the manifest's order: every partition's stream (the small files go over HTTP). */
function sessionFiles(manifest: { partitions: { file: string | null; storedBytes: number }[] }): MulticastFile[] {
  return manifest.partitions.flatMap((partition) =>
    partition.file === null
      ? []
      : [
          {
            name: partition.file,
            bytes: partition.storedBytes,
            state: 'pending' as const,
            receivers: null,
            seconds: null,
          },
        ],
  );
}

async function freePortbase(ctx: DomainContext): Promise<number> {
  const taken = new Set((await ctx.db.multicast.active()).map((session) => session.settings.portbase));
  let portbase = FIRST_PORTBASE;
  while (taken.has(portbase)) portbase += 2;
  return portbase;
}

export async function listSessions(
  ctx: DomainContext,
  only: 'all' | 'active' = 'all',
): Promise<{ sessions: MulticastSession[] }> {
  const sessions = only === 'active' ? await ctx.db.multicast.active() : await ctx.db.multicast.list(100);
  return { sessions: await Promise.all(sessions.map((session) => sessionView(ctx, session))) };
}

export async function showSession(ctx: DomainContext, id: number): Promise<MulticastSession> {
  return sessionView(ctx, await findSession(ctx, id));
}

/** Stops the sending and cancels the session's deploy tasks that have not ended: a room stopped is a room stopped. */
export async function cancelSession(
  ctx: DomainContext,
  runner: MulticastRunner,
  id: number,
): Promise<MulticastSession> {
  const session = await findSession(ctx, id);
  if (session.state !== 'waiting' && session.state !== 'sending') {
    throw new BrumeError('TASK_STATE', `multicast session ${id} has ended already (${session.state})`, {
      detail: { state: session.state },
    });
  }
  await runner.cancel(id);
  // A runner that was not running it (a session of a stopped server) leaves the state to set here.
  if ((await findSession(ctx, id)).state !== 'cancelled')
    await ctx.db.multicast.update(id, { state: 'cancelled', endedAt: ctx.now() });
  for (const member of await ctx.db.multicast.members(id))
    if (isActive(member.state)) await cancelTask(ctx, member.taskId);
  return showSession(ctx, id);
}

/**
 * A PC joins a session from its menu (a technician logged in): its task of that session if it has one still queued
 * (with a token for this run), else a new deploy task in the session. It receives from the next file on.
 */
export async function joinFromPc(
  ctx: DomainContext,
  id: number,
  macs: readonly string[],
  serverUrl: string,
): Promise<TaskCreated> {
  const session = await findSession(ctx, id);
  if (session.state !== 'waiting' && session.state !== 'sending')
    throw new BrumeError('TASK_STATE', `multicast session ${id} has ended (${session.state})`, {
      detail: { state: session.state },
    });
  const { host } = await lookupHost(ctx, macs);
  if (host === null)
    throw new BrumeError(
      'HOST_NOT_FOUND',
      'this PC is not registered: register it first (quick or full registration)',
      { detail: { macs } },
    );
  const member = (await ctx.db.multicast.members(id)).find(
    (candidate) => candidate.hostName === host.name && isActive(candidate.state),
  );
  if (member?.state === 'running')
    throw new BrumeError('TASK_STATE', `${host.name} is running task ${member.taskId} of this session already`, {
      detail: { task: member.taskId },
    });
  if (member !== undefined) {
    const { token, tokenHash } = newTaskToken();
    if (await ctx.db.tasks.replaceToken(member.taskId, tokenHash)) {
      const task = await findTask(ctx, member.taskId);
      return { task: toTask(task), token, cmdline: taskCmdline(serverUrl, task.id, token) };
    }
  }
  return createTask(
    ctx,
    { kind: 'deploy', host: host.name, image: session.image, debug: false, params: { multicast: id } },
    serverUrl,
  );
}

/** What a deploy task of a session needs to receive (its own token): the port, the files in order, the timeout. */
export async function joinForAgent(ctx: DomainContext, credentials: TaskCredentials): Promise<MulticastJoin> {
  const task = await findTask(ctx, credentials.id);
  const sessionId = task.params['multicast'];
  if (typeof sessionId !== 'number')
    throw new BrumeError('NOT_FOUND', `task ${task.id} is not part of a multicast session`);
  const session = await findSession(ctx, sessionId);
  return {
    session: session.id,
    image: session.image,
    state: session.state,
    portbase: session.settings.portbase,
    files: session.files.map((file) => file.name),
    closed: session.files
      .filter((file) => file.state !== 'pending' && file.state !== 'waiting')
      .map((file) => file.name),
    fileTimeoutSeconds: session.settings.maxWaitSeconds + FILE_TIMEOUT_MARGIN_SECONDS,
  };
}
