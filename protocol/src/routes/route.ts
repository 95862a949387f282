import type { z } from 'zod';

/**
 * Who may call a route, as the server enforces it (server/src/routes/define-route.ts installs the check from this
 * value, so the table cannot say one thing while the server does another).
 */
export const routeAuths = {
  none: 'no token',
  task: 'the token of the task named by the path (`:id` or `:task`), while that task is queued or running',
  admin: "the admin token, or a dashboard session (a technician's session reads, and makes or cancels tasks)",
  'image-reader': 'the admin token, a dashboard session, or the token of an active deploy task of that image',
  technician: 'a technician session token from `POST /agent/tech-login` (never the admin token)',
  'dashboard-session': "the dashboard's session cookie",
  metrics: 'the admin token, unless the server runs with `--metrics-auth none`',
} as const;
export type RouteAuth = keyof typeof routeAuths;

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A body or an answer that is bytes streamed as they come (a chunk, a file), not JSON. */
export const STREAM = 'stream';
/** An answer without a body (204). */
export const NO_CONTENT = 'no content';
/** An answer that is text for a program other than Brume's (an iPXE script, Prometheus metrics, server-sent events). */
export const TEXT = 'text';

export type RouteAnswer = z.ZodType | typeof STREAM | typeof NO_CONTENT | typeof TEXT;

/** One route of the HTTP contract: what the server registers, what the clients call, what docs/api.md lists. */
export interface RouteSpec {
  readonly method: RouteMethod;
  /** Where the route lives: `/api/v1` for the API, '' for what sits beside it (/boot, /dashboard, /metrics). */
  readonly mount: '/api/v1' | '';
  /** Below the mount, with `:name` path parameters. */
  readonly path: string;
  /** HEAD answers too (a file's size and ETag without its bytes). */
  readonly head?: true;
  readonly auth: RouteAuth;
  /** The OpenAPI tag and the section of docs/api.md. */
  readonly area: RouteArea;
  readonly summary: string;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly headers?: z.ZodType;
  readonly body?: z.ZodType | typeof STREAM;
  readonly responses: Readonly<Partial<Record<number, RouteAnswer>>>;
}

/** The sections of the contract, in the order docs/api.md lists them. */
export const routeAreas = {
  meta: 'Server',
  boot: 'Boot',
  registration: 'Registration',
  technician: 'Technician at a PC',
  agent: 'Agent',
  uploads: 'Uploads',
  recovered: 'Recovered files',
  images: 'Images',
  hosts: 'Hosts',
  groups: 'Groups',
  tasks: 'Tasks',
  technicians: 'Technicians',
  multicast: 'Multicast',
  schedules: 'Schedules',
  signatures: 'Signatures',
  dashboard: 'Dashboard',
  metrics: 'Metrics',
} as const;
export type RouteArea = keyof typeof routeAreas;

/** The routes of one area, each checked against RouteSpec while keeping its own literal type. */
export const defineRoutes = <const T extends Record<string, RouteSpec>>(routes: T): T => routes;
