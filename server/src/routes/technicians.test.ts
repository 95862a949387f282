import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeImage } from '../../../test/fixtures/fake-image.ts';
import { captureImage, openHarness, type Harness } from '../../../test/fakes/server-harness.ts';
import { sampleInventory } from '../../../test/fixtures/sample-inventory.ts';

let h: Harness;
/** The server's clock, moved by the tests (PIN and session expiry). */
let clock = Date.parse('2026-11-23T08:00:00.000Z');
const PC_MAC = '52:54:00:00:07:01';

beforeAll(async () => {
  h = await openHarness(undefined, true, {}, () => new Date(clock).toISOString());
  expect(
    (
      await h.call('POST', '/agent/register', {
        token: null,
        body: {
          inventory: sampleInventory({
            nics: [{ name: 'eno1', mac: PC_MAC, driver: null, speedMbps: null, link: true, ipv4: [] }],
          }),
        },
      })
    ).statusCode,
  ).toBe(201);
  await captureImage(h, fakeImage('win11-2026'));
});
afterAll(async () => h.close());

const login = (body: unknown) => h.call('POST', '/agent/tech-login', { token: null, body });

describe('technicians at a PC', () => {
  it('an account logs in with its password and deploys an image to this PC; the task is for this PC', async () => {
    expect((await h.call('POST', '/techs', { body: { name: 'marie', password: 'correct horse' } })).statusCode).toBe(
      201,
    );
    expect(
      (await h.call('POST', '/techs', { body: { name: 'marie', password: 'another one' } })).json().error.code,
    ).toBe('TECH_EXISTS');
    const session = await login({ name: 'marie', password: 'correct horse' });
    expect(session.statusCode).toBe(200);
    const { token, technician } = session.json();
    expect(technician).toBe('marie');
    expect(
      (await h.call('GET', '/agent/images', { token })).json().images.map((image: { name: string }) => image.name),
    ).toEqual(['win11-2026']);
    const deploy = await h.call('POST', '/agent/deploy', { token, body: { macs: [PC_MAC], image: 'win11-2026' } });
    expect(deploy.statusCode).toBe(201);
    expect(deploy.json().task).toMatchObject({
      kind: 'deploy',
      hostName: 'pc-525400000701',
      image: 'win11-2026',
      state: 'queued',
    });
    // The task's own token runs it, as after a PXE boot.
    expect(
      (await h.call('GET', `/agent/tasks/${deploy.json().task.id}`, { token: deploy.json().token })).statusCode,
    ).toBe(200);
  });

  it('a PIN works for its number of uses, then no more; an expired PIN and its sessions stop working', async () => {
    const pin = (await h.call('POST', '/techs/pins', { body: { ttlMinutes: 30, uses: 2 } })).json();
    expect(pin.pin).toMatch(/^\d{6}$/);
    const first = await login({ pin: pin.pin });
    expect(first.json().technician).toBe('pin');
    expect((await login({ pin: pin.pin })).statusCode).toBe(200);
    expect((await login({ pin: pin.pin })).json().error.code).toBe('TECH_LOGIN_FAILED');

    const another = (await h.call('POST', '/techs/pins', { body: { ttlMinutes: 30, uses: 5 } })).json();
    clock += 31 * 60_000;
    expect((await login({ pin: another.pin })).json().error.code).toBe('TECH_LOGIN_FAILED');
    clock += 4 * 60 * 60_000;
    expect((await h.call('GET', '/agent/images', { token: first.json().token })).statusCode).toBe(401);
  });

  it('refuses the admin token and a task token at a PC, and deploys nothing to an unregistered PC', async () => {
    expect((await h.call('GET', '/agent/images')).statusCode).toBe(403);
    const session = (await login({ name: 'marie', password: 'correct horse' })).json();
    const unknown = await h.call('POST', '/agent/deploy', {
      token: session.token,
      body: { macs: ['52:54:00:00:07:99'], image: 'win11-2026' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toContain('register it first');
    const task = (
      await h.call('POST', '/agent/deploy', { token: session.token, body: { macs: [PC_MAC], image: 'win11-2026' } })
    ).json();
    expect((await h.call('GET', '/agent/images', { token: task.token })).statusCode).toBe(403);
  });

  it('locks logins for a minute after 10 refusals in a minute, even the right password', async () => {
    for (let attempt = 0; attempt < 10; attempt += 1)
      expect((await login({ pin: '000000' })).json().error.code).toBe('TECH_LOGIN_FAILED');
    const locked = await login({ name: 'marie', password: 'correct horse' });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('TOO_MANY_ATTEMPTS');
    clock += 61_000;
    expect((await login({ name: 'marie', password: 'correct horse' })).statusCode).toBe(200);
  });
});
