import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BrumeError } from '@brume/protocol';
import { createApiClient, type ApiClient } from './client.ts';
import { backoffDelay, retryPolicy, type RetryPolicy } from './retry.ts';
import {
  breakConnection,
  sendError,
  sendJson,
  startLoopbackServer,
  type Handler,
  type LoopbackServer,
} from '../../../test/fakes/loopback-server.ts';

/** A clock the test drives: sleeping advances it at once, and every wait is recorded. */
function fakeTime(deadlineMs: number): { policy: Partial<RetryPolicy>; waits: number[] } {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    policy: {
      deadlineMs,
      random: () => 0.5,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    },
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function serve(handler: Handler): Promise<LoopbackServer> {
  const server = await startLoopbackServer(handler);
  cleanups.push(() => server.close());
  return server;
}

function client(server: string, retry: Partial<RetryPolicy>, timeouts: { headersTimeoutMs?: number } = {}): ApiClient {
  const api = createApiClient({ server, token: 'secret', retry, ...timeouts });
  cleanups.push(() => api.close());
  return api;
}

describe('the API client', () => {
  it('sends the bearer token below /api/v1 and parses the answer with the schema', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, { ok: true, version: '1.0.0' }));
    const answer = await client(server.url, {}).call('health', {});
    expect(answer).toEqual({ ok: true, version: '1.0.0' });
    expect(server.requests[0]?.url).toBe('/api/v1/health');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer secret');
  });

  it('retries a broken connection and a 503 with growing waits, then succeeds', async () => {
    const server = await serve((_request, response, index) => {
      if (index === 0) breakConnection(response);
      else if (index === 1) sendError(response, 503, 'SERVER_UNREACHABLE', 'busy');
      else sendJson(response, 200, { host: { name: `pc-${index}` } });
    });
    const time = fakeTime(60_000);
    const answer = await client(server.url, time.policy).call('agentLookup', { body: { macs: ['52:54:00:12:34:56'] } });
    expect(answer).toEqual({ host: { name: 'pc-2' } });
    expect(server.requests).toHaveLength(3);
    expect(time.waits).toEqual([375, 750]);
  });

  it("never retries a 4xx: the server's code and message become the BrumeError", async () => {
    const server = await serve((_request, response) =>
      sendError(response, 404, 'IMAGE_NOT_FOUND', 'no image called win11'),
    );
    const failure = await client(server.url, fakeTime(60_000).policy)
      .call('imageManifest', { params: { name: 'win11' } })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BrumeError);
    expect((failure as BrumeError).code).toBe('IMAGE_NOT_FOUND');
    expect((failure as BrumeError).message).toBe('no image called win11');
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a full DATA disk (507 STORAGE_FULL): it does not empty itself while the agent waits', async () => {
    const server = await serve((_request, response) =>
      sendError(response, 507, 'STORAGE_FULL', "the server's DATA disk is full"),
    );
    const failure = await client(server.url, fakeTime(60_000).policy)
      .call('uploadListing', { params: { task: 3 } })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'STORAGE_FULL' });
    expect(server.requests).toHaveLength(1);
  });

  it('gives up at the deadline with SERVER_UNREACHABLE naming the URL and the last error', async () => {
    const server = await serve((_request, response) => sendError(response, 500, 'INTERNAL', 'disk on fire'));
    const time = fakeTime(20_000);
    const failure = await client(server.url, time.policy)
      .call('health', {})
      .catch((error: unknown) => error);
    expect((failure as BrumeError).code).toBe('SERVER_UNREACHABLE');
    expect((failure as BrumeError).message).toContain(`${server.url}/api/v1/health`);
    expect((failure as BrumeError).message).toContain('disk on fire');
    expect(time.waits.reduce((sum, wait) => sum + wait, 0)).toBeLessThanOrEqual(20_000);
    expect(server.requests.length).toBe(time.waits.length + 1);
  });

  it('counts a refused connection as a network fault', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const time = fakeTime(3_000);
    const failure = await client(`http://127.0.0.1:${port}`, time.policy)
      .call('health', {})
      .catch((error: unknown) => error);
    expect((failure as BrumeError).code).toBe('SERVER_UNREACHABLE');
    expect((failure as BrumeError).message).toMatch(/ECONNREFUSED/);
    expect(time.waits.length).toBeGreaterThan(1);
  });

  it('detects a silent server by its headers timeout', async () => {
    const server = await serve(() => undefined);
    const failure = await client(server.url, { deadlineMs: 0 }, { headersTimeoutMs: 300 })
      .call('health', {})
      .catch((error: unknown) => error);
    expect((failure as BrumeError).code).toBe('SERVER_UNREACHABLE');
    expect((failure as BrumeError).message).toMatch(/UND_ERR_HEADERS_TIMEOUT|Headers Timeout/i);
  });

  it('takes a body cut short as a network fault and asks again', async () => {
    const payload = Buffer.alloc(64 * 1024, 7);
    const server = await serve((_request, response, index) => {
      response.writeHead(206, { 'content-length': payload.byteLength });
      if (index === 0) {
        response.write(payload.subarray(0, 1000));
        setTimeout(() => breakConnection(response), 20);
      } else {
        response.end(payload);
      }
    });
    const bytes = await client(server.url, fakeTime(60_000).policy).bytes(
      'imageFile',
      { params: { name: 'lab', file: 'd1p1.pc.zst' } },
      payload.byteLength,
      { headers: { range: 'bytes=0-65535' } },
    );
    expect(Buffer.from(bytes).equals(payload)).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.headers.range).toBe('bytes=0-65535');
    expect(server.requests[1]?.url).toBe('/api/v1/images/lab/files/d1p1.pc.zst');
  });

  it.each(['NOT_A_CODE', 'toString', '__proto__'])(
    'takes the unknown error code %s as INTERNAL, never as one of the table',
    async (code) => {
      const server = await serve((_request, response) => sendError(response, 403, code, 'refused by something else'));
      const failure = await client(server.url, fakeTime(60_000).policy)
        .call('agentTask', { params: { id: 7 } })
        .catch((error: unknown) => error);
      expect((failure as BrumeError).code).toBe('INTERNAL');
      expect((failure as BrumeError).message).toBe(`refused by something else (${code}, HTTP 403)`);
    },
  );

  it('says what came back when a proxy answers with its own page', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/html' });
      response.end('<html>Not Found</html>');
    });
    const failure = await client(`${server.url}/api/v1`, fakeTime(60_000).policy)
      .call('agentTask', { params: { id: 7 } })
      .catch((error: unknown) => error);
    expect((failure as BrumeError).code).toBe('INTERNAL');
    expect((failure as BrumeError).message).toBe(
      "not a Brume server's answer (text/html): GET /agent/tasks/7 answered HTTP 404: <html>Not Found</html>",
    );
    expect(server.requests[0]?.url).toBe('/api/v1/agent/tasks/7');
  });
});

describe('backoff', () => {
  it('doubles from 0.5 s to 15 s, the upper half random', () => {
    const low = retryPolicy({ random: () => 0 });
    const high = retryPolicy({ random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => backoffDelay(attempt, low))).toEqual([
      250, 500, 1000, 2000, 4000, 7500, 7500, 7500,
    ]);
    expect(Math.round(backoffDelay(0, high))).toBe(500);
    expect(Math.round(backoffDelay(10, high))).toBe(15_000);
  });
});
