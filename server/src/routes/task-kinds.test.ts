import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { TaskKindCatalog, type TaskCreated } from '@brume/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from '../../../test/fakes/server-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
  expect((await h.call('POST', '/hosts', { body: { name: 'pc-01', macs: ['52:54:00:00:16:01'] } })).statusCode).toBe(
    201,
  );
  expect((await h.call('POST', '/groups', { body: { name: 'lab', hosts: ['pc-01'] } })).statusCode).toBeLessThan(300);
});
afterAll(async () => h.close());

const errorOf = (response: { statusCode: number; json: () => unknown }): [number, string, string] => {
  const { error } = response.json() as { error: { code: string; message: string } };
  return [response.statusCode, error.code, error.message];
};

describe('GET /task-kinds', () => {
  it('gives every declared kind to the admin, with its flags and its params as JSON Schema', async () => {
    const answer = await h.call('GET', '/task-kinds');
    expect(answer.statusCode).toBe(200);
    const { kinds } = TaskKindCatalog.parse(answer.json());
    expect(kinds.map((kind) => kind.kind)).toEqual([
      'capture',
      'deploy',
      'inventory',
      'wipe',
      'surface-test',
      'virus-scan',
      'recover',
    ]);
    const wipe = kinds.find((kind) => kind.kind === 'wipe');
    expect(wipe).toMatchObject({
      destructive: true,
      needsImage: false,
      groupable: true,
      menu: { label: 'Wipe the disk' },
      flags: [{ name: 'mode', param: 'mode' }],
    });
    expect(wipe?.params).toMatchObject({
      type: 'object',
      properties: { mode: { enum: ['fast', 'normal', 'full', 'secure'] } },
      required: ['mode'],
    });
    expect(kinds.find((kind) => kind.kind === 'capture')).toMatchObject({
      needsImage: 'makes',
      groupable: { refused: expect.stringContaining('one PC') },
    });
  });

  it('is refused without the admin token', async () => {
    expect((await h.call('GET', '/task-kinds', { token: null })).statusCode).toBe(401);
  });
});

describe('a kind this server does not know is bad input, never a crash', () => {
  it('in a task, a batch, a schedule and a listing filter', async () => {
    for (const [path, body] of [
      ['/tasks', { kind: 'reboot', host: 'pc-01' }],
      ['/tasks/batch', { kind: 'reboot', group: 'lab' }],
      ['/schedules', { task: { kind: 'reboot', group: 'lab' }, cron: '0 2 * * *', timezone: 'UTC' }],
    ] as const) {
      const [status, code] = errorOf(await h.call('POST', path, { body }));
      expect([path, status, code]).toEqual([path, 400, 'BAD_REQUEST']);
    }
    expect(errorOf(await h.call('GET', '/tasks?kind=reboot')).slice(0, 2)).toEqual([400, 'BAD_REQUEST']);
  });

  it('in a stored row (the database no longer checks kinds): showing, listing or using its token says which kind', async () => {
    const created = (
      await h.call('POST', '/tasks', { body: { kind: 'inventory', host: 'pc-01' } })
    ).json<TaskCreated>();
    const raw = new DatabaseSync(join(h.dataDir, 'brume.db'));
    try {
      raw.prepare('UPDATE tasks SET kind = ? WHERE id = ?').run('reboot', created.task.id);
    } finally {
      raw.close();
    }
    const [status, code, message] = errorOf(await h.call('GET', `/tasks/${created.task.id}`));
    expect([status, code]).toEqual([400, 'BAD_REQUEST']);
    expect(message).toContain('"reboot"');
    expect(errorOf(await h.call('GET', '/tasks')).slice(0, 2)).toEqual([400, 'BAD_REQUEST']);
    expect(
      errorOf(await h.call('GET', `/agent/tasks/${created.task.id}`, { token: created.token })).slice(0, 2),
    ).toEqual([400, 'BAD_REQUEST']);
    const restore = new DatabaseSync(join(h.dataDir, 'brume.db'));
    try {
      restore.prepare('DELETE FROM tasks WHERE id = ?').run(created.task.id);
    } finally {
      restore.close();
    }
  });
});

describe('a stored schedule of a kind this server does not know', () => {
  it('is bad input when shown or listed, never a crash', async () => {
    const added = await h.call('POST', '/schedules', {
      body: { task: { kind: 'inventory', group: 'lab' }, cron: '0 2 * * *', timezone: 'UTC' },
    });
    expect(added.statusCode).toBe(201);
    const { id } = added.json<{ id: number }>();
    const raw = new DatabaseSync(join(h.dataDir, 'brume.db'));
    try {
      raw.prepare(`UPDATE schedules SET task = json_set(task, '$.kind', 'reboot') WHERE id = ?`).run(id);
    } finally {
      raw.close();
    }
    const [status, code, message] = errorOf(await h.call('GET', `/schedules/${id}`));
    expect([status, code]).toEqual([400, 'BAD_REQUEST']);
    expect(message).toContain('"reboot" is not a task kind');
    expect(errorOf(await h.call('GET', '/schedules')).slice(0, 2)).toEqual([400, 'BAD_REQUEST']);
    expect((await h.call('DELETE', `/schedules/${id}`)).statusCode).toBeLessThan(300);
  });
});

describe('a stored result its kind does not describe (a row from before results were checked)', () => {
  it('is shown as none, and the task is still listed', async () => {
    const created = (
      await h.call('POST', '/tasks', { body: { kind: 'inventory', host: 'pc-01' } })
    ).json<TaskCreated>();
    const raw = new DatabaseSync(join(h.dataDir, 'brume.db'));
    try {
      raw
        .prepare(
          `UPDATE tasks SET state = 'done', started_at = created_at, ended_at = created_at, result = ? WHERE id = ?`,
        )
        .run(JSON.stringify({ memory: 'lots' }), created.task.id);
    } finally {
      raw.close();
    }
    const shown = await h.call('GET', `/tasks/${created.task.id}`);
    expect([shown.statusCode, shown.json()]).toEqual([
      200,
      expect.objectContaining({ state: 'done', result: null, bytes: null }),
    ]);
    expect((await h.call('GET', '/tasks?kind=inventory')).statusCode).toBe(200);
  });
});

describe("a completion result is checked with its kind's result schema", () => {
  it('refuses a result that is not what the kind reports, with the issues, and keeps the task running', async () => {
    const created = (
      await h.call('POST', '/tasks', { body: { kind: 'wipe', host: 'pc-01', params: { mode: 'fast' } } })
    ).json<TaskCreated>();
    const refused = await h.call('POST', `/tasks/${created.task.id}/complete`, {
      token: created.token,
      body: { result: { mode: 'fast', bytes: 'lots' } },
    });
    const [status, code, message] = errorOf(refused);
    expect([status, code]).toEqual([400, 'BAD_REQUEST']);
    expect(message).toMatch(/wipe task \d+: the result is not what a wipe agent reports/);
    expect(
      (refused.json() as { error: { detail: { path: string[] }[] } }).error.detail.map((issue) => issue.path.join('.')),
    ).toContain('bytes');
    expect((await h.call('GET', `/tasks/${created.task.id}`)).json()).toMatchObject({ state: 'queued', result: null });
  });
});
