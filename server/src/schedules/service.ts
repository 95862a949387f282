import type { WakeSent } from '@brume/protocol';
import type { Config } from '../config.ts';
import type { HostRecord } from '../db/hosts.ts';
import type { DomainContext } from '../domain/context.ts';
import { systemClock, type Clock } from './clock.ts';
import { fireOccurrence } from './fire.ts';
import { serverTimeZone } from './occurrences.ts';
import { Scheduler, type SchedulerLog } from './scheduler.ts';
import { serverWakeFallback, wakeHosts } from './wake-hosts.ts';
import { udpBroadcastSender, type PacketSender } from './wake-on-lan.ts';

/** What the schedule and wake routes work with; one per server, built by buildApp. */
export interface ScheduleService {
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  /** What a schedule without a timezone is read in. */
  readonly defaultTimeZone: string;
  wake(hosts: readonly HostRecord[]): Promise<WakeSent[]>;
}

export interface ScheduleServiceDeps {
  ctx: DomainContext;
  config: Config;
  /** Default: wall time and Node's timers. */
  clock?: Clock | undefined;
  /** Default: a UDP broadcast socket (tests that must send nothing pass a recorder). */
  sendPacket?: PacketSender | undefined;
  log: SchedulerLog;
}

export function scheduleService(deps: ScheduleServiceDeps): ScheduleService {
  const { ctx, config } = deps;
  const clock = deps.clock ?? systemClock;
  const wake = (hosts: readonly HostRecord[]): Promise<WakeSent[]> =>
    wakeHosts(
      {
        db: ctx.db,
        send: deps.sendPacket ?? udpBroadcastSender,
        fallback: () => serverWakeFallback(config.wakeBroadcast, config.listen.host),
      },
      hosts,
    );
  const serverUrl =
    config.publicUrl ??
    `http://${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${config.listen.port}`;
  const scheduler = new Scheduler({
    ctx,
    clock,
    log: deps.log,
    fire: (schedule, occurrence, now) => fireOccurrence({ ctx, serverUrl, wake }, schedule, occurrence, now),
  });
  return { scheduler, clock, defaultTimeZone: serverTimeZone(), wake };
}
