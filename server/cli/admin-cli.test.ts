import { execFile } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_PREFIX,
  HostList,
  ImageDetail,
  ImageList,
  Task,
  TaskCreated,
  TaskList,
  TaskLogs,
  type Event,
} from '@brume/protocol';
import { CONFIG_DEFAULTS } from '../src/config.ts';
import { startServer, type RunningServer } from '../src/main.ts';
import { fakeImage, type FakeImage } from '../../test/fixtures/fake-image.ts';
import { sampleDeployResult } from '../../test/fixtures/sample-results.ts';
import { runAdminCli } from './main.ts';
import type { Terminal } from './output.ts';

/**
 * The admin CLI against the real server, listening on 127.0.0.1 with its own DATA: every command as a technician types
 * it, the agent's side played by plain HTTP calls with the task's token.
 */

interface Outcome {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

let server: RunningServer;
let dataDir: string;

function terminal(): Terminal & { printed: Outcome } {
  const printed: Outcome = { code: undefined, stdout: '', stderr: '' };
  return {
    printed,
    out: (text) => void (printed.stdout += text),
    err: (text) => void (printed.stderr += text),
    tty: undefined,
  };
}

/** `brume …` in this process, with the server and token from the environment as a technician sets them. */
async function brume(
  argv: string[],
  env: Record<string, string> = { BRUME_SERVER: server.url, BRUME_TOKEN: server.adminToken },
  term = terminal(),
): Promise<Outcome> {
  term.printed.code = await runAdminCli(argv, { term, env, pollMs: 40 });
  return term.printed;
}

/** What the agent does with its task token. */
async function agentPost(path: string, token: string, body: unknown): Promise<number> {
  const response = await request(`${server.url}${API_PREFIX}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.body.text();
  return response.statusCode;
}

const now = (): string => new Date().toISOString();
const progress = (target: string, bytesDone: number): Event => ({
  type: 'progress',
  ts: now(),
  phase: 'restore',
  target,
  bytesDone,
  bytesTotal: 4 * 1024 ** 3,
  bytesPerSecond: 100 * 1024 ** 2,
  etaSeconds: 30,
});

async function waitFor(what: string, condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

async function createTask(kind: 'capture' | 'deploy', image: string): Promise<TaskCreated> {
  const result = await brume(['task', kind, '--host', 'pc-01', '--image', image, '--json']);
  expect(result.code).toBe(0);
  return TaskCreated.parse(JSON.parse(result.stdout));
}

/** A capture as the agent runs it: every chunk uploaded, the commit, then complete with its logs. */
async function captureByAgent(image: FakeImage): Promise<number> {
  const { task, token } = await createTask('capture', image.manifest.name);
  for (const chunk of image.chunks) {
    const response = await request(`${server.url}${API_PREFIX}/uploads/${task.id}/${chunk.file}?chunk=${chunk.index}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/octet-stream',
        'x-brume-sha256': chunk.sha256,
        'x-brume-offset': String(chunk.offset),
      },
      body: chunk.data,
    });
    await response.body.text();
    expect(response.statusCode).toBe(201);
  }
  expect(await agentPost(`/uploads/${task.id}/commit`, token, { manifest: image.manifest })).toBe(200);
  const logs = [
    { name: 'agent.log', content: 'captured 2 partitions\n' },
    { name: 'sfdisk.txt', content: 'label: gpt' },
  ];
  expect(
    await agentPost(`/tasks/${task.id}/complete`, token, {
      result: { image: image.manifest.name, disk: '/dev/sda', partitions: 2, rawBytes: 0, storedBytes: 0, seconds: 1 },
      logs,
    }),
  ).toBe(200);
  return task.id;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'brume-cli-e2e-'));
  server = await startServer(
    {
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      publicUrl: null,
      bootDir: join(dataDir, 'boot'),
      ...CONFIG_DEFAULTS,
    },
    { announce: () => undefined },
  );
});

