import { Schedule, ScheduleDetail, TaskList } from '@brume/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeImage } from '../../../test/fixtures/fake-image.ts';
import { captureImage, openHarness, type Harness } from '../../../test/fakes/server-harness.ts';
import { sampleInventory } from '../../../test/fixtures/sample-inventory.ts';
import { fakeClock, type FakeClock } from '../../../test/fakes/fake-clock.ts';
import { magicPacket } from '../schedules/wake-on-lan.ts';

/**
 * Schedules against the real app and database, with a clock the test moves: 02:00 comes when the test says, and the
 * magic packets go to a recorder, never onto a network.
 */

const MACS = { 'pc-01': '52:54:00:00:09:01', 'pc-02': '52:54:00:00:09:02', 'pc-03': '52:54:00:00:09:03' } as const;
const PARIS = 'Europe/Paris';

let h: Harness;
let clock: FakeClock;
let packets: { mac: string; address: string; port: number }[];

beforeEach(async () => {
  // Tuesday 1 December 2026, 01:30 in Paris (CET, UTC+1).
  clock = fakeClock('2026-12-01T00:30:00Z');
  packets = [];
  const wakeSender = async (packet: Buffer, address: string, port: number): Promise<void> => {
    packets.push({
      mac: packet
        .subarray(6, 12)
        .toString('hex')
        .replace(/(..)(?!$)/g, '$1:'),
      address,
      port,
    });
    expect(packet).toEqual(magicPacket(packet.subarray(6, 12).toString('hex')));
  };
  h = await openHarness(undefined, true, { wakeBroadcast: '10.81.1.255' }, () => clock.now().toISOString(), {
    scheduleClock: clock,
    wakeSender,
  });
  for (const [name, mac] of Object.entries(MACS))
    expect((await h.call('POST', '/hosts', { body: { name, macs: [mac] } })).statusCode).toBe(201);
  expect((await h.call('POST', '/groups', { body: { name: 'lab', hosts: Object.keys(MACS) } })).statusCode).toBe(200);
  // pc-01 told the server its subnet in an inventory; the others are woken through the server's --wake-broadcast.
  const pc01 = await h.db.hosts.byName('pc-01');
  await h.db.inventories.add(pc01?.id ?? 0, {
    receivedAt: '2026-11-30T08:00:00.000Z',
    source: 'inventory',
    inventory: sampleInventory({
      nics: [
        { name: 'eno1', mac: MACS['pc-01'], driver: 'e1000e', speedMbps: 1000, link: true, ipv4: ['10.81.0.11/24'] },
      ],
    }),
  });
  await captureImage(h, fakeImage('win11'));
});
afterEach(async () => h.close());

const addSchedule = async (body: Record<string, unknown>) =>
  h.call('POST', '/schedules', {
    body: { task: { kind: 'deploy', group: 'lab', image: 'win11' }, timezone: PARIS, ...body },
  });
const deploys = async () =>
  TaskList.parse((await h.call('GET', '/tasks')).json()).tasks.filter((task) => task.kind === 'deploy');
const show = async (id: number) => ScheduleDetail.parse((await h.call('GET', `/schedules/${id}`)).json());

