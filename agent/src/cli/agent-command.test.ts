import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BrumeError } from '@brume/protocol';
import { sendJson, startLoopbackServer, type LoopbackServer } from '../../../test/fakes/loopback-server.ts';
import type { DiskSource } from '../sys/disks.ts';
import type { Runner } from '../sys/exec.ts';
import { powerAfterTask } from '../sys/power.ts';
import { renderErrorScreen } from '../ui/error-screen.ts';
import { agent } from './agent-command.ts';
import { endedTaskAnswer } from '../../../test/fixtures/task-answer.ts';

const dir = mkdtempSync(join(tmpdir(), 'brume-agent-command-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const taskAnswer = endedTaskAnswer('deploy');
const onlyUsb: DiskSource = {
  list: () => [{ name: 'sda', path: '/dev/sda', sizeBytes: 8e9, removable: true, transport: 'usb' }],
  resolve: () => undefined,
};

function recordingRunner(calls: string[]): Runner {
  return async (command, args) => {
    calls.push([command, ...args].join(' '));
    return { stdout: '', stderr: '', code: 0 };
  };
}

describe('brume agent in the ramdisk', () => {
  it('takes its task from the kernel command line; on failure the error screen comes after the logs reached the server, and the PC does not reboot', async () => {
    const order: string[] = [];
    const server = await startLoopbackServer((request, response) => {
      if (request.url === '/api/v1/agent/tasks/5')
        return sendJson(response, 200, {
          id: 5,
          kind: 'deploy',
          image: 'win11',
          disk: null,
          state: 'queued',
          debug: false,
          params: {},
        });
      if (request.url === '/api/v1/tasks/5/fail') {
        order.push('fail posted');
        return sendJson(response, 200, taskAnswer);
      }
      response.statusCode = 204;
      response.end();
    });
    servers.push(server);
    const cmdline = join(dir, 'cmdline');
    writeFileSync(cmdline, `initrd=initrd.zst console=tty0 brume.server=${server.url} brume.task=5 brume.token=tok\n`);
    const calls: string[] = [];
    let screen = '';
    const code = await agent(['--log-dir', join(dir, 'logs'), '--retry-deadline', '1'], {
      cmdlinePath: cmdline,
      disks: onlyUsb,
      run: recordingRunner(calls),
      screen: (text) => {
        order.push('screen');
        screen += text;
      },
    });
    expect(code).toBe(2);
    expect(order).toEqual(['fail posted', 'screen']);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer tok');
    expect(screen).toContain('BRUME: TASK 5 FAILED');
    expect(screen).toContain(' step:     choose the disk\n');
    expect(screen).toContain(' error:    DEVICE_NOT_FOUND (exit 2)\n');
    expect(screen).toMatch(/ message: {2}no disk to image on this PC \(\/dev\/sda: a USB disk\)/);
    expect(screen).toContain(' logs:     sent to the server (brume task logs 5)\n');
    expect(screen).toMatch(/last lines of .*agent\.log:\n {3}\d\d:\d\d:\d\d error choose the disk: no disk to image/);
    expect(screen).toContain('A shell follows');
    expect(calls.some((call) => /reboot|poweroff/.test(call))).toBe(false);
  });
});

describe('after the task', () => {
  it('syncs, then reboots or powers off at once', async () => {
    for (const action of ['reboot', 'poweroff'] as const) {
      const calls: string[] = [];
      await powerAfterTask(recordingRunner(calls), action);
      expect(calls).toEqual(['sync', `${action} -f`]);
    }
  });

  it('shows an error screen that says when the logs could not be sent, with at most the lines it is given', () => {
    const lines = Array.from({ length: 30 }, (_unused, index) =>
      JSON.stringify({
        taskId: 9,
        type: 'log',
        ts: '2026-03-01T10:00:00.000Z',
        level: 'info',
        message: `line ${index}`,
      }),
    );
    const text = renderErrorScreen({
      taskId: 9,
      step: 'deploy: restore d1p2',
      error: new BrumeError('CHUNK_CORRUPT', 'd1p2.pc.zst chunk 3: sha256 mismatch'),
      logPath: '/tmp/agent.log',
      logLines: [...lines, 'not json'],
      logsShipped: false,
      ramdisk: false,
    });
    expect(text).toContain(
      ' step:     deploy: restore d1p2\n error:    CHUNK_CORRUPT (exit 1)\n message:  d1p2.pc.zst chunk 3: sha256 mismatch\n',
    );
    expect(text).toContain('NOT sent to the server');
    expect(text).toContain('   10:00:00 info  line 29\n   not json\n');
    expect(text).not.toContain('A shell follows');
  });
});
