// Who may do what, over real HTTP against the real `brume server`: every refusal has its status and its code, and bad
// input (path traversal, oversized or malformed bodies) is a 4xx, never a 500.
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startServerProcess, type ServerProcess } from '../support/server-process.ts';

const work = mkdtempSync(join(tmpdir(), 'brume-auth-'));
let server: ServerProcess;
let admin: ReturnType<typeof apiClient>;
const tasks: Record<'first' | 'second' | 'ended', { id: number; token: string }> = {} as never;

type ErrorBody = { error: { code: string; message: string } };

async function raw(
  method: string,
  path: string,
  init: { token?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers['authorization'] = `Bearer ${init.token}`;
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, body: body as ErrorBody };
}

/**
 * A request that announces `declaredBytes` of body and sends one byte: the server must refuse it from its headers
 * alone, without reading 65 MiB. (Sending the whole body raced: the server answers 413 and closes, and a client still
 * writing gets EPIPE before it reads the answer.)
 */
function announcedOnly(
  method: string,
  path: string,
  declaredBytes: number,
  headers: Record<string, string>,
): Promise<{ status: number; body: ErrorBody }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${server.url}/api/v1${path}`);
    const outgoing = httpRequest(
      url,
      { method, headers: { ...headers, 'content-length': String(declaredBytes) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (piece: string) => (text += piece));
        response.on('end', () => {
          outgoing.destroy();
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as ErrorBody });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.setTimeout(10_000, () =>
      outgoing.destroy(new Error('no answer within 10 s: the server is waiting for the announced body')),
    );
    outgoing.write(new Uint8Array(1));
  });
}

beforeAll(async () => {
  server = await startServerProcess(join(work, 'data'));
  admin = apiClient(server.url, server.adminToken);
  expect((await admin.post('/hosts', { name: 'pc-01', macs: ['52:54:00:00:01:01'] })).status).toBe(201);
  for (const [key, image] of [
    ['first', 'one'],
    ['second', 'two'],
    ['ended', 'three'],
  ] as const) {
    const created = await admin.post<{ task: { id: number }; token: string }>('/tasks', {
      kind: 'capture',
      host: 'pc-01',
      image,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    tasks[key] = { id: created.body.task.id, token: created.body.token };
  }
  expect((await admin.post(`/tasks/${tasks.ended.id}/cancel`)).status).toBe(200);
});

afterAll(async () => {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('the auth matrix', () => {
  const cases: Array<[string, () => Promise<{ status: number; body: ErrorBody }>, number, string]> = [
    ['no token', () => raw('GET', `/agent/tasks/${tasks.first.id}`), 401, 'UNAUTHORIZED'],
    [
      'a wrong token',
      () => raw('GET', `/agent/tasks/${tasks.first.id}`, { token: 'x'.repeat(43) }),
      401,
      'UNAUTHORIZED',
    ],
    [
      "another task's token",
      () => raw('GET', `/agent/tasks/${tasks.first.id}`, { token: tasks.second.token }),
      403,
      'FORBIDDEN',
    ],
    [
      "another task's token on its uploads",
      () => raw('GET', `/uploads/${tasks.first.id}`, { token: tasks.second.token }),
      403,
      'FORBIDDEN',
    ],
    [
      'the token of a task that ended',
      () => raw('GET', `/agent/tasks/${tasks.ended.id}`, { token: tasks.ended.token }),
      401,
      'UNAUTHORIZED',
    ],
    [
      'an ended task posting events',
      () =>
        raw('POST', `/tasks/${tasks.ended.id}/events`, {
          token: tasks.ended.token,
          headers: { 'content-type': 'application/json' },
          body: '{"events":[]}',
        }),
      401,
      'UNAUTHORIZED',
    ],
    ['a task token on an admin route', () => raw('GET', '/hosts', { token: tasks.first.token }), 403, 'FORBIDDEN'],
    [
      'a task token creating tasks',
      () =>
        raw('POST', '/tasks', {
          token: tasks.first.token,
          headers: { 'content-type': 'application/json' },
          body: '{"kind":"capture","host":"pc-01","image":"x"}',
        }),
      403,
      'FORBIDDEN',
    ],
    [
      'the admin token as a bearer of garbage',
      () => raw('GET', '/hosts', { token: `${server.adminToken}x` }),
      401,
      'UNAUTHORIZED',
    ],
  ];
  it.each(cases)('%s is refused', async (_name, request, status, code) => {
    const answer = await request();
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(answer.body.error.message.length).toBeGreaterThan(10);
  });

  it('the right token is accepted', async () => {
    const answer = await raw('GET', `/agent/tasks/${tasks.first.id}`, { token: tasks.first.token });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: tasks.first.id, kind: 'capture', image: 'one' });
  });
});

describe('bad input is a 4xx with a code, never a 500', () => {
  const json = { 'content-type': 'application/json' };
  const cases: Array<[string, () => Promise<{ status: number; body: ErrorBody }>, number]> = [
    ['a dot-dot image name', () => raw('GET', '/images/..%2F..%2Fetc/manifest', { token: server.adminToken }), 400],
    ['an encoded dot-dot image name', () => raw('GET', '/images/%2e%2e%2fetc', { token: server.adminToken }), 400],
    [
      'an uppercase image name in a task',
      () =>
        raw('POST', '/tasks', {
          token: server.adminToken,
          headers: json,
          body: '{"kind":"capture","host":"pc-01","image":"Win11"}',
        }),
      400,
    ],
    [
      'a slash in a task image name',
      () =>
        raw('POST', '/tasks', {
          token: server.adminToken,
          headers: json,
          body: '{"kind":"capture","host":"pc-01","image":"a/../../b"}',
        }),
      400,
    ],
    [
      'a traversal upload file name',
      () =>
        raw('PUT', `/uploads/${tasks.first.id}/..%2F..%2Fadmin.token?chunk=0`, {
          token: tasks.first.token,
          headers: {
            'content-type': 'application/octet-stream',
            'x-brume-sha256': '0'.repeat(64),
            'x-brume-offset': '0',
          },
          body: 'x',
        }),
      400,
    ],
    [
      'a traversal file download',
      () => raw('GET', '/images/one/files/..%2Fadmin.token', { token: server.adminToken }),
      400,
    ],
    [
      'malformed JSON',
      () => raw('POST', '/hosts', { token: server.adminToken, headers: json, body: '{"name": "pc-02", ' }),
      400,
    ],
    [
      'a body that is not the schema',
      () => raw('POST', '/hosts', { token: server.adminToken, headers: json, body: '{"name": 12, "macs": "nope"}' }),
      400,
    ],
    [
      'a bad MAC',
      () =>
        raw('POST', '/hosts', {
          token: server.adminToken,
          headers: json,
          body: '{"name": "pc-02", "macs": ["52:54:00"]}',
        }),
      400,
    ],
    [
      'an oversized JSON body',
      () => announcedOnly('POST', '/hosts', 3 * 1024 * 1024, { authorization: `Bearer ${server.adminToken}`, ...json }),
      413,
    ],
    [
      'an oversized chunk',
      () =>
        announcedOnly('PUT', `/uploads/${tasks.first.id}/d1p1.pc.zst?chunk=0`, 65 * 1024 * 1024 + 1, {
          authorization: `Bearer ${tasks.first.token}`,
          'content-type': 'application/octet-stream',
          'x-brume-sha256': '0'.repeat(64),
          'x-brume-offset': '0',
        }),
      413,
    ],
    [
      'a chunk without its sha256',
      () =>
        raw('PUT', `/uploads/${tasks.first.id}/d1p1.pc.zst?chunk=0`, {
          token: tasks.first.token,
          headers: { 'content-type': 'application/octet-stream', 'x-brume-offset': '0' },
          body: 'abc',
        }),
      400,
    ],
    [
      'a chunk whose bytes do not match its sha256',
      () =>
        raw('PUT', `/uploads/${tasks.first.id}/d1p1.pc.zst?chunk=0`, {
          token: tasks.first.token,
          headers: {
            'content-type': 'application/octet-stream',
            'x-brume-sha256': '0'.repeat(64),
            'x-brume-offset': '0',
          },
          body: 'abc',
        }),
      422,
    ],
    [
      'a negative chunk index',
      () =>
        raw('PUT', `/uploads/${tasks.first.id}/d1p1.pc.zst?chunk=-1`, {
          token: tasks.first.token,
          headers: {
            'content-type': 'application/octet-stream',
            'x-brume-sha256': '0'.repeat(64),
            'x-brume-offset': '0',
          },
          body: 'abc',
        }),
      400,
    ],
    ['a task id that is not a number', () => raw('GET', '/tasks/abc', { token: server.adminToken }), 400],
    ['an unknown task', () => raw('GET', '/tasks/999999', { token: server.adminToken }), 404],
    ['an unknown image', () => raw('GET', '/images/nope', { token: server.adminToken }), 404],
    [
      'a deploy of an unknown image',
      () =>
        raw('POST', '/tasks', {
          token: server.adminToken,
          headers: json,
          body: '{"kind":"deploy","host":"pc-01","image":"nope"}',
        }),
      404,
    ],
    [
      'a task for an unknown host',
      () =>
        raw('POST', '/tasks', {
          token: server.adminToken,
          headers: json,
          body: '{"kind":"capture","host":"pc-99","image":"x"}',
        }),
      404,
    ],
    ['an unknown route', () => raw('GET', '/nothing/here', { token: server.adminToken }), 404],
  ];
  it.each(cases)('%s', async (_name, request, status) => {
    const answer = await request();
    expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(status);
    expect(typeof answer.body.error.code).toBe('string');
  });

  it('nothing reached a path outside the data directory, and the server still answers', async () => {
    expect((await raw('GET', '/health')).status).toBe(200);
    const openapi = await raw('GET', '/openapi.json');
    expect(openapi.status).toBe(200);
    expect(Object.keys((openapi.body as unknown as { paths: Record<string, unknown> }).paths)).toEqual(
      expect.arrayContaining(['/api/v1/tasks', '/api/v1/uploads/{task}/{file}']),
    );
  });
});