describe('a schedule fires when the clock crosses its time', () => {
  it('weekdays at 02:00: a deploy batch for each host of the group, and a magic packet to each PC', async () => {
    const added = await addSchedule({ cron: '0 2 * * 1-5' });
    expect(added.statusCode).toBe(201);
    const schedule = Schedule.parse(added.json());
    expect(schedule).toMatchObject({
      state: 'active',
      timezone: PARIS,
      nextAt: '2026-12-01T01:00:00.000Z',
      missed: 0,
      lastFiring: null,
    });

    await clock.advanceTo('2026-12-01T00:59:59Z');
    expect(await deploys()).toEqual([]);

    await clock.advanceTo('2026-12-01T01:00:30Z');
    const tasks = await deploys();
    expect(tasks.map((task) => [task.hostName, task.image, task.state]).sort()).toEqual([
      ['pc-01', 'win11', 'queued'],
      ['pc-02', 'win11', 'queued'],
      ['pc-03', 'win11', 'queued'],
    ]);
    const batch = tasks[0]?.batch;
    expect(batch).toEqual(expect.any(Number));
    expect(tasks.every((task) => task.batch === batch)).toBe(true);

    expect(packets.sort((a, b) => a.mac.localeCompare(b.mac))).toEqual([
      { mac: MACS['pc-01'], address: '10.81.0.255', port: 9 },
      { mac: MACS['pc-02'], address: '10.81.1.255', port: 9 },
      { mac: MACS['pc-03'], address: '10.81.1.255', port: 9 },
    ]);
    const detail = await show(schedule.id);
    expect(detail).toMatchObject({ state: 'active', nextAt: '2026-12-02T01:00:00.000Z', missed: 0 });
    expect(detail.firings).toHaveLength(1);
    expect(detail.firings[0]).toMatchObject({
      occurrence: '2026-12-01T01:00:00.000Z',
      outcome: 'fired',
      batch,
      error: null,
    });
    expect(detail.firings[0]?.wake.map((entry) => [entry.host, entry.via, entry.sent])).toEqual([
      ['pc-01', 'inventory', true],
      ['pc-02', 'server-option', true],
      ['pc-03', 'server-option', true],
    ]);

    // Friday's run, then Monday's: Saturday and Sunday make nothing.
    await clock.advanceTo('2026-12-07T12:00:00Z');
    const firings = (await show(schedule.id)).firings.map((firing) => [firing.occurrence, firing.outcome]);
    expect(firings).toEqual([
      ['2026-12-07T01:00:00.000Z', 'fired'],
      ['2026-12-04T01:00:00.000Z', 'fired'],
      ['2026-12-03T01:00:00.000Z', 'fired'],
      ['2026-12-02T01:00:00.000Z', 'fired'],
      ['2026-12-01T01:00:00.000Z', 'fired'],
    ]);
    expect(await deploys()).toHaveLength(15);
  });

  it('once at a local time: fires, then ends; a wipe wakes its PCs too (every task waits for a network boot)', async () => {
    const added = Schedule.parse(
      (
        await h.call('POST', '/schedules', {
          body: {
            task: { kind: 'wipe', group: 'lab', params: { mode: 'fast' } },
            at: '2026-12-01T03:15',
            timezone: PARIS,
          },
        })
      ).json(),
    );
    expect(added.nextAt).toBe('2026-12-01T02:15:00.000Z');
    await clock.advanceTo('2026-12-03T00:00:00Z');
    const detail = await show(added.id);
    expect(detail).toMatchObject({ state: 'ended', nextAt: null });
    expect(detail.firings.map((firing) => firing.outcome)).toEqual(['fired']);
    const wipes = TaskList.parse((await h.call('GET', '/tasks')).json()).tasks.filter((task) => task.kind === 'wipe');
    expect(wipes.map((task) => task.params)).toEqual([{ mode: 'fast' }, { mode: 'fast' }, { mode: 'fast' }]);
    expect(packets.map((packet) => packet.mac).sort()).toEqual(Object.values(MACS).sort());
    expect((await h.call('POST', `/schedules/${added.id}/resume`)).json().error.code).toBe('SCHEDULE_STATE');
  });

  it('a firing the batch refuses is recorded as failed, with the reason, and the schedule goes on', async () => {
    const schedule = Schedule.parse((await addSchedule({ cron: '0 2 * * *' })).json());
    expect((await h.call('DELETE', '/groups/lab')).statusCode).toBe(204);
    await clock.advanceTo('2026-12-01T01:00:01Z');
    const detail = await show(schedule.id);
    expect(detail.firings[0]).toMatchObject({ outcome: 'failed', batch: null, error: { code: 'GROUP_NOT_FOUND' } });
    expect(detail).toMatchObject({ state: 'active', nextAt: '2026-12-02T01:00:00.000Z' });
    expect(await deploys()).toEqual([]);
  });

  it('a paused schedule lets its time pass; resumed, it waits for the next one', async () => {
    const schedule = Schedule.parse((await addSchedule({ cron: '0 2 * * *' })).json());
    expect((await h.call('POST', `/schedules/${schedule.id}/pause`)).json()).toMatchObject({
      state: 'paused',
      nextAt: null,
    });
    await clock.advanceTo('2026-12-01T05:00:00Z');
    expect(await deploys()).toEqual([]);
    expect((await show(schedule.id)).firings).toEqual([]);
    expect((await h.call('POST', `/schedules/${schedule.id}/resume`)).json()).toMatchObject({
      state: 'active',
      nextAt: '2026-12-02T01:00:00.000Z',
    });
    await clock.advanceTo('2026-12-02T01:00:00Z');
    expect(await deploys()).toHaveLength(3);
  });

  it('an occurrence reached long after its time (the server was stalled) is missed, not fired late', async () => {
    const schedule = Schedule.parse((await addSchedule({ cron: '0 2 * * *' })).json());
    clock.jump('2026-12-01T01:20:00Z');
    await clock.advanceTo('2026-12-01T01:20:01Z');
    const [firing] = (await show(schedule.id)).firings;
    expect(firing).toMatchObject({
      outcome: 'missed',
      error: { code: 'MISSED', message: expect.stringMatching(/20 min late/) },
    });
    expect(await deploys()).toEqual([]);
  });
});

