import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BrumeError } from '../brume-error.ts';
import { errorFromAnswer, prepareCall, readAnswer } from './call.ts';
import { routes, routeTables } from './index.ts';
import type { RouteSpec } from './route.ts';

const entries = Object.entries(routes) as [string, RouteSpec][];
const pathParams = (path: string): string[] =>
  [...path.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1] as string).sort();

describe('the route table', () => {
  it('declares each name once, across every area', () => {
    const declared = routeTables.flatMap((table) => Object.keys(table));
    expect(declared.length).toBe(new Set(declared).size);
    expect(entries.length).toBe(declared.length);
  });

  it('holds each method and path once', () => {
    const keys = entries.map(([, route]) => `${route.method} ${route.mount}${route.path}`);
    expect(keys.length).toBe(new Set(keys).size);
  });

  it("names in each route's params schema exactly the :params of its path", () => {
    for (const [name, route] of entries) {
      const shape = route.params instanceof z.ZodObject ? Object.keys(route.params.shape).sort() : [];
      expect(shape, name).toEqual(pathParams(route.path));
    }
  });

  it('answers every route with at least one declared status', () => {
    for (const [name, route] of entries) expect(Object.keys(route.responses).length, name).toBeGreaterThan(0);
  });
});

describe('the client core', () => {
  it('builds the URL from the params and the query, encoded', () => {
    const call = prepareCall(routes.taskList, { query: { state: 'running', host: 'a b', limit: undefined } });
    expect(call).toEqual({ method: 'GET', target: '/api/v1/tasks?state=running&host=a+b', where: 'GET /tasks' });
    expect(prepareCall(routes.groupRemove, { params: { name: 'room/1' }, body: { hosts: ['pc-1'] } })).toEqual({
      method: 'POST',
      target: '/api/v1/groups/room%2F1/remove',
      where: 'POST /groups/room%2F1/remove',
      json: '{"hosts":["pc-1"]}',
    });
    expect(prepareCall(routes.bootMenu, { query: { mac: '52:54:00:12:34:56' } }).target).toBe(
      '/boot/menu.ipxe?mac=52%3A54%3A00%3A12%3A34%3A56',
    );
  });

  it("parses an answer with the route's schema for its status", () => {
    expect(readAnswer(routes.health, 200, '{"ok":true,"version":"1.2.3"}')).toEqual({
      ok: true,
      value: { ok: true, version: '1.2.3' },
      body: { ok: true, version: '1.2.3' },
    });
    expect(readAnswer(routes.hostDelete, 204, '')).toEqual({ ok: true, value: undefined, body: undefined });
    const unreadable = readAnswer(routes.health, 200, '{"ok":"yes"}');
    expect(unreadable.ok).toBe(false);
  });
});

describe('the error mapper', () => {
  const answer = (status: number, contentType: string | undefined, text: string) =>
    errorFromAnswer({ status, contentType, text, where: 'GET /images' });
  const brume = (code: string) => JSON.stringify({ error: { code, message: 'the message', detail: { why: 1 } } });

  it("keeps a code of protocol's table, with its message and detail", () => {
    const error = answer(404, 'application/json', brume('IMAGE_NOT_FOUND'));
    expect(error).toBeInstanceOf(BrumeError);
    expect([error.code, error.message, error.detail]).toEqual(['IMAGE_NOT_FOUND', 'the message', { why: 1 }]);
  });

  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty', 'NOT_A_CODE'])(
    'maps the unknown code %s to INTERNAL',
    (code) => {
      const error = answer(400, 'application/json', brume(code));
      expect(error.code).toBe('INTERNAL');
      expect(error.message).toBe(`the message (${code}, HTTP 400)`);
    },
  );

  it('says what came back when it is not a Brume answer', () => {
    const html = answer(502, 'text/html; charset=utf-8', '<html>Bad Gateway</html>');
    expect(html.code).toBe('INTERNAL');
    expect(html.message).toBe(
      "not a Brume server's answer (text/html): GET /images answered HTTP 502: <html>Bad Gateway</html>",
    );
    expect(answer(500, undefined, '').message).toBe(
      "not a Brume server's answer (an answer without a content type): GET /images answered HTTP 500: (no body)",
    );
    expect(answer(400, 'application/json', '{"error":"nope"}').code).toBe('INTERNAL');
  });
});
