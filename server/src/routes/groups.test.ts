import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from '../../../test/fakes/server-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
  for (const [name, mac] of [
    ['pc-01', '52:54:00:00:05:01'],
    ['pc-02', '52:54:00:00:05:02'],
    ['pc-03', '52:54:00:00:05:03'],
  ] as const) {
    expect((await h.call('POST', '/hosts', { body: { name, macs: [mac] } })).statusCode).toBe(201);
  }
});
afterAll(async () => h.close());

describe('groups', () => {
  it('adding creates the group, adds each host once, and the hosts list their groups', async () => {
    const first = await h.call('POST', '/groups', { body: { name: 'lab-2', hosts: ['pc-01', 'pc-02'] } });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ name: 'lab-2', hosts: ['pc-01', 'pc-02'] });
    const again = await h.call('POST', '/groups', { body: { name: 'lab-2', hosts: ['pc-02', 'pc-03'] } });
    expect(again.json().hosts).toEqual(['pc-01', 'pc-02', 'pc-03']);
    await h.call('POST', '/groups', { body: { name: 'row-a', hosts: ['pc-01'] } });
    expect((await h.call('GET', '/hosts/pc-01')).json().groups).toEqual(['lab-2', 'row-a']);
    expect((await h.call('GET', '/groups')).json().groups.map((group: { name: string }) => group.name)).toEqual([
      'lab-2',
      'row-a',
    ]);
  });

  it('refuses unknown hosts all at once and changes nothing', async () => {
    const response = await h.call('POST', '/groups', { body: { name: 'lab-3', hosts: ['pc-01', 'pc-77', 'pc-78'] } });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: 'HOST_NOT_FOUND', message: 'no host named pc-77, pc-78' });
    expect((await h.call('GET', '/groups/lab-3')).json().error).toMatchObject({
      code: 'GROUP_NOT_FOUND',
      message: 'no group named lab-3: the groups are lab-2, row-a',
    });
  });

  it('removing hosts keeps them; deleting the group keeps its hosts; a deleted host leaves its groups', async () => {
    expect((await h.call('POST', '/groups/lab-2/remove', { body: { hosts: ['pc-02'] } })).json().hosts).toEqual([
      'pc-01',
      'pc-03',
    ]);
    expect((await h.call('DELETE', '/hosts/pc-03')).statusCode).toBe(204);
    expect((await h.call('GET', '/groups/lab-2')).json().hosts).toEqual(['pc-01']);
    expect((await h.call('DELETE', '/groups/row-a')).statusCode).toBe(204);
    expect((await h.call('GET', '/hosts/pc-01')).json().groups).toEqual(['lab-2']);
    expect((await h.call('DELETE', '/groups/row-a')).json().error.code).toBe('GROUP_NOT_FOUND');
  });

  it('a group name is checked like a host name', async () => {
    expect((await h.call('POST', '/groups', { body: { name: 'Lab 2', hosts: [] } })).statusCode).toBe(400);
  });

  it('a task for a group: one task per host under one batch number, listed by batch; a capture is refused', async () => {
    await h.call('POST', '/groups', { body: { name: 'lab-5', hosts: ['pc-01', 'pc-02'] } });
    const created = await h.call('POST', '/tasks/batch', {
      body: { kind: 'wipe', group: 'lab-5', params: { mode: 'fast' } },
    });
    expect(created.statusCode).toBe(201);
    const { batch, tasks } = created.json<{
      batch: number;
      tasks: { task: { hostName: string; batch: number; params: unknown }; token: string }[];
    }>();
    expect(tasks.map((entry) => [entry.task.hostName, entry.task.batch, entry.task.params])).toEqual([
      ['pc-01', batch, { mode: 'fast' }],
      ['pc-02', batch, { mode: 'fast' }],
    ]);
    expect(new Set(tasks.map((entry) => entry.token)).size).toBe(2);
    const second = (await h.call('POST', '/tasks/batch', { body: { kind: 'inventory', group: 'lab-5' } })).json<{
      batch: number;
    }>();
    expect(second.batch).toBe(batch + 1);
    const listed = (await h.call('GET', `/tasks?batch=${batch}`)).json<{ tasks: { hostName: string }[] }>();
    expect(listed.tasks.map((task) => task.hostName).sort()).toEqual(['pc-01', 'pc-02']);
    expect(
      (await h.call('POST', '/tasks/batch', { body: { kind: 'capture', group: 'lab-5', image: 'x' } })).json().error,
    ).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/one image from one PC/) });
    expect(
      (await h.call('POST', '/tasks/batch', { body: { kind: 'wipe', group: 'lab-5', params: { mode: 'gentle' } } }))
        .statusCode,
    ).toBe(400);
    expect(
      (await h.call('POST', '/tasks/batch', { body: { kind: 'inventory', group: 'lab-99' } })).json().error.code,
    ).toBe('GROUP_NOT_FOUND');
  });
});
