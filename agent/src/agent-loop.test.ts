import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Event, TaskFail } from '@brume/protocol';
import { runAgentTask } from './agent-loop.ts';
import { agentConfig } from './config.ts';
import { sendError, sendJson, startLoopbackServer, type Handler, type LoopbackServer } from './api/testing/loopback-server.ts';
import type { Runner } from './sys/exec.ts';

const dir = mkdtempSync(join(tmpdir(), 'brume-agent-loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const noTools: Runner = async (command) => {
  throw new Error(`no ${command} in this test`);
};

async function run(handler: Handler, disk?: string) {
  const server = await startLoopbackServer(handler);
  servers.push(server);
  const config = agentConfig({
    server: server.url, taskId: '5', token: 'tok', disk, json: true, logDir: mkdtempSync(join(dir, 'logs-')), stagingDir: dir,
    retryDeadlineMs: 0, requestTimeoutMs: 5000, chunkBytes: 1 << 20, level: 3,
  });
  const console: Event[] = [];
  const outcome = await runAgentTask(config, { run: noTools, console: { event: (event) => console.push(event) } });
  return { server, outcome, console };
}

const task = (disk: string | null) => ({ id: 5, kind: 'capture', image: 'win11', disk, state: 'queued' });
const taskAnswer = { id: 5, kind: 'capture', hostId: 1, hostName: 'pc1', image: 'win11', disk: null, state: 'failed', createdAt: new Date().toISOString(), startedAt: null, endedAt: new Date().toISOString(), progress: null, phase: null, error: null, result: null, logFiles: ['agent.log'] };

describe('the agent loop', () => {
  it('a task without a disk fails on the server with the reason and the agent log; exit code 2', async () => {
    const { server, outcome } = await run((request, response) => {
      if (request.url === '/api/v1/agent/tasks/5') return sendJson(response, 200, task(null));
      if (request.url === '/api/v1/tasks/5/fail') return sendJson(response, 200, taskAnswer);
      response.statusCode = 204;
      response.end();
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe('BAD_REQUEST');
    expect(outcome.error.exitCode).toBe(2);
    const fail = server.requests.find((request) => request.url === '/api/v1/tasks/5/fail');
    const body = JSON.parse(fail?.body.toString() ?? '{}') as TaskFail;
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.message).toMatch(/--disk/);
    expect(body.logs?.map((file) => file.name)).toEqual(['agent.log']);
    expect(body.logs?.[0]?.content).toMatch(/"level":"error"/);
  });

  it('a token the server refuses ends the run at once, with nothing posted', async () => {
    const { server, outcome } = await run((_request, response) => sendError(response, 401, 'UNAUTHORIZED', 'unknown token'), '/dev/sdz');
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.code).toBe('UNAUTHORIZED');
    expect(server.requests.map((request) => request.method)).toEqual(['GET']);
  });
});
