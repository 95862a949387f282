import { Host, HostList, Task, TaskCreated, TaskList, TaskLogs, AgentTask } from '@brume/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeImage } from '../../../test/fixtures/fake-image.ts';
import { captureImage, newTask, openHarness, type Harness } from '../../../test/fakes/server-harness.ts';

const ts = '2026-01-01T00:00:00.000Z';
const progress = (bytesDone: number) => ({
  type: 'progress',
  ts,
  phase: 'restore',
  target: 'd1p1',
  bytesDone,
  bytesTotal: 100,
  bytesPerSecond: 10,
  etaSeconds: 1,
});
const phase = (message: string) => ({ type: 'phase', ts, phase: 'restore', message });

describe('hosts', () => {
  let h: Harness;
  beforeEach(async () => (h = await openHarness()));
  afterEach(async () => h.close());

  it('adds, lists, shows and deletes hosts; names and MACs are unique', async () => {
    const made = await h.call('POST', '/hosts', {
      body: { name: 'pc-01', macs: ['52-54-00-AA-BB-01', '52:54:00:aa:bb:02'], diskHint: '/dev/nvme0n1' },
    });
    expect(made.statusCode).toBe(201);
    expect(Host.parse(made.json())).toMatchObject({
      name: 'pc-01',
      macs: ['52:54:00:aa:bb:01', '52:54:00:aa:bb:02'],
      diskHint: '/dev/nvme0n1',
    });
    const sameName = await h.call('POST', '/hosts', { body: { name: 'pc-01', macs: ['52:54:00:aa:bb:03'] } });
    expect([sameName.statusCode, sameName.json().error.code]).toEqual([409, 'HOST_EXISTS']);
    const sameMac = await h.call('POST', '/hosts', { body: { name: 'pc-02', macs: ['52:54:00:AA:BB:02'] } });
    expect([sameMac.statusCode, sameMac.json().error.code]).toEqual([409, 'HOST_EXISTS']);
    expect((await h.call('POST', '/hosts', { body: { name: 'PC 3', macs: ['zz'] } })).statusCode).toBe(400);
    expect(HostList.parse((await h.call('GET', '/hosts')).json()).hosts.map((host) => host.name)).toEqual(['pc-01']);
    expect((await h.call('GET', '/hosts/pc-01')).json().id).toBe(made.json().id);
    expect((await h.call('DELETE', '/hosts/pc-01')).statusCode).toBe(204);
    expect((await h.call('GET', '/hosts/pc-01')).json().error.code).toBe('HOST_NOT_FOUND');
    // Its MACs are free again.
    expect((await h.call('POST', '/hosts', { body: { name: 'pc-02', macs: ['52:54:00:aa:bb:02'] } })).statusCode).toBe(
      201,
    );
  });

  it('keeps a host that has a queued task', async () => {
    const task = await newTask(h, 'capture', 'img', 'pc-09');
    expect((await h.call('DELETE', '/hosts/pc-09')).json().error.code).toBe('TASK_STATE');
    await h.call('POST', `/tasks/${task.id}/cancel`);
    expect((await h.call('DELETE', '/hosts/pc-09')).statusCode).toBe(204);
    expect((await h.call('GET', `/tasks/${task.id}`)).json().hostName).toBe('pc-09');
  });
});

