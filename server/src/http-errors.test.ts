import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { tokenDigest } from './auth.ts';
import { sqliteDatabase } from './db/database.ts';
import { CONFIG_DEFAULTS } from './config.ts';
import { localImageStore } from './store/local-store.ts';
import { ADMIN_TOKEN, openHarness, type Harness } from '../../test/fakes/server-harness.ts';

describe('errors on the wire', () => {
  let h: Harness;
  beforeAll(async () => (h = await openHarness()));
  afterAll(async () => h.close());

  const post = (payload: string | Buffer, contentType = 'application/json') =>
    h.app.inject({
      method: 'POST',
      url: '/api/v1/hosts',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': contentType },
      payload,
    });

  it('answers malformed JSON and a wrong content type with 400 BAD_REQUEST', async () => {
    for (const response of [
      await post('{"name": "pc-01", '),
      await post('name=pc-01', 'text/plain'),
      await post('null'),
      await post('[1,2]'),
    ]) {
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('BAD_REQUEST');
    }
  });

  it('takes an empty JSON body as no body: fine where none is needed, a 400 where one is', async () => {
    expect((await post('', 'application/json')).json().error.code).toBe('BAD_REQUEST');
    const created = await h.call('POST', '/hosts', { body: { name: 'pc-empty', macs: ['52:54:00:00:00:99'] } });
    expect(created.statusCode).toBe(201);
    const task = await h.call('POST', '/tasks', { body: { kind: 'capture', host: 'pc-empty', image: 'empty-body' } });
    const cancel = await h.app.inject({
      method: 'POST',
      url: `/api/v1/tasks/${task.json().task.id}/cancel`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      payload: '',
    });
    expect(cancel.statusCode).toBe(200);
  });

  it('carries the validation issues in detail', async () => {
    const response = await post(JSON.stringify({ name: 'pc-01', macs: ['nope'] }));
    expect(response.statusCode).toBe(400);
    expect(response.json().error.detail).toEqual([expect.objectContaining({ in: 'body', path: '/macs/0' })]);
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await post(
      JSON.stringify({ name: 'pc-01', macs: ['52:54:00:00:00:01'], pad: 'x'.repeat(2 * 1024 * 1024) }),
    );
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    const response = await h.call('GET', '/nothing/here');
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('NOT_FOUND');
    expect((await h.app.inject({ method: 'GET', url: '/nothing' })).json().error.code).toBe('NOT_FOUND');
    // The bare address is the dashboard's.
    expect((await h.app.inject({ method: 'GET', url: '/' })).headers.location).toBe('/dashboard/');
  });

  it('never answers bad ids or odd input with a 500', async () => {
    for (const path of [
      '/tasks/abc',
      '/tasks/0',
      '/tasks/-1',
      '/tasks/1e999',
      '/tasks/1.5',
      `/tasks/${'9'.repeat(40)}`,
      '/tasks?limit=abc',
      '/agent/tasks/x',
    ]) {
      const response = await h.call('GET', path);
      expect(response.statusCode, path).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, path).toBeLessThan(500);
    }
  });

  it('describes every route in the OpenAPI document, from the protocol schemas', async () => {
    const document = (await h.call('GET', '/openapi.json', { token: null })).json();
    expect(document.openapi).toMatch(/^3\./);
    const routes = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const route of [
      'GET /api/v1/agent/tasks/{id}',
      'POST /api/v1/tasks/{id}/events',
      'POST /api/v1/tasks/{id}/complete',
      'POST /api/v1/tasks/{id}/fail',
      'GET /api/v1/uploads/{task}',
      'PUT /api/v1/uploads/{task}/{file}',
      'POST /api/v1/uploads/{task}/commit',
      'GET /api/v1/images/{name}/manifest',
      'GET /api/v1/images/{name}/files/{file}',
      'HEAD /api/v1/images/{name}/files/{file}',
      'GET /api/v1/hosts',
      'POST /api/v1/hosts',
      'GET /api/v1/hosts/{name}',
      'DELETE /api/v1/hosts/{name}',
      'GET /api/v1/images',
      'GET /api/v1/images/{name}',
      'POST /api/v1/images/{name}/verify',
      'DELETE /api/v1/images/{name}',
      'POST /api/v1/tasks',
      'GET /api/v1/tasks',
      'GET /api/v1/tasks/{id}',
      'POST /api/v1/tasks/{id}/cancel',
      'GET /api/v1/tasks/{id}/logs',
      'GET /api/v1/health',
    ]) {
      expect(routes).toContain(route);
    }
    expect(document.paths['/api/v1/hosts'].post.requestBody.content['application/json'].schema.required).toEqual([
      'name',
      'macs',
    ]);
  });
});

describe('an unexpected failure', () => {
  it('is a 500 INTERNAL whose stack stays in the log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brume-internal-'));
    const db = sqliteDatabase(join(dir, 'brume.db'));
    db.hosts = { ...db.hosts, list: async () => Promise.reject(new Error('disk on fire under /secret/path')) };
    const lines: string[] = [];
    const stream = new Writable({
      write: (chunk, _encoding, done) => {
        lines.push(String(chunk));
        done();
      },
    });
    const app = buildApp({
      config: {
        dataDir: dir,
        listen: { host: '127.0.0.1', port: 0 },
        publicUrl: null,
        bootDir: join(dir, 'boot'),
        ...CONFIG_DEFAULTS,
      },
      db,
      store: localImageStore(dir),
      adminTokenHash: tokenDigest(ADMIN_TOKEN),
      logger: { level: 'error', stream },
    });
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/hosts',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.statusCode).toBe(500);
    expect(response.json().error.code).toBe('INTERNAL');
    expect(response.body).not.toContain('secret');
    expect(response.body).not.toContain('at ');
    expect(lines.join('')).toContain('disk on fire');
    expect(lines.join('')).toContain('"stack"');
    await app.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
});
