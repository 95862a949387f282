import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from '../../../test/fakes/server-harness.ts';
import { sampleInventory } from '../../../test/fixtures/sample-inventory.ts';

let h: Harness;
beforeAll(async () => {
  h = await openHarness(undefined, true, { hostNamePattern: 'lab2-{nn}' });
});
afterAll(async () => h.close());

const noToken = { token: null } as const;

describe('quick registration (no token)', () => {
  it('creates a host named by the pattern, with every MAC, and keeps the inventory', async () => {
    const inventory = sampleInventory({
      nics: [
        {
          name: 'eno1',
          mac: '52:54:00:00:01:01',
          driver: 'e1000e',
          speedMbps: 1000,
          link: true,
          ipv4: ['10.1.2.3/24'],
        },
        { name: 'wlp2s0', mac: '52:54:00:00:01:02', driver: 'iwlwifi', speedMbps: null, link: false, ipv4: [] },
      ],
    });
    const first = await h.call('POST', '/agent/register', { ...noToken, body: { inventory } });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      created: true,
      host: { name: 'lab2-01', macs: ['52:54:00:00:01:01', '52:54:00:00:01:02'] },
    });

    const second = await h.call('POST', '/agent/register', {
      ...noToken,
      body: {
        inventory: sampleInventory({
          nics: [{ name: 'eno1', mac: '52:54:00:00:02:01', driver: null, speedMbps: null, link: true, ipv4: [] }],
        }),
      },
    });
    expect(second.json().host.name).toBe('lab2-02');

    const detail = await h.call('GET', '/hosts/lab2-01');
    expect(detail.statusCode).toBe(200);
    expect(detail.json().inventories).toHaveLength(1);
    expect(detail.json().inventories[0]).toMatchObject({
      source: 'register',
      inventory: { system: { serial: 'ABC1234' }, memoryBytes: 16 * 1024 ** 3 },
    });
  });

  it('does not register a known PC twice: the inventory joins its history, newest first', async () => {
    const again = sampleInventory({
      memoryBytes: 32 * 1024 ** 3,
      nics: [{ name: 'eth0', mac: '52:54:00:00:01:02', driver: 'iwlwifi', speedMbps: null, link: true, ipv4: [] }],
    });
    const response = await h.call('POST', '/agent/register', { ...noToken, body: { inventory: again } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ created: false, host: { name: 'lab2-01' } });
    const history = (await h.call('GET', '/hosts/lab2-01')).json().inventories as {
      inventory: { memoryBytes: number };
    }[];
    expect(history.map((record) => record.inventory.memoryBytes)).toEqual([32 * 1024 ** 3, 16 * 1024 ** 3]);
  });

  it('full registration: the typed name, refused when taken or when the PC is known', async () => {
    const nic = (mac: string) => [{ name: 'eno1', mac, driver: null, speedMbps: null, link: true, ipv4: [] }];
    const named = await h.call('POST', '/agent/register', {
      ...noToken,
      body: { name: 'teacher-desk', inventory: sampleInventory({ nics: nic('52:54:00:00:03:01') }) },
    });
    expect(named.statusCode).toBe(201);
    expect(named.json().host.name).toBe('teacher-desk');
    const taken = await h.call('POST', '/agent/register', {
      ...noToken,
      body: { name: 'teacher-desk', inventory: sampleInventory({ nics: nic('52:54:00:00:03:02') }) },
    });
    expect(taken.json().error).toMatchObject({
      code: 'HOST_EXISTS',
      message: 'a host named teacher-desk exists already',
    });
    const again = await h.call('POST', '/agent/register', {
      ...noToken,
      body: { name: 'other-name', inventory: sampleInventory({ nics: nic('52:54:00:00:03:01') }) },
    });
    expect(again.json().error).toMatchObject({
      code: 'HOST_EXISTS',
      message: 'this PC is registered already, as teacher-desk',
    });
    expect(
      (
        await h.call('POST', '/agent/register', {
          ...noToken,
          body: { name: 'Bad Name!', inventory: sampleInventory() },
        })
      ).statusCode,
    ).toBe(400);
  });

  it('full registration: a group that exists and an image that exists, or nothing is created', async () => {
    const nic = (mac: string) => [{ name: 'eno1', mac, driver: null, speedMbps: null, link: true, ipv4: [] }];
    expect((await h.call('POST', '/groups', { body: { name: 'lab-2', hosts: [] } })).statusCode).toBe(200);
    const unknownGroup = await h.call('POST', '/agent/register', {
      ...noToken,
      body: { name: 'desk-07', group: 'lab-9', inventory: sampleInventory({ nics: nic('52:54:00:00:04:01') }) },
    });
    expect(unknownGroup.statusCode).toBe(404);
    expect(unknownGroup.json().error).toMatchObject({
      code: 'GROUP_NOT_FOUND',
      message: 'no group named lab-9: the groups are lab-2',
    });
    const unknownImage = await h.call('POST', '/agent/register', {
      ...noToken,
      body: {
        name: 'desk-07',
        group: 'lab-2',
        image: 'nope',
        inventory: sampleInventory({ nics: nic('52:54:00:00:04:01') }),
      },
    });
    expect(unknownImage.json().error).toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    expect((await h.call('GET', '/hosts/desk-07')).statusCode).toBe(404);

    const grouped = await h.call('POST', '/agent/register', {
      ...noToken,
      body: { name: 'desk-07', group: 'lab-2', inventory: sampleInventory({ nics: nic('52:54:00:00:04:01') }) },
    });
    expect(grouped.statusCode).toBe(201);
    expect(grouped.json().host).toMatchObject({ name: 'desk-07', groups: ['lab-2'], image: null });
    expect((await h.call('GET', '/groups/lab-2')).json()).toMatchObject({ name: 'lab-2', hosts: ['desk-07'] });
  });

  it('answers a lookup with the host name only, or null', async () => {
    const known = await h.call('POST', '/agent/lookup', {
      ...noToken,
      body: { macs: ['52:54:00:99:99:99', '52-54-00-00-01-02'] },
    });
    expect(known.json()).toEqual({ host: { name: 'lab2-01' } });
    const unknown = await h.call('POST', '/agent/lookup', { ...noToken, body: { macs: ['52:54:00:99:99:99'] } });
    expect(unknown.json()).toEqual({ host: null });
  });

  it('refuses an inventory without a network card, or a malformed one, and creates nothing', async () => {
    const before = (await h.call('GET', '/hosts')).json().hosts.length;
    const noNic = await h.call('POST', '/agent/register', {
      ...noToken,
      body: { inventory: sampleInventory({ nics: [] }) },
    });
    expect(noNic.statusCode).toBe(400);
    expect(noNic.json().error.message).toContain('no network card');
    const malformed = await h.call('POST', '/agent/register', {
      ...noToken,
      body: { inventory: { ...sampleInventory(), memoryBytes: -1 } },
    });
    expect(malformed.statusCode).toBe(400);
    expect((await h.call('GET', '/hosts')).json().hosts.length).toBe(before);
  });
});

