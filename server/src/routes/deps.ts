import type { Auth } from '../auth.ts';
import type { Config } from '../config.ts';
import type { DomainContext } from '../domain/context.ts';
import type { ServerMeters } from '../metrics/server-metrics.ts';
import type { MulticastRunner } from '../multicast/session-runner.ts';
import type { ScheduleService } from '../schedules/service.ts';
import type { RouteGuards } from './route-guards.ts';

/** What every route plugin is registered with. */
export interface RouteDeps {
  ctx: DomainContext;
  auth: Auth;
  /** The check of each kind of auth the route table names (route-guards.ts). */
  guards: RouteGuards;
  config: Config;
  version: string;
  /** Sends the multicast sessions' files (one runner per server). */
  multicast: MulticastRunner;
  /** Bytes moved and housekeeping, counted for /metrics. */
  meters: ServerMeters;
  /** Schedules and Wake-on-LAN (schedules/service.ts). */
  schedules: ScheduleService;
}
