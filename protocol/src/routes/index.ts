import { adminRoutes } from './admin.ts';
import { agentRoutes } from './agent.ts';
import { bootRoutes } from './boot.ts';
import { dashboardRoutes } from './dashboard.ts';
import { metaRoutes } from './meta.ts';
import { registrationRoutes } from './registration.ts';
import { roomRoutes } from './room.ts';
import type { RouteSpec } from './route.ts';

/**
 * The HTTP contract, by route name: the server registers exactly these (server/src/routes/define-route.ts), the agent
 * and the admin CLI call them by name (call.ts), docs/api.md is written from them (scripts/api-doc.ts).
 */
export const routes = {
  ...metaRoutes,
  ...bootRoutes,
  ...registrationRoutes,
  ...agentRoutes,
  ...adminRoutes,
  ...roomRoutes,
  ...dashboardRoutes,
} as const satisfies Record<string, RouteSpec>;
/** Every area's table, for the test that no name is declared twice (a spread would keep only the last). */
export const routeTables: readonly Readonly<Record<string, RouteSpec>>[] = [
  metaRoutes,
  bootRoutes,
  registrationRoutes,
  agentRoutes,
  adminRoutes,
  roomRoutes,
  dashboardRoutes,
];
export type Routes = typeof routes;
export type RouteName = keyof Routes;

export * from './route.ts';
export * from './params.ts';
export { DashboardLogin, DashboardWho } from './dashboard.ts';
export { OpenApiDocument } from './meta.ts';
export * from './call.ts';