describe('the inventory task', () => {
  it('takes no image, and its result joins the host history as a re-inventory', async () => {
    expect(
      (await h.call('POST', '/tasks', { body: { kind: 'inventory', host: 'lab2-01', image: 'x' } })).json().error
        .message,
    ).toContain('takes no image');
    expect(
      (await h.call('POST', '/tasks', { body: { kind: 'deploy', host: 'lab2-01' } })).json().error.message,
    ).toContain('needs an image');
    const created = await h.call('POST', '/tasks', { body: { kind: 'inventory', host: 'lab2-01' } });
    expect(created.statusCode).toBe(201);
    const { task, token } = created.json();
    expect(task).toMatchObject({ kind: 'inventory', image: null });
    expect((await h.call('GET', `/agent/tasks/${task.id}`, { token })).json()).toMatchObject({
      kind: 'inventory',
      image: null,
    });

    const refused = await h.call('POST', `/tasks/${task.id}/complete`, {
      token,
      body: { result: { inventory: { memoryBytes: 1 } } },
    });
    expect(refused.statusCode).toBe(400);
    const done = await h.call('POST', `/tasks/${task.id}/complete`, {
      token,
      body: { result: { inventory: sampleInventory({ memoryBytes: 64 * 1024 ** 3 }), warnings: [] } },
    });
    expect(done.json().state).toBe('done');
    const [newest] = (await h.call('GET', '/hosts/lab2-01')).json().inventories;
    expect(newest).toMatchObject({ source: 'inventory', inventory: { memoryBytes: 64 * 1024 ** 3 } });
  });
});