describe('missed while the server was down', () => {
  it('a restart on the same data with the clock past three occurrences records them as missed and creates nothing', async () => {
    const schedule = Schedule.parse((await addSchedule({ cron: '0 2 * * *' })).json());
    await clock.advanceTo('2026-12-01T01:00:05Z');
    expect(await deploys()).toHaveLength(3);

    // The server stops at 03:00; it starts again on Friday at 09:00.
    clock.jump('2026-12-01T02:00:00Z');
    await h.app.close();
    clock.jump('2026-12-04T08:00:00Z');
    h = await h.restart();

    expect(await deploys()).toHaveLength(3);
    expect(packets).toHaveLength(3);
    const detail = await show(schedule.id);
    expect(detail).toMatchObject({ state: 'active', missed: 3, nextAt: '2026-12-05T01:00:00.000Z' });
    expect(detail.firings.map((firing) => [firing.occurrence, firing.outcome, firing.recordedAt])).toEqual([
      ['2026-12-04T01:00:00.000Z', 'missed', '2026-12-04T08:00:00.000Z'],
      ['2026-12-03T01:00:00.000Z', 'missed', '2026-12-04T08:00:00.000Z'],
      ['2026-12-02T01:00:00.000Z', 'missed', '2026-12-04T08:00:00.000Z'],
      ['2026-12-01T01:00:00.000Z', 'fired', '2026-12-01T01:00:00.000Z'],
    ]);
    expect(detail.firings[0]?.error).toMatchObject({
      code: 'MISSED',
      message: expect.stringMatching(
        /^the server was not running at 2026-12-04 02:00 Europe\/Paris: nothing was created/,
      ),
    });
    const listed = (await h.call('GET', '/schedules')).json<{ schedules: Schedule[] }>().schedules;
    expect(listed.map((entry) => [entry.id, entry.missed, entry.lastFiring?.outcome])).toEqual([
      [schedule.id, 3, 'missed'],
    ]);

    // It keeps its rhythm afterwards.
    await clock.advanceTo('2026-12-05T01:00:00Z');
    expect(await deploys()).toHaveLength(6);
  });

  it('a one-shot whose time passed while the server was down ends, missed', async () => {
    const schedule = Schedule.parse((await addSchedule({ at: '2026-12-01T02:00' })).json());
    await h.app.close();
    clock.jump('2026-12-01T06:00:00Z');
    h = await h.restart();
    expect(await show(schedule.id)).toMatchObject({ state: 'ended', nextAt: null, missed: 1 });
    expect(await deploys()).toEqual([]);
  });
});

