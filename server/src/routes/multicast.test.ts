import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseStreamHeader,
  STREAM_HEADER_BYTES,
  type MulticastSession,
  type MulticastStarted,
  type StreamHeader,
} from '@brume/protocol';
import type { FileSend, SendOutcome } from '../multicast/session-runner.ts';
import { fakeImage } from '../../../test/fixtures/fake-image.ts';
import { captureImage, openHarness, type Harness } from '../../../test/fakes/server-harness.ts';

/**
 * Stands in for udp-sender, which must not send on this machine's own network: it reads what the runner would pipe
 * into udp-sender and keeps it. The real sender and receivers run inside a network namespace in
 * test/integration/multicast.test.ts.
 */
const sent: { header: StreamHeader | string; bodyBytes: number; minReceivers: number }[] = [];
let hold: Promise<void> = Promise.resolve();
async function standInSender(send: FileSend): Promise<SendOutcome> {
  // Like udp-sender killed by the runner: a cancelled session's send ends at once.
  const aborted = new Promise<void>((resolve) =>
    send.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  await Promise.race([hold, aborted]);
  if (send.signal.aborted) throw new Error('udp-sender killed: the session was cancelled');
  const bytes = await buffer(send.stream);
  const parsed = parseStreamHeader(bytes.subarray(0, STREAM_HEADER_BYTES));
  sent.push({
    header: parsed.ok ? parsed.header : parsed.reason,
    bodyBytes: bytes.byteLength - STREAM_HEADER_BYTES,
    minReceivers: send.minReceivers,
  });
  return { receivers: send.minReceivers, dropped: 0 };
}

let h: Harness;
const image = fakeImage('room-image', [[1000, 1500, 700], [2048]]);
beforeAll(async () => {
  h = await openHarness(undefined, true, {}, undefined, { multicastSender: standInSender });
  await captureImage(h, image);
  for (const [name, mac] of [
    ['pc-01', '52:54:00:00:07:01'],
    ['pc-02', '52:54:00:00:07:02'],
    ['pc-03', '52:54:00:00:07:03'],
  ] as const) {
    expect((await h.call('POST', '/hosts', { body: { name, macs: [mac] } })).statusCode).toBe(201);
  }
  await h.call('POST', '/groups', { body: { name: 'lab-7', hosts: ['pc-01', 'pc-02', 'pc-03'] } });
});
afterAll(async () => h.close());

async function settled(id: number): Promise<MulticastSession> {
  for (let tries = 0; tries < 100; tries++) {
    const session = (await h.call('GET', `/multicast/${id}`)).json<MulticastSession>();
    if (session.state !== 'waiting' && session.state !== 'sending') return session;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`session ${id} never ended`);
}

describe('multicast sessions', () => {
  it('a group session: one deploy task per host naming the session, each file sent after its header, in order', async () => {
    const response = await h.call('POST', '/multicast', {
      body: { image: 'room-image', group: 'lab-7', maxBitrate: '300m' },
    });
    expect(response.statusCode).toBe(201);
    const started = response.json<MulticastStarted>();
    expect(started.tasks.map((created) => [created.task.hostName, created.task.kind, created.task.params])).toEqual([
      ['pc-01', 'deploy', { multicast: started.session.id }],
      ['pc-02', 'deploy', { multicast: started.session.id }],
      ['pc-03', 'deploy', { multicast: started.session.id }],
    ]);
    expect(started.session.settings).toMatchObject({
      minReceivers: 3,
      maxWaitSeconds: 60,
      maxBitrate: '300m',
      fec: null,
      portbase: 9000,
    });
    const session = await settled(started.session.id);
    expect(session.state).toBe('done');
    expect(session.files.map((file) => [file.name, file.state, file.receivers])).toEqual([
      ['d1p1.pc.zst', 'sent', 3],
      ['d1p2.pc.zst', 'sent', 3],
    ]);
    expect(sent).toEqual([
      {
        header: { session: started.session.id, image: 'room-image', file: 'd1p1.pc.zst', bytes: 3200 },
        bodyBytes: 3200,
        minReceivers: 3,
      },
      {
        header: { session: started.session.id, image: 'room-image', file: 'd1p2.pc.zst', bytes: 2048 },
        bodyBytes: 2048,
        minReceivers: 3,
      },
    ]);
    expect(session.receivers.map((receiver) => [receiver.host, receiver.taskState])).toEqual([
      ['pc-01', 'queued'],
      ['pc-02', 'queued'],
      ['pc-03', 'queued'],
    ]);

    // Each PC learns, with its own task's token, the port and the files; a task outside the session learns nothing.
    const first = started.tasks[0]!;
    const join = await h.call('GET', `/agent/tasks/${first.task.id}/multicast`, { token: first.token });
    expect(join.json()).toEqual({
      session: started.session.id,
      image: 'room-image',
      state: 'done',
      portbase: 9000,
      files: ['d1p1.pc.zst', 'd1p2.pc.zst'],
      closed: ['d1p1.pc.zst', 'd1p2.pc.zst'],
      fileTimeoutSeconds: 90,
    });
    const other = (
      await h.call('POST', '/tasks', { body: { kind: 'deploy', host: 'pc-01', image: 'room-image' } })
    ).json<MulticastStarted['tasks'][number]>();
    expect(
      (await h.call('GET', `/agent/tasks/${other.task.id}/multicast`, { token: other.token })).json().error.code,
    ).toBe('NOT_FOUND');
    expect((await h.call('GET', `/agent/tasks/${first.task.id}/multicast`, { token: other.token })).statusCode).toBe(
      403,
    );
  });

  it('two sessions at once get distinct portbases; cancelling one cancels its tasks and stops its sending', async () => {
    let release = (): void => undefined;
    hold = new Promise((resolve) => (release = resolve));
    const a = (
      await h.call('POST', '/multicast', { body: { image: 'room-image', hosts: ['pc-01', 'pc-02'] } })
    ).json<MulticastStarted>();
    const b = (
      await h.call('POST', '/multicast', { body: { image: 'room-image', hosts: ['pc-03'], minReceivers: 1 } })
    ).json<MulticastStarted>();
    expect([a.session.settings.portbase, b.session.settings.portbase]).toEqual([9000, 9002]);
    const cancelled = (await h.call('POST', `/multicast/${a.session.id}/cancel`)).json<MulticastSession>();
    release();
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.receivers.map((receiver) => receiver.taskState)).toEqual(['cancelled', 'cancelled']);
    expect((await settled(b.session.id)).state).toBe('done');
    expect((await h.call('POST', `/multicast/${a.session.id}/cancel`)).json().error.code).toBe('TASK_STATE');
  });

  it('refuses what cannot work, naming it, and creates nothing', async () => {
    const before = (await h.call('GET', '/tasks')).json().tasks.length;
    const cases: [unknown, string][] = [
      [{ image: 'nope', hosts: ['pc-01'] }, 'IMAGE_NOT_FOUND'],
      [{ image: 'room-image', hosts: ['pc-01', 'pc-99'] }, 'HOST_NOT_FOUND'],
      [{ image: 'room-image', group: 'lab-99' }, 'GROUP_NOT_FOUND'],
      [{ image: 'room-image', hosts: ['pc-01'], minReceivers: 2 }, 'BAD_REQUEST'],
      [{ image: 'room-image' }, 'BAD_REQUEST'],
      [{ image: 'room-image', hosts: ['pc-01'], fec: 'lots' }, 'BAD_REQUEST'],
    ];
    for (const [body, code] of cases)
      expect((await h.call('POST', '/multicast', { body })).json().error.code, JSON.stringify(body)).toBe(code);
    expect((await h.call('GET', '/tasks')).json().tasks.length).toBe(before);
  });

  it('a session a stopped server left sending is failed at the next start, not left for ever', async () => {
    const session = await h.db.multicast.insert({
      image: 'room-image',
      files: [],
      createdAt: new Date().toISOString(),
      settings: { minReceivers: 1, maxWaitSeconds: 5, maxBitrate: null, fec: null, interface: null, portbase: 9100 },
    });
    await h.db.multicast.update(session.id, { state: 'sending' });
    h = await h.restart();
    const after = (await h.call('GET', `/multicast/${session.id}`)).json<MulticastSession>();
    expect([after.state, after.error]).toEqual(['failed', 'the server stopped while this session was under way']);
  });

  it('at a PC, a technician lists the sessions under way and joins the PC: its queued task with a new token, else a new task', async () => {
    let release = (): void => undefined;
    hold = new Promise((resolve) => (release = resolve));
    const started = (
      await h.call('POST', '/multicast', { body: { image: 'room-image', hosts: ['pc-01'] } })
    ).json<MulticastStarted>();
    const pin = (await h.call('POST', '/techs/pins', { body: { ttlMinutes: 10, uses: 2 } })).json<{ pin: string }>()
      .pin;
    const tech = (await h.call('POST', '/agent/tech-login', { token: null, body: { pin } })).json<{ token: string }>()
      .token;
    expect((await h.call('GET', '/agent/multicast', { token: null })).statusCode).toBe(401);
    const listed = (await h.call('GET', '/agent/multicast', { token: tech })).json<{ sessions: MulticastSession[] }>();
    expect(listed.sessions.map((entry) => entry.id)).toContain(started.session.id);

    // pc-01 is in the session: its queued task, and the token given at the start stops working.
    const own = await h.call('POST', `/agent/multicast/${started.session.id}/join`, {
      token: tech,
      body: { macs: ['52:54:00:00:07:01'] },
    });
    expect(own.statusCode).toBe(201);
    expect(own.json().task.id).toBe(started.tasks[0]!.task.id);
    expect(
      (await h.call('GET', `/agent/tasks/${started.tasks[0]!.task.id}`, { token: started.tasks[0]!.token })).statusCode,
    ).toBe(401);
    // pc-02 is not: a new deploy task in the session.
    const joined = (
      await h.call('POST', `/agent/multicast/${started.session.id}/join`, {
        token: tech,
        body: { macs: ['52-54-00-00-07-02'] },
      })
    ).json<MulticastStarted['tasks'][number]>();
    expect([joined.task.hostName, joined.task.params]).toEqual(['pc-02', { multicast: started.session.id }]);
    expect(
      (await h.call('GET', `/multicast/${started.session.id}`))
        .json<MulticastSession>()
        .receivers.map((receiver) => receiver.host),
    ).toEqual(['pc-01', 'pc-02']);
    const unknown = await h.call('POST', `/agent/multicast/${started.session.id}/join`, {
      token: tech,
      body: { macs: ['52:54:00:99:99:99'] },
    });
    expect(unknown.json().error.code).toBe('HOST_NOT_FOUND');
    // The admin token is never accepted at a PC.
    expect(
      (await h.call('POST', `/agent/multicast/${started.session.id}/join`, { body: { macs: ['52:54:00:00:07:02'] } }))
        .statusCode,
    ).toBe(403);

    await h.call('POST', `/multicast/${started.session.id}/cancel`);
    release();
    const ended = await h.call('POST', `/agent/multicast/${started.session.id}/join`, {
      token: tech,
      body: { macs: ['52:54:00:00:07:02'] },
    });
    expect(ended.json().error).toMatchObject({
      code: 'TASK_STATE',
      message: `multicast session ${started.session.id} has ended (cancelled)`,
    });
  });
});
