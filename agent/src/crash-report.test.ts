import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crashMessage, reportCrash } from './crash-report.ts';

const root = mkdtempSync(join(tmpdir(), 'brume-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = async (command: string) => ({
  stdout: command === 'dmesg' ? 'Out of memory: Killed process 194 (MainThread)\n' : '{}',
  stderr: '',
  code: 0,
});

/** A server that answers the fail post with `status`, and keeps what it was sent. */
async function fakeServer(status: number): Promise<{ url: string; bodies: unknown[]; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let text = '';
    request.on('data', (piece: Buffer) => (text += piece.toString()));
    request.on('end', () => {
      bodies.push({ url: request.url, auth: request.headers.authorization, body: JSON.parse(text) as unknown });
      response.writeHead(status, { 'content-type': 'application/json' });
      const task = {
        id: 7,
        kind: 'deploy',
        hostId: 1,
        hostName: 'pc-01',
        image: 'img',
        disk: null,
        state: 'failed',
        createdAt: '2026-11-23T00:00:00.000Z',
        startedAt: null,
        endedAt: null,
        progress: null,
        phase: null,
        error: null,
        result: null,
        logFiles: [],
        debug: false,
        params: {},
        batch: null,
      };
      response.end(
        JSON.stringify(status === 200 ? task : { error: { code: 'UNAUTHORIZED', message: 'task 7 has ended (done)' } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the report of an agent that died', () => {
  it("fails the task with AGENT_CRASHED, the newest run's logs and dmesg", async () => {
    const older = join(root, 'logs', '2026-11-23T10-00-00-000Z');
    const newer = join(root, 'logs', '2026-11-23T11-00-00-000Z');
    for (const [dir, text, time] of [
      [older, 'old run', 1000],
      [newer, 'the run that died', 2000],
    ] as const) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'agent.log'), `${text}\n`);
      utimesSync(dir, time, time);
    }
    const server = await fakeServer(200);
    try {
      expect(
        await reportCrash({ server: server.url, taskId: 7, token: 'bt_x' }, 137, { run, logRoot: join(root, 'logs') }),
      ).toBe('reported');
      const [sent] = server.bodies as {
        url: string;
        auth: string;
        body: { error: { code: string; message: string }; logs: { name: string; content: string }[] };
      }[];
      expect(sent?.url).toBe('/api/v1/tasks/7/fail');
      expect(sent?.auth).toBe('Bearer bt_x');
      expect(sent?.body.error.code).toBe('AGENT_CRASHED');
      expect(sent?.body.error.message).toContain('OOM killer');
      expect(sent?.body.logs.find((file) => file.name === 'agent.log')?.content).toBe('the run that died\n');
      expect(sent?.body.logs.find((file) => file.name === 'dmesg.txt')?.content).toContain('Out of memory');
    } finally {
      await server.close();
    }
  });

  it('leaves a task that has ended as it is', async () => {
    const server = await fakeServer(401);
    try {
      expect(
        await reportCrash({ server: server.url, taskId: 7, token: 'bt_x' }, 137, { run, logRoot: join(root, 'none') }),
      ).toBe('already-ended');
    } finally {
      await server.close();
    }
  });

  it('says what the status means', () => {
    expect(crashMessage(139)).toBe('the agent was killed by signal 11 (status 139); see dmesg.txt');
    expect(crashMessage(1)).toBe('the agent stopped without reporting (status 1)');
  });
});
