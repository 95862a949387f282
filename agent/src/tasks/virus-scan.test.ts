import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../api/client.ts';
import { sendError, sendJson, startLoopbackServer } from '../../../test/fakes/loopback-server.ts';
import { watchCancel } from './virus-scan.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('watchCancel', () => {
  it('aborts once the server refuses the task\'s token (cancelled), not while it answers or is away', async () => {
    // Answers: running, a server fault (not a cancellation), running, then 401 as for a cancelled task.
    const server = await startLoopbackServer((_request, response, index) => {
      if (index === 1) return sendError(response, 500, 'INTERNAL', 'busy');
      if (index < 3) return sendJson(response, 200, { id: 7, kind: 'virus-scan', image: null, disk: null, state: 'running', debug: false, params: {} });
      return sendError(response, 401, 'UNAUTHORIZED', 'task 7 has ended (cancelled): its token is no longer valid');
    });
    const client = createApiClient({ server: server.url, token: 'bt_test' });
    cleanups.push(async () => {
      await client.close();
      await server.close();
    });
    const watch = watchCancel(client, 7, 5);
    await once(watch.signal, 'abort');
    watch.stop();
    expect(server.requests.length).toBe(4);
    expect(server.requests.every((request) => request.method === 'GET' && request.url === '/api/v1/agent/tasks/7')).toBe(true);
  });
});
