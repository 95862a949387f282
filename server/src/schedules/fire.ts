import { toBrumeError, type WakeSent } from '@brume/protocol';
import type { HostRecord } from '../db/hosts.ts';
import type { NewFiring, ScheduleRecord } from '../db/schedules.ts';
import type { DomainContext } from '../domain/context.ts';
import { createBatch } from '../domain/tasks.ts';

export interface FireDeps {
  ctx: DomainContext;
  /** Goes into the tasks' command lines, which nobody reads here: each PC gets its own token at its network boot. */
  serverUrl: string;
  wake: (hosts: readonly HostRecord[]) => Promise<WakeSent[]>;
}

/**
 * One occurrence: the group's batch, made by the same function as `POST /tasks/batch` (so with the same checks: the
 * group exists and has hosts, the image is published), then a magic packet to each of its PCs: every kind runs at the
 * PC's next network boot, and at 02:00 the room is off (not only for a deploy: a night's wipe or inventory needs its
 * PCs awake just the same). A refusal is the occurrence's outcome (failed, with the error), not an exception.
 */
export async function fireOccurrence(
  deps: FireDeps,
  schedule: ScheduleRecord,
  occurrence: Date,
  now: Date,
): Promise<NewFiring> {
  const base = { occurrence: occurrence.toISOString(), recordedAt: now.toISOString() };
  let created;
  try {
    created = await createBatch(deps.ctx, schedule.task, deps.serverUrl);
  } catch (error) {
    const { code, message, detail } = toBrumeError(error);
    return {
      ...base,
      outcome: 'failed',
      batch: null,
      error: { code, message, ...(detail === undefined ? {} : { detail }) },
      wake: [],
    };
  }
  const hosts = await Promise.all(created.tasks.map(async ({ task }) => deps.ctx.db.hosts.byId(task.hostId)));
  const wake: WakeSent[] = await deps.wake(hosts.filter((host): host is HostRecord => host !== undefined));
  return { ...base, outcome: 'fired', batch: created.batch, error: null, wake };
}
