import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Event, TaskFail } from '@brume/protocol';
import { runAgentTask } from './agent-loop.ts';
import { agentConfig } from './config.ts';
import {
  sendError,
  sendJson,
  startLoopbackServer,
  type Handler,
  type LoopbackServer,
} from '../../test/fakes/loopback-server.ts';
import type { DiskCandidate } from './disk/target-choice.ts';
import type { DiskSource } from './sys/disks.ts';
import type { Runner } from './sys/exec.ts';
import { endedTaskAnswer } from '../../test/fixtures/task-answer.ts';

const dir = mkdtempSync(join(tmpdir(), 'brume-agent-loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const noTools: Runner = async (command) => {
  throw new Error(`no ${command} in this test`);
};

/** A PC's disks as /sys/block would list them; a path resolves when it names one of them. */
const fakeDisks = (disks: DiskCandidate[]): DiskSource => ({
  list: () => disks,
  resolve: (path) => disks.find((disk) => disk.path === path)?.name,
});
const usbOnly = fakeDisks([
  { name: 'sda', path: '/dev/sda', sizeBytes: 16e9, removable: true, transport: 'usb' },
  { name: 'loop0', path: '/dev/loop0', sizeBytes: 0, removable: false, transport: 'loop' },
]);

async function run(handler: Handler, disk?: string, disks: DiskSource = usbOnly) {
  const server = await startLoopbackServer(handler);
  servers.push(server);
  const config = agentConfig({
    server: server.url,
    taskId: '5',
    token: 'tok',
    disk,
    json: true,
    logDir: mkdtempSync(join(dir, 'logs-')),
    stagingDir: dir,
    retryDeadlineMs: 0,
    requestTimeoutMs: 5000,
    chunkBytes: 1 << 20,
    level: 3,
  });
  const console: Event[] = [];
  const outcome = await runAgentTask(config, {
    run: noTools,
    console: { event: (event) => console.push(event) },
    disks,
  });
  return { server, outcome, console };
}

const task = (disk: string | null) => ({
  id: 5,
  kind: 'capture',
  image: 'win11',
  disk,
  state: 'queued',
  debug: false,
  params: {},
});
const taskAnswer = endedTaskAnswer('capture');

describe('the agent loop', () => {
  it('a PC with no disk the rule accepts fails on the server with the reason, the disks seen and the agent log; exit code 2', async () => {
    const { server, outcome } = await run((request, response) => {
      if (request.url === '/api/v1/agent/tasks/5') return sendJson(response, 200, task(null));
      if (request.url === '/api/v1/tasks/5/fail') return sendJson(response, 200, taskAnswer);
      response.statusCode = 204;
      response.end();
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe('DEVICE_NOT_FOUND');
    expect(outcome.error.exitCode).toBe(2);
    expect(outcome.step).toBe('choose the disk');
    expect(outcome.logsShipped).toBe(true);
    const fail = server.requests.find((request) => request.url === '/api/v1/tasks/5/fail');
    const body = JSON.parse(fail?.body.toString() ?? '{}') as TaskFail;
    expect(body.error.code).toBe('DEVICE_NOT_FOUND');
    expect(body.error.message).toMatch(/\(\/dev\/loop0: a loop device; \/dev\/sda: a USB disk\); name one with --disk/);
    expect(body.logs?.map((file) => file.name)).toEqual(['agent.log', 'dmesg.txt', 'lsblk.json']);
    expect(body.logs?.[0]?.content).toMatch(/"level":"error","message":"choose the disk: no disk to image/);
  });

  it("refuses the task's USB disk, takes the PC's NVMe disk by the rule, and says so on the console and to the server", async () => {
    const disks = fakeDisks([
      { name: 'sda', path: '/dev/sda', sizeBytes: 16e9, removable: true, transport: 'usb' },
      {
        name: 'nvme0n1',
        path: '/dev/nvme0n1',
        sizeBytes: 512e9,
        removable: false,
        transport: 'nvme',
        model: 'PC SN740',
      },
    ]);
    const { server, outcome, console } = await run(
      (request, response) => {
        if (request.url === '/api/v1/agent/tasks/5') return sendJson(response, 200, task('/dev/sda'));
        if (request.url === '/api/v1/tasks/5/fail') return sendJson(response, 200, taskAnswer);
        response.statusCode = 204;
        response.end();
      },
      undefined,
      disks,
    );
    const choice = console.find((event) => event.type === 'log' && event.message.startsWith('disk '));
    expect(choice).toMatchObject({
      level: 'info',
      message: expect.stringMatching(
        /^disk \/dev\/nvme0n1: the first non-removable NVMe disk: \/dev\/nvme0n1 \(nvme, 512\.0 GB, PC SN740\)$/,
      ),
    });
    expect(choice).toMatchObject({
      detail: {
        refused: [
          { disk: '/dev/sda', reason: expect.stringMatching(/a USB disk: only --disk/) },
          { disk: '/dev/sda', reason: 'a USB disk' },
        ],
      },
    });
    const posted = server.requests
      .filter((request) => request.url === '/api/v1/tasks/5/events')
      .map((request) => request.body.toString())
      .join('');
    expect(posted).toContain('disk /dev/nvme0n1: the first non-removable NVMe disk');
    // The capture itself then fails here (no tools in this test), in its own step, after the disk was chosen.
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.step).toMatch(/^capture/);
  });

  it('a token the server refuses ends the run at once, with nothing posted', async () => {
    const { server, outcome } = await run(
      (_request, response) => sendError(response, 401, 'UNAUTHORIZED', 'unknown token'),
      '/dev/sdz',
    );
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.code).toBe('UNAUTHORIZED');
    expect(server.requests.map((request) => request.method)).toEqual(['GET']);
  });

  it('stops on the cancel in the answer to its heartbeat: the tool in flight is stopped, and the server hears `cancelled` with the logs', async () => {
    const server = await startLoopbackServer((request, response) => {
      if (request.url === '/api/v1/agent/tasks/5')
        return sendJson(response, 200, { ...task(null), kind: 'inventory', image: null });
      if (request.url === '/api/v1/tasks/5/events') return sendJson(response, 200, { cancel: true });
      if (request.url === '/api/v1/tasks/5/cancelled')
        return sendJson(response, 200, { ...taskAnswer, kind: 'inventory', image: null, state: 'cancelled' });
      return sendError(response, 404, 'NOT_FOUND', request.url ?? '');
    });
    servers.push(server);
    const config = agentConfig({
      server: server.url,
      taskId: '5',
      token: 'tok',
      json: true,
      logDir: mkdtempSync(join(dir, 'logs-')),
      stagingDir: dir,
      retryDeadlineMs: 0,
      requestTimeoutMs: 5000,
      chunkBytes: 1 << 20,
      level: 3,
    });
    // Every tool hangs until the task's signal stops it, as a long one would; those run after the end (logs) do not.
    const stopped: string[] = [];
    const hanging: Runner = (command, _args, options) =>
      new Promise((resolve, reject) => {
        if (options?.signal === undefined) return resolve({ stdout: '', stderr: '', code: 0 });
        options.signal.addEventListener(
          'abort',
          () => {
            stopped.push(command);
            reject(options.signal?.reason as Error);
          },
          { once: true },
        );
      });
    const outcome = await runAgentTask(config, { run: hanging, console: { event: () => undefined } });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome).toMatchObject({
      logsShipped: true,
      error: { code: 'TASK_CANCELLED' },
      cancelled: { cancelledBy: 'server', stoppedAt: 'inventory: inspect' },
    });
    expect(stopped.length).toBeGreaterThan(0);
    const confirmed = server.requests.find((request) => request.url === '/api/v1/tasks/5/cancelled');
    const body = JSON.parse(confirmed?.body.toString() ?? '{}') as {
      stopped: Record<string, unknown>;
      logs: { name: string; content: string }[];
    };
    expect(body.stopped).toMatchObject({ cancelledBy: 'server', targets: [] });
    expect(body.logs.find((file) => file.name === 'agent.log')?.content).toContain(
      'was cancelled by the server: stopping',
    );
    expect(
      server.requests.some(
        (request) => request.url === '/api/v1/tasks/5/fail' || request.url === '/api/v1/tasks/5/complete',
      ),
    ).toBe(false);
  });
});
