import type { Auth } from '../auth.ts';
import type { Config } from '../config.ts';
import type { DomainContext } from '../domain/context.ts';
import type { MulticastRunner } from '../multicast/session-runner.ts';

/** What every route plugin is registered with. */
export interface RouteDeps {
  ctx: DomainContext;
  auth: Auth;
  config: Config;
  version: string;
  /** Sends the multicast sessions' files (one runner per server). */
  multicast: MulticastRunner;
}