afterAll(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('brume group', () => {
  it('adds hosts to a group (created on first use), shows it, removes one, and deletes it', async () => {
    for (const [name, mac] of [
      ['room-01', '52:54:00:aa:cc:01'],
      ['room-02', '52:54:00:aa:cc:02'],
    ] as const) {
      expect(
        (await brume(['host', 'add', name, '--mac', mac, ...(name === 'room-02' ? ['--group', 'lab-4'] : [])])).code,
      ).toBe(0);
    }
    const added = await brume(['group', 'add', 'lab-4', '--hosts', 'room-01,room-02']);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toContain('group lab-4: 2 host(s)');
    expect((await brume(['group', 'show', 'lab-4'])).stdout).toMatch(/hosts: +room-01, room-02\n/);
    expect((await brume(['host', 'show', 'room-01'])).stdout).toMatch(/groups: +lab-4/);
    expect((await brume(['group', 'add', 'lab-4', '--hosts', 'room-09'])).stderr).toContain(
      'no host named room-09 (HOST_NOT_FOUND)',
    );
    expect((await brume(['group', 'remove', 'lab-4', '--hosts', 'room-02'])).stdout).toMatch(/hosts: +room-01\n/);
    expect((await brume(['group', 'list'])).stdout).toMatch(/^NAME\s+HOSTS\s+MEMBERS\nlab-4\s+1\s+room-01\n/);
    const batch = await brume(['task', 'inventory', '--group', 'lab-4']);
    expect(batch.stdout).toMatch(
      /^created batch \d+: 1 inventory task\(s\), each PC runs its own at its next network boot\nHOST\s+TASK\s+TOKEN\nroom-01\s+\d+\s+\S+\n/,
    );
    expect((await brume(['task', 'inventory', '--group', 'lab-4', '--host', 'room-01'])).stderr).toContain(
      '--host or --group: one of the two',
    );
    const listed = JSON.parse(
      (await brume(['task', 'list', '--batch', /batch (\d+)/.exec(batch.stdout)?.[1] ?? '0', '--json'])).stdout,
    ) as { tasks: { id: number; hostName: string }[] };
    expect(listed.tasks.map((task) => task.hostName)).toEqual(['room-01']);
    for (const task of listed.tasks) expect((await brume(['task', 'cancel', String(task.id)])).code).toBe(0);
    expect(await brume(['group', 'delete', 'lab-4'])).toMatchObject({
      code: 0,
      stdout: 'deleted group lab-4 (its hosts stay)\n',
    });
    expect(await brume(['group', 'show', 'lab-4'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('(GROUP_NOT_FOUND)'),
    });
    for (const name of ['room-01', 'room-02']) expect((await brume(['host', 'delete', name])).code).toBe(0);
  });
});

describe('brume host', () => {
  it('adds a host and finds it in the list, the table and the JSON', async () => {
    const added = await brume([
      'host',
      'add',
      'pc-01',
      '--mac',
      '52:54:00:AA:BB:01',
      '--mac',
      '52-54-00-aa-bb-02',
      '--disk',
      '/dev/nvme0n1',
    ]);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toContain('added host pc-01');

    const table = await brume(['host', 'list']);
    expect(table.stdout).toMatch(
      /^NAME\s+MACS\s+DISK\s+IMAGE\s+GROUPS\s+CREATED\npc-01\s+52:54:00:aa:bb:01,52:54:00:aa:bb:02\s+\/dev\/nvme0n1\s+-\s+-\s+\d{4}-/,
    );
    const json = await brume(['host', 'list', '--json']);
    const { hosts } = HostList.parse(JSON.parse(json.stdout));
    expect(hosts.map((host) => [host.name, host.macs, host.diskHint])).toEqual([
      ['pc-01', ['52:54:00:aa:bb:01', '52:54:00:aa:bb:02'], '/dev/nvme0n1'],
    ]);

    const shown = await brume(['host', 'show', 'pc-01']);
    expect(shown.stdout).toContain('macs:    52:54:00:aa:bb:01\n         52:54:00:aa:bb:02');
  });

  it('refuses a second host of the same name, and deletes one', async () => {
    expect(await brume(['host', 'add', 'pc-01', '--mac', '52:54:00:aa:bb:09'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('(HOST_EXISTS)'),
    });
    expect((await brume(['host', 'add', 'pc-02', '--mac', '52:54:00:aa:bb:03'])).code).toBe(0);
    expect(await brume(['host', 'delete', 'pc-02'])).toMatchObject({ code: 0, stdout: 'deleted host pc-02\n' });
    expect(await brume(['host', 'show', 'pc-02'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^brume host show: .*\(HOST_NOT_FOUND\)\n$/),
    });
  });
});

describe('brume task', () => {
  it('creates a capture and prints its id, token and kernel command line', async () => {
    const result = await brume(['task', 'capture', '--host', 'pc-01', '--image', 'win11']);
    expect(result.code).toBe(0);
    const id = /created task (\d+): capture pc-01 \(\/dev\/nvme0n1\) into image win11, queued/.exec(result.stdout)?.[1];
    const token = /token: +(\S+)/.exec(result.stdout)?.[1];
    expect(id).toBeDefined();
    expect(token).toBeDefined();
    expect(result.stdout).toContain(`cmdline: brume.server=${server.url} brume.task=${id} brume.token=${token}`);

    const listed = await brume(['task', 'list', '--state', 'queued']);
    expect(listed.stdout).toMatch(new RegExp(`\\n\\s*${id}\\s+capture\\s+pc-01\\s+win11\\s+queued\\s`));
    const json = TaskList.parse(JSON.parse((await brume(['task', 'list', '--host', 'pc-01', '--json'])).stdout));
    expect(json.tasks.map((task) => task.id)).toContain(Number(id));
    expect((await brume(['task', 'show', String(id)])).stdout).toContain('state:    queued');
  });

  it('cancels a task; watching it then ends at once with exit 1', async () => {
    const { task } = await createTask('capture', 'win12');
    const cancelled = await brume(['task', 'cancel', String(task.id)]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `cancelled task ${task.id} (capture pc-01, image win12)\n` });
    expect(await brume(['task', 'cancel', String(task.id)])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('(TASK_STATE)'),
    });
    expect(Task.parse(JSON.parse((await brume(['task', 'show', String(task.id), '--json'])).stdout)).state).toBe(
      'cancelled',
    );

    const watched = await brume(['task', 'watch', String(task.id)]);
    expect(watched.code).toBe(1);
    expect(watched.stderr).toBe(`brume task watch: task ${task.id} cancelled\n`);
  });

  it('cancels a running task: waits for its agent to confirm, then prints the same line (--json: the ended task)', async () => {
    const { task, token } = await createTask('capture', 'win13');
    expect(await agentPost(`/tasks/${task.id}/events`, token, { events: [progress('d1p2', 1024 ** 3)] })).toBe(200);
    const cancelling = brume(['task', 'cancel', String(task.id), '--json']);
    // The agent's side: its next post hears the cancel, then it confirms with what it had written.
    let answer: unknown;
    for (let tries = 0; tries < 100 && (answer as { cancel?: boolean } | undefined)?.cancel !== true; tries++) {
      const response = await request(`${server.url}${API_PREFIX}/tasks/${task.id}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: [] }),
      });
      answer = await response.body.json();
      await new Promise((done) => setTimeout(done, 20));
    }
    expect(answer).toEqual({ cancel: true });
    const state = {
      cancelledBy: 'server',
      stoppedAt: 'capture: d1p2',
      message: 'stopped',
      published: false,
      uploaded: ['d1p1.pc.zst'],
      partial: 'd1p2',
      notStarted: [],
    };
    expect(await agentPost(`/tasks/${task.id}/cancelled`, token, { stopped: state })).toBe(200);
    const printed = await cancelling;
    expect(printed.code, printed.stderr).toBe(0);
    expect(Task.parse(JSON.parse(printed.stdout))).toMatchObject({ state: 'cancelled', result: null, stopped: state });
  });

  it('captures an image as an agent would; its logs come back whole or one file at a time', async () => {
    const id = await captureByAgent(fakeImage('base'));
    expect(await brume(['task', 'watch', String(id)])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`task ${id} done in \\d+s\\n$`)),
    });
    const all = await brume(['task', 'logs', String(id)]);
    expect(all.stdout).toBe('==> agent.log <==\ncaptured 2 partitions\n\n==> sfdisk.txt <==\nlabel: gpt\n');
    expect((await brume(['task', 'logs', String(id), '--file', 'sfdisk.txt'])).stdout).toBe('label: gpt');
    expect(TaskLogs.parse(JSON.parse((await brume(['task', 'logs', String(id), '--json'])).stdout)).files).toHaveLength(
      2,
    );
    expect(await brume(['task', 'logs', String(id), '--file', 'nope.log'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('it has agent.log, sfdisk.txt (NOT_FOUND)'),
    });
  });

  it('watches a deploy live: partition, bytes and phase, then exit 0 when the agent completes', async () => {
    const { task, token } = await createTask('deploy', 'base');
    const term = terminal();
    const watching = brume(['task', 'watch', String(task.id)], undefined, term);
    await waitFor('the queued line', () => term.printed.stdout.includes('queued'));

    const phase: Event = {
      type: 'phase',
      ts: now(),
      phase: 'restore',
      target: 'd1p2',
      message: 'restoring d1p2 (ext4)',
    };
    expect(await agentPost(`/tasks/${task.id}/events`, token, { events: [phase, progress('d1p2', 1024 ** 3)] })).toBe(
      200,
    );
    await waitFor('the first progress', () => term.printed.stdout.includes('1.0 GiB / 4.0 GiB'));
    expect(await agentPost(`/tasks/${task.id}/events`, token, { events: [progress('d1p2', 3 * 1024 ** 3)] })).toBe(200);
    await waitFor('the second progress', () => term.printed.stdout.includes('3.0 GiB / 4.0 GiB'));
    expect(await agentPost(`/tasks/${task.id}/complete`, token, { result: sampleDeployResult() })).toBe(200);

    const result = await watching;
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`task ${task.id} queued | waiting for the agent`);
    expect(lines).toContain(
      `task ${task.id} running | restore: restoring d1p2 (ext4) | d1p2 1.0 GiB / 4.0 GiB (25%) at 100.0 MiB/s, ETA 30s`,
    );
    expect(lines).toContain(
      `task ${task.id} running | restore: restoring d1p2 (ext4) | d1p2 3.0 GiB / 4.0 GiB (75%) at 100.0 MiB/s, ETA 30s`,
    );
    expect(lines.at(-1)).toMatch(new RegExp(`^task ${task.id} done in \\d+s$`));
  });

  it('watches with --json as NDJSON task snapshots, and a failure exits 1 with its code and message', async () => {
    const { task, token } = await createTask('deploy', 'base');
    const term = terminal();
    const watching = brume(['task', 'watch', String(task.id), '--json'], undefined, term);
    expect(await agentPost(`/tasks/${task.id}/events`, token, { events: [progress('d1p1', 512)] })).toBe(200);
    await waitFor('a running snapshot', () => term.printed.stdout.includes('"running"'));
    const error = { code: 'TOOL_FAILED', message: 'partclone.ext4 exited with 1' };
    expect(await agentPost(`/tasks/${task.id}/fail`, token, { error })).toBe(200);

    const result = await watching;
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `brume task watch: task ${task.id} failed: partclone.ext4 exited with 1 (TOOL_FAILED)\n`,
    );
    const snapshots = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => Task.parse(JSON.parse(line)));
    expect(snapshots.map((snapshot) => snapshot.state)).toEqual(['queued', 'running', 'failed']);
    expect(snapshots.at(-1)?.error).toEqual(error);
  });
});

describe('brume image', () => {
  it('lists and shows the image a capture published', async () => {
    const table = await brume(['image', 'list']);
    expect(table.stdout).toMatch(/^NAME\s+PARTS\s+RAW\s+STORED\s+SOURCE\s+TASK\s+CREATED\nbase\s+3\s/);
    expect(
      ImageList.parse(JSON.parse((await brume(['image', 'list', '--json'])).stdout)).images.map((image) => image.name),
    ).toEqual(['base']);
    const shown = await brume(['image', 'show', 'base']);
    expect(shown.stdout).toContain('disks:       d1: 16.0 MiB, gpt, 512-byte sectors');
    expect(shown.stdout).toMatch(/\nd1p1\s+ext4\s+1\.0 MiB\s+12\.0 KiB\s+3\.1 KiB\s+3\s+d1p1\.pc\.zst\n/);
    expect(
      ImageDetail.parse(JSON.parse((await brume(['image', 'show', 'base', '--json'])).stdout)).manifest.partitions,
    ).toHaveLength(3);
  });

  it('verifies every chunk: ok exits 0; a flipped byte exits 1 naming the file and chunk', async () => {
    expect(await brume(['image', 'verify', 'base'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('image base verified: 6 chunks'),
    });
    const file = await open(join(dataDir, 'images', 'base', 'd1p1.pc.zst'), 'r+');
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, 1200);
    await file.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, 1200);
    await file.close();
    const damaged = await brume(['image', 'verify', 'base']);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toMatch(/^image base is damaged: 1 problem .*\n {2}d1p1\.pc\.zst chunk 1: /);
  });

  it('deletes an image; it is gone from the server', async () => {
    expect(await brume(['image', 'delete', 'base'])).toMatchObject({ code: 0, stdout: 'deleted image base\n' });
    expect(await brume(['image', 'show', 'base'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('(IMAGE_NOT_FOUND)'),
    });
  });
});

describe('failures the user must understand', () => {
  it('a wrong token is UNAUTHORIZED, exit 2', async () => {
    const result = await brume(['host', 'list'], { BRUME_SERVER: server.url, BRUME_TOKEN: 'not-the-token' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^brume host list: .* \(UNAUTHORIZED\)\n$/);
  });

  it('an unknown host is HOST_NOT_FOUND, exit 2', async () => {
    const result = await brume(['task', 'capture', '--host', 'nobody', '--image', 'win11']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^brume task capture: .*nobody.* \(HOST_NOT_FOUND\)\n$/);
  });

  it('a server that does not answer is SERVER_UNREACHABLE, named by its URL, exit 1', async () => {
    // A port that was just free: nothing listens on it any more.
    const probe = createServer();
    await new Promise<void>((listening) => probe.listen(0, '127.0.0.1', listening));
    const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise((closed) => probe.close(closed));
    const result = await brume(['image', 'list'], { BRUME_SERVER: url, BRUME_TOKEN: 't' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`brume image list: cannot reach the Brume server at ${url} (connect ECONNREFUSED`);
    expect(result.stderr).toMatch(/\(SERVER_UNREACHABLE\)\n$/);
  });

  it('bin/brume runs the same commands, with the server and token from the environment', async () => {
    const bin = resolve(import.meta.dirname, '../../bin/brume');
    const env = { ...process.env, BRUME_SERVER: server.url, BRUME_TOKEN: server.adminToken };
    const { stdout } = await promisify(execFile)(bin, ['host', 'list', '--json'], { env });
    expect(HostList.parse(JSON.parse(stdout)).hosts.map((host) => host.name)).toEqual(['pc-01']);
    const failed = await promisify(execFile)(bin, ['task', 'show', '99999'], { env }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining('(TASK_NOT_FOUND)') });
    // Each bin/brume is a Node start-up: seconds on a loaded 2-core machine, beyond vitest's 5 s default.
  }, 30_000);

  it('brume tech: an account from a password on stdin, a PIN, and a technician login that works with both', async () => {
    const bin = resolve(import.meta.dirname, '../../bin/brume');
    const env = { ...process.env, BRUME_SERVER: server.url, BRUME_TOKEN: server.adminToken };
    const added = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = execFile(bin, ['tech', 'add', 'paul', '--password-stdin'], { env }, (error, stdout) =>
        done({ code: error === null ? 0 : (error.code as number), stdout }),
      );
      child.stdin?.end('s3cret-pass\n');
    });
    expect(added).toEqual({
      code: 0,
      stdout: "added technician paul: they log in at a PC's Brume menu with this name and password\n",
    });
    expect((await brume(['tech', 'list'])).stdout).toMatch(/^NAME\s+CREATED\npaul\s+\d{4}-/);
    expect(await brume(['tech', 'add', 'paul'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--password-stdin is required'),
    });
    const pin = await brume(['tech', 'pin', '--minutes', '15', '--uses', '3']);
    const digits = /^PIN (\d{6}): valid until .+, for 3 logins/.exec(pin.stdout)?.[1];
    expect(digits, pin.stdout).toBeDefined();
    for (const body of [{ pin: digits }, { name: 'paul', password: 's3cret-pass' }]) {
      const login = await request(`${server.url}${API_PREFIX}/agent/tech-login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(login.statusCode, JSON.stringify(body)).toBe(200);
      await login.body.dump();
    }
    expect(await brume(['tech', 'pin', '--uses', 'many'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--uses: a whole number is required'),
    });
    expect(await brume(['tech', 'delete', 'paul'])).toMatchObject({ code: 0, stdout: 'deleted technician paul\n' });
    expect(await brume(['tech', 'delete', 'paul'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('(TECH_NOT_FOUND)'),
    });
  }, 30_000);
});