describe('bad schedules are refused and change nothing', () => {
  it.each([
    ['a bad cron pattern', { cron: '0 25 * * *' }, 400, 'BAD_REQUEST', /hour/],
    ['a cron of six fields', { cron: '0 0 2 * * *' }, 400, 'BAD_REQUEST', /five fields/],
    ['an unknown timezone', { cron: '0 2 * * *', timezone: 'Europe/Pariss' }, 400, 'BAD_REQUEST', /IANA timezone/],
    [
      'a time in the past',
      { at: '2026-12-01T01:00' },
      400,
      'BAD_REQUEST',
      /2026-12-01T01:00 is in the past in Europe\/Paris \(it is now 2026-12-01 01:30/,
    ],
    ['a day that does not exist', { at: '2026-02-30T02:00' }, 400, 'BAD_REQUEST', /not a date/],
    ['both at and cron', { at: '2026-12-02T02:00', cron: '0 2 * * *' }, 400, 'BAD_REQUEST', /one of the two/],
    ['neither', {}, 400, 'BAD_REQUEST', /one of the two/],
    [
      'an unknown group',
      { cron: '0 2 * * *', task: { kind: 'deploy', group: 'lab-9', image: 'win11' } },
      404,
      'GROUP_NOT_FOUND',
      /no group named lab-9/,
    ],
    [
      'an unknown image',
      { cron: '0 2 * * *', task: { kind: 'deploy', group: 'lab', image: 'win12' } },
      404,
      'IMAGE_NOT_FOUND',
      /no image named win12/,
    ],
    [
      'a capture',
      { cron: '0 2 * * *', task: { kind: 'capture', group: 'lab', image: 'new' } },
      400,
      'BAD_REQUEST',
      /one image from one PC/,
    ],
  ])('%s', async (_, body, status, code, message) => {
    const response = await addSchedule(body);
    expect([response.statusCode, response.json().error.code]).toEqual([status, code]);
    expect(response.json().error.message).toMatch(message);
    expect((await h.call('GET', '/schedules')).json()).toEqual({ schedules: [] });
  });

  it('unknown ids, and the admin token is required', async () => {
    expect((await h.call('GET', '/schedules/99')).json().error.code).toBe('SCHEDULE_NOT_FOUND');
    expect((await h.call('POST', '/schedules/99/pause')).json().error.code).toBe('SCHEDULE_NOT_FOUND');
    expect((await h.call('DELETE', '/schedules/99')).json().error.code).toBe('SCHEDULE_NOT_FOUND');
    expect((await h.call('GET', '/schedules', { token: null })).statusCode).toBe(401);
  });

  it('deleting a schedule stops it; its batches stay', async () => {
    const schedule = Schedule.parse((await addSchedule({ cron: '0 2 * * *' })).json());
    await clock.advanceTo('2026-12-01T01:00:00Z');
    expect((await h.call('DELETE', `/schedules/${schedule.id}`)).statusCode).toBe(204);
    await clock.advanceTo('2026-12-03T01:00:00Z');
    expect(await deploys()).toHaveLength(3);
    expect((await h.call('GET', '/schedules')).json()).toEqual({ schedules: [] });
  });
});

describe('wake on demand', () => {
  it('wakes named hosts or a group; a host without a known subnet is reported, not guessed', async () => {
    const byName = await h.call('POST', '/wake', { body: { hosts: ['pc-01'] } });
    expect(byName.json()).toEqual({
      wake: [
        {
          host: 'pc-01',
          mac: MACS['pc-01'],
          address: '10.81.0.255',
          port: 9,
          via: 'inventory',
          sent: true,
          error: null,
        },
      ],
    });
    expect((await h.call('POST', '/wake', { body: { group: 'lab' } })).json().wake).toHaveLength(3);
    expect((await h.call('POST', '/wake', { body: { hosts: ['pc-77'] } })).json().error.code).toBe('HOST_NOT_FOUND');
    expect(packets).toHaveLength(4);
  });
});
