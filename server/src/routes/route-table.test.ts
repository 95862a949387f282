import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routes, type RouteAuth, type RouteSpec } from '@brume/protocol';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { tokenDigest } from '../auth.ts';
import { CONFIG_DEFAULTS, type Config } from '../config.ts';
import { sqliteDatabase, type Database } from '../db/database.ts';
import { localImageStore } from '../store/local-store.ts';

const ADMIN_TOKEN = 'admin-token-for-the-route-table-test';
const table = Object.entries(routes) as [string, RouteSpec][];
const key = (method: string, url: string): string => `${method} ${url}`;

/** A path of the table with its params filled: a number where a task is named (the guard reads it), else a name. */
const samplePath = (route: RouteSpec): string =>
  `${route.mount}${route.path.replace(/:(id|task)\b/g, '1').replace(/:[A-Za-z]+/g, 'x1')}`;

/**
 * What each kind of auth answers a request carrying the admin token: the admin's routes serve it (whatever they then
 * say of the empty request), the agent's and the technician's refuse it (403), the dashboard's want their cookie (401).
 */
const adminTokenAnswer: Record<RouteAuth, 'served' | 403 | 401> = {
  none: 'served',
  task: 403,
  admin: 'served',
  'image-reader': 'served',
  technician: 403,
  'dashboard-session': 401,
  metrics: 'served',
};

describe("the server's routes are the table's", () => {
  let app: FastifyInstance;
  let db: Database;
  let dir: string;
  const registered: { method: string; url: string; hidden: boolean }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brume-route-table-'));
    const config: Config = Object.freeze({
      dataDir: dir,
      listen: { host: '127.0.0.1', port: 0 },
      publicUrl: null,
      bootDir: join(dir, 'boot'),
      ...CONFIG_DEFAULTS,
    });
    db = sqliteDatabase(join(dir, 'brume.db'));
    app = buildApp({
      config,
      db,
      store: localImageStore(dir),
      adminTokenHash: tokenDigest(ADMIN_TOKEN),
      logger: false,
    });
    app.addHook('onRoute', (options) => {
      const methods = Array.isArray(options.method) ? options.method : [options.method];
      const hidden = (options.schema as { hide?: boolean } | undefined)?.hide === true;
      for (const method of methods) registered.push({ method, url: options.url, hidden });
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  // From the server's own page, so the dashboard's same-origin check is not what answers.
  const sameOrigin = { host: 'brume.test:8080', origin: 'http://brume.test:8080' };
  const inject = (route: RouteSpec, authorization?: string) =>
    app.inject({
      method: route.method,
      url: samplePath(route),
      headers: authorization === undefined ? sameOrigin : { ...sameOrigin, authorization },
    } satisfies InjectOptions);

  it('registers every route of the table and nothing else (the dashboard page and its redirects aside)', () => {
    const served = new Set(
      registered
        .filter((route) => route.method !== 'HEAD' && !route.hidden)
        .map((route) => key(route.method, route.url)),
    );
    const declared = new Set(table.map(([, route]) => key(route.method, `${route.mount}${route.path}`)));
    expect(
      [...served].filter((route) => !declared.has(route)),
      'registered but not in the table',
    ).toEqual([]);
    expect(
      [...declared].filter((route) => !served.has(route)),
      'in the table but not registered',
    ).toEqual([]);
    const hidden = registered.filter((route) => route.hidden).map((route) => route.url);
    expect(hidden.every((url) => url === '/' || url.startsWith('/dashboard'))).toBe(true);
  });

  it('answers HEAD exactly where the table says a file is served', () => {
    const heads = new Set(registered.filter((route) => route.method === 'HEAD').map((route) => route.url));
    for (const [name, route] of table)
      if (route.head === true) expect(heads.has(`${route.mount}${route.path}`), name).toBe(true);
    expect(heads.has(routes.bootMenu.path), 'the boot menu issues a token: no HEAD').toBe(false);
  });

  it('describes every route in the OpenAPI document, the routes without a token marked so', async () => {
    const document = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      paths: Record<string, Record<string, { security?: unknown[]; summary?: string }>>;
    };
    for (const [name, route] of table) {
      const operation =
        document.paths[`${route.mount}${route.path}`.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()];
      expect(operation?.summary, name).toBe(route.summary);
      if (route.auth === 'none') expect(operation?.security, name).toEqual([]);
      else expect(operation?.security, name).toBeUndefined();
    }
  });

  it('refuses a request without a token with 401 wherever the table names an auth, and only there', async () => {
    for (const [name, route] of table) {
      const answer = await inject(route);
      if (route.auth === 'none') expect(answer.statusCode, `${name}: ${answer.body}`).not.toBe(401);
      else {
        expect(answer.statusCode, `${name}: ${answer.body}`).toBe(401);
        expect(answer.json().error.code, name).toBe('UNAUTHORIZED');
      }
    }
  });

  it('enforces the kind of auth the table names: what the admin token gets shows which', async () => {
    for (const [name, route] of table) {
      const answer = await inject(route, `Bearer ${ADMIN_TOKEN}`);
      const expected = adminTokenAnswer[route.auth];
      if (expected === 'served') expect([401, 403], `${name}: ${answer.body}`).not.toContain(answer.statusCode);
      else expect(answer.statusCode, `${name}: ${answer.body}`).toBe(expected);
    }
  });
});
