import type { Auth } from '../auth.ts';
import type { Config } from '../config.ts';
import type { DomainContext } from '../domain/context.ts';

/** What every route plugin is registered with. */
export interface RouteDeps {
  ctx: DomainContext;
  auth: Auth;
  config: Config;
  version: string;
}