describe('tasks', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness();
    await h.call('POST', '/hosts', { body: { name: 'pc-01', macs: ['52:54:00:00:00:01'], diskHint: '/dev/sdb' } });
  });
  afterEach(async () => h.close());

  it('creates a task with its token and kernel command line, once', async () => {
    const response = await h.call('POST', '/tasks', {
      body: { kind: 'capture', host: 'pc-01', image: 'master' },
      headers: { host: 'brume.lan:8080' },
    });
    expect(response.statusCode).toBe(201);
    const created = TaskCreated.parse(response.json());
    expect(created.task).toMatchObject({
      kind: 'capture',
      hostName: 'pc-01',
      image: 'master',
      disk: '/dev/sdb',
      state: 'queued',
      startedAt: null,
      progress: null,
      logFiles: [],
    });
    expect(created.cmdline).toBe(
      `brume.server=http://brume.lan:8080 brume.task=${created.task.id} brume.token=${created.token}`,
    );
    expect(Buffer.from(created.token, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(JSON.stringify((await h.call('GET', `/tasks/${created.task.id}`)).json())).not.toContain(created.token);
  });

  it('refuses a task for an unknown host, a deploy of a missing image, a second capture of one name', async () => {
    expect(
      (await h.call('POST', '/tasks', { body: { kind: 'deploy', host: 'nobody', image: 'x' } })).json().error.code,
    ).toBe('HOST_NOT_FOUND');
    expect(
      (await h.call('POST', '/tasks', { body: { kind: 'deploy', host: 'pc-01', image: 'x' } })).json().error.code,
    ).toBe('IMAGE_NOT_FOUND');
    expect((await h.call('POST', '/tasks', { body: { kind: 'capture', host: 'pc-01', image: 'x' } })).statusCode).toBe(
      201,
    );
    const second = await h.call('POST', '/tasks', { body: { kind: 'capture', host: 'pc-01', image: 'x' } });
    expect([second.statusCode, second.json().error.code]).toEqual([409, 'IMAGE_EXISTS']);
    expect((await h.call('POST', '/tasks', { body: { kind: 'wipe', host: 'pc-01', image: 'x' } })).statusCode).toBe(
      400,
    );
  });

  it('follows events: the first moves queued → running; the last progress and phase are kept', async () => {
    await captureImage(h, fakeImage('room'));
    const task = await newTask(h, 'deploy', 'room', 'pc-01');
    const agentView = AgentTask.parse((await h.call('GET', `/agent/tasks/${task.id}`, { token: task.token })).json());
    expect(agentView).toEqual({
      id: task.id,
      kind: 'deploy',
      image: 'room',
      disk: '/dev/sdb',
      state: 'queued',
      debug: false,
      params: {},
      hostName: 'pc-01',
    });

    const first = await h.call('POST', `/tasks/${task.id}/events`, {
      token: task.token,
      body: { events: [phase('start'), progress(10), progress(20)] },
    });
    expect(first.statusCode).toBe(200);
    const running = Task.parse((await h.call('GET', `/tasks/${task.id}`)).json());
    expect(running).toMatchObject({ state: 'running', progress: progress(20), phase: phase('start') });
    expect(running.startedAt).not.toBeNull();
    await h.call('POST', `/tasks/${task.id}/events`, { token: task.token, body: { events: [progress(30)] } });
    expect((await h.call('GET', `/tasks/${task.id}`)).json()).toMatchObject({
      progress: progress(30),
      phase: phase('start'),
      startedAt: running.startedAt,
    });
    // An empty batch is the agent's heartbeat: answered like any post, it changes nothing the task shows.
    const beat = await h.call('POST', `/tasks/${task.id}/events`, { token: task.token, body: { events: [] } });
    expect([beat.statusCode, beat.json()]).toEqual([200, { cancel: false }]);
    expect((await h.call('GET', `/tasks/${task.id}`)).json()).toMatchObject({
      progress: progress(30),
      phase: phase('start'),
    });
    expect(
      (
        await h.call('POST', `/tasks/${task.id}/events`, {
          token: task.token,
          body: { events: [{ type: 'nonsense' }] },
        })
      ).statusCode,
    ).toBe(400);

    const done = await h.call('POST', `/tasks/${task.id}/complete`, {
      token: task.token,
      body: {
        logs: [
          { name: 'agent.log', content: 'all good\n' },
          { name: 'd1p1.restore.log', content: 'partclone\n' },
        ],
      },
    });
    expect(Task.parse(done.json())).toMatchObject({ state: 'done', logFiles: ['agent.log', 'd1p1.restore.log'] });
    expect(TaskLogs.parse((await h.call('GET', `/tasks/${task.id}/logs`)).json()).files).toEqual([
      { name: 'agent.log', content: 'all good\n' },
      { name: 'd1p1.restore.log', content: 'partclone\n' },
    ]);
  });

  it('lists tasks by state and host, newest first, and cancels only those that run', async () => {
    await h.call('POST', '/hosts', { body: { name: 'pc-02', macs: ['52:54:00:00:00:02'] } });
    const a = await newTask(h, 'capture', 'one', 'pc-01');
    const b = await newTask(h, 'capture', 'two', 'pc-02');
    expect((await h.call('POST', `/tasks/${a.id}/cancel`)).json().state).toBe('cancelled');
    const cancelledAgain = await h.call('POST', `/tasks/${a.id}/cancel`);
    expect([cancelledAgain.statusCode, cancelledAgain.json().error.code]).toEqual([409, 'TASK_STATE']);
    expect((await h.call('POST', '/tasks/999/cancel')).json().error.code).toBe('TASK_NOT_FOUND');

    const ids = async (query: string) =>
      TaskList.parse((await h.call('GET', `/tasks${query}`)).json()).tasks.map((task) => task.id);
    expect(await ids('')).toEqual([b.id, a.id]);
    expect(await ids('?state=queued')).toEqual([b.id]);
    expect(await ids('?host=pc-01')).toEqual([a.id]);
    expect(await ids('?limit=1')).toEqual([b.id]);
    expect((await h.call('GET', '/tasks?limit=0')).statusCode).toBe(400);
    expect((await h.call('GET', '/tasks?state=bogus')).statusCode).toBe(400);
  });

  it('does not let a capture complete before its image is committed', async () => {
    const task = await newTask(h, 'capture', 'early', 'pc-01');
    const response = await h.call('POST', `/tasks/${task.id}/complete`, { token: task.token, body: {} });
    expect([response.statusCode, response.json().error.code]).toEqual([409, 'TASK_STATE']);
  });
});
