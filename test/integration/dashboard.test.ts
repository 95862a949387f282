// The web dashboard in a real browser (Debian's Chromium, headless, driven by puppeteer-core) against the real server
// on 127.0.0.1: login refused and accepted, the lists, a deploy made through the form, progress that moves live when an
// agent posts its events, a technician kept from the admin's actions, logout. Screenshots are decoded and their pixels
// checked: the progress bar's filled share is read from the picture, not from the DOM.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_PREFIX, type Task, type TaskCreated } from '@brume/protocol';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeImage } from '../fixtures/fake-image.ts';
import { ADMIN_TOKEN, captureImage, openHarness, type Harness } from '../fakes/server-harness.ts';
import { sampleInventory } from '../fixtures/sample-inventory.ts';
import { decodePng, pixelAt, type Pixels } from '../support/png.ts';

// The callbacks given to page.evaluate and waitForFunction run in the page; the project's TypeScript has no DOM library.
declare const document: {
  getElementById(id: string): { textContent: string | null } | null;
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
  cookie: string;
};
declare const window: Record<string, unknown>;

const VIEWPORT = { width: 1600, height: 900 };
/** The bar's fill colour (style.css --accent) and its empty track (--line). */
const ACCENT: [number, number, number] = [0x4a, 0xa3, 0xff];
const TECH = { name: 'tina', password: 'correct horse battery' };

let h: Harness;
let base: string;
let browser: Browser;
let shots: string;
let admin: Page;
let deploy: TaskCreated;

beforeAll(async () => {
  shots = await mkdtemp(join(tmpdir(), 'brume-dashboard-shots-'));
  h = await openHarness();
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  await captureImage(h, fakeImage('room-image'));
  for (const [name, mac] of [
    ['pc-01', '52:54:00:00:00:01'],
    ['pc-02', '52:54:00:00:00:02'],
  ] as const) {
    expect((await h.call('POST', '/hosts', { body: { name, macs: [mac], groups: ['room-1'] } })).statusCode).toBe(201);
  }
  const pc01 = await h.db.hosts.byName('pc-01');
  await h.db.inventories.add(pc01!.id, {
    receivedAt: new Date().toISOString(),
    source: 'register',
    inventory: sampleInventory(),
  });
  expect((await h.call('POST', '/techs', { body: TECH })).statusCode).toBe(201);
  browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless=new'],
    headless: true,
    defaultViewport: VIEWPORT,
  });
  admin = await browser.newPage();
  await admin.emulateMediaFeatures([{ name: 'prefers-reduced-motion', value: 'reduce' }]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  if (process.env['BRUME_KEEP_SHOTS'] === undefined) await rm(shots, { recursive: true, force: true });
  else console.log(`screenshots kept in ${shots}`);
});

async function logIn(page: Page, as: { token: string } | { name: string; password: string }): Promise<void> {
  if ('token' in as) {
    await page.click('input[name=role][value=admin]');
    await page.$eval('#login-token', (input) => ((input as unknown as { value: string }).value = ''));
    await page.type('#login-token', as.token);
  } else {
    await page.click('input[name=role][value=technician]');
    await page.type('#login-name', as.name);
    await page.type('#login-password', as.password);
  }
  await page.click('#login button[type=submit]');
}

const textOf = (page: Page, selector: string): Promise<string> =>
  page.$eval(selector, (node) => node.textContent ?? '');

/** A screenshot saved and decoded; its size is the viewport's, or it is not the picture the test asked for. */
async function screenshot(page: Page, name: string): Promise<Pixels> {
  const png = await page.screenshot({ type: 'png' });
  await writeFile(join(shots, `${name}.png`), png);
  const pixels = decodePng(png);
  expect([pixels.width, pixels.height]).toEqual([VIEWPORT.width, VIEWPORT.height]);
  return pixels;
}

const near = (a: [number, number, number], b: [number, number, number]): boolean =>
  a.every((value, index) => Math.abs(value - (b[index] ?? 0)) <= 12);

/** The share of the bar that is painted in the fill colour, read across the middle of its box in the screenshot. */
async function paintedShare(page: Page, pixels: Pixels, taskId: number): Promise<number> {
  const box = await (await page.$(`tr[data-task-id="${taskId}"] .bar`))!.boundingBox();
  expect(box).not.toBeNull();
  const { x, y, width, height } = box!;
  let painted = 0;
  const columns = Math.floor(width) - 4;
  for (let dx = 2; dx < columns + 2; dx += 1) if (near(pixelAt(pixels, x + dx, y + height / 2), ACCENT)) painted += 1;
  return painted / columns;
}

async function postEvents(task: TaskCreated, events: unknown[]): Promise<void> {
  const response = await fetch(`${base}${API_PREFIX}/tasks/${task.task.id}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${task.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  expect(response.status).toBe(200);
}

const progress = (bytesDone: number, bytesTotal: number) => ({
  type: 'progress',
  ts: new Date().toISOString(),
  phase: 'restore',
  target: 'd1p1',
  bytesDone,
  bytesTotal,
  bytesPerSecond: 50 * 1024 ** 2,
  etaSeconds: 12,
});

describe('the web dashboard', () => {
  it('refuses a wrong admin token with a message, then logs the admin in with an HttpOnly, SameSite=Strict cookie', async () => {
    await admin.goto(`${base}/dashboard`);
    expect(admin.url()).toBe(`${base}/dashboard/`);
    await admin.waitForSelector('#login', { visible: true });
    await logIn(admin, { token: 'not-the-admin-token' });
    await admin.waitForFunction(() => (document.getElementById('login-error')?.textContent ?? '') !== '');
    expect(await textOf(admin, '#login-error')).toContain('not the admin token');
    expect(await admin.$eval('#app', (node) => (node as unknown as { hidden: boolean }).hidden)).toBe(true);

    await logIn(admin, { token: ADMIN_TOKEN });
    await admin.waitForSelector('#app', { visible: true });
    expect(await textOf(admin, '#who')).toContain('admin');
    const cookie = (await admin.browserContext().cookies()).find((candidate) => candidate.name === 'brume_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    // The page never sees its session: the cookie is HttpOnly.
    expect(await admin.evaluate(() => document.cookie)).not.toContain('brume_session');
  });

  it('shows the tasks, the hosts with their inventory and last task, and the images with a verify that reports', async () => {
    await admin.waitForSelector('tr[data-task-id="1"] .badge.done');
    await admin.goto(`${base}/dashboard/#hosts`);
    await admin.waitForFunction(
      () =>
        document.querySelector('tr[data-host="pc-01"] td.inventory')?.textContent?.includes('OptiPlex 7010') === true,
    );
    expect(await textOf(admin, 'tr[data-host="pc-01"]')).toContain('52:54:00:00:00:01');
    expect(await textOf(admin, 'tr[data-host="pc-01"]')).toContain('room-1');
    expect(await textOf(admin, 'tr[data-host="pc-01"] td.inventory')).toContain('16.0 GiB RAM');
    await screenshot(admin, 'hosts');

    await admin.goto(`${base}/dashboard/#images`);
    await admin.waitForSelector('tr[data-image="room-image"]');
    const row = await textOf(admin, 'tr[data-image="room-image"]');
    expect(row).toContain('not checked');
    const [listed] = (await h.call('GET', '/images')).json<{ images: { partitions: number }[] }>().images;
    expect(await admin.$$eval('tr[data-image="room-image"] td', (cells) => cells[3]?.textContent)).toBe(
      String(listed!.partitions),
    );
    await admin.click('tr[data-image="room-image"] button.verify');
    await admin.waitForFunction(
      () => document.querySelector('tr[data-image="room-image"] .verify-state')?.textContent?.startsWith('ok') === true,
    );
    expect(await admin.$('tr[data-image="room-image"] button.danger')).not.toBeNull();
    await screenshot(admin, 'images');
  });

  it('creates a deploy task through the form: the server has it', async () => {
    await admin.goto(`${base}/dashboard/#actions`);
    await admin.waitForFunction(() => document.querySelectorAll('#task-form select[name=host] option').length === 3);
    await admin.select('#task-form select[name=kind]', 'deploy');
    await admin.select('#task-form select[name=target]', 'host');
    await admin.select('#task-form select[name=host]', 'pc-01');
    await admin.select('#task-form select[name=image]', 'room-image');
    // The agent needs the task's one-time token: the test reads it from the answer the page got, as the page did.
    const answer = admin.waitForResponse(
      (response) => response.url() === `${base}${API_PREFIX}/tasks` && response.request().method() === 'POST',
    );
    await admin.click('#task-form button[type=submit]');
    deploy = (await (await answer).json()) as TaskCreated;
    await admin.waitForFunction(
      () => document.querySelector('#task-form .result')?.textContent?.startsWith('Created task') === true,
    );
    await screenshot(admin, 'actions');

    const listed = (await h.call('GET', '/tasks?host=pc-01')).json<{ tasks: Task[] }>().tasks;
    expect(listed.map(({ id, kind, image, state }) => ({ id, kind, image, state }))).toEqual([
      { id: deploy.task.id, kind: 'deploy', image: 'room-image', state: 'queued' },
    ]);
  });

  it("builds the task form from the kinds the server declares: each kind, and each kind's own settings", async () => {
    const declared = (await h.call('GET', '/task-kinds'))
      .json<{ kinds: { kind: string }[] }>()
      .kinds.map((kind) => kind.kind);
    expect(
      await admin.$$eval('#task-form select[name=kind] option', (options) => options.map((option) => option.value)),
    ).toEqual(declared);
    const visible = async (selector: string): Promise<boolean> =>
      admin.$eval(selector, (node) => !(node.closest('label') as unknown as { hidden: boolean }).hidden);
    await admin.select('#task-form select[name=kind]', 'wipe');
    expect(
      await admin.$$eval('#task-form select[name=wipe-mode] option', (options) =>
        options.map((option) => option.value),
      ),
    ).toEqual(['fast', 'normal', 'full', 'secure']);
    expect([
      await visible('select[name=wipe-mode]'),
      await visible('select[name=image]'),
      await visible('input[name=recover-destination]'),
    ]).toEqual([true, false, false]);
    await admin.select('#task-form select[name=kind]', 'recover');
    expect([
      await visible('select[name=wipe-mode]'),
      await visible('input[name=recover-destination]'),
      await visible('input[name=recover-partition]'),
    ]).toEqual([false, true, true]);
    await admin.select('#task-form select[name=kind]', 'deploy');
    expect(await visible('select[name=image]')).toBe(true);
  });

  it("moves the task's progress bar live, without a reload, when its agent posts events", async () => {
    await admin.goto(`${base}/dashboard/#tasks`);
    const row = `tr[data-task-id="${deploy.task.id}"]`;
    await admin.waitForSelector(`${row} .badge.queued`);
    await admin.waitForSelector('#live.on');
    await admin.evaluate(() => (window['notReloaded'] = true));

    await postEvents(deploy, [
      { type: 'phase', ts: new Date().toISOString(), phase: 'restore', target: 'd1p1', message: 'restoring d1p1' },
      progress(100, 1000),
    ]);
    await admin.waitForSelector(`${row} .badge.running`);
    await admin.waitForSelector(`${row} .bar[aria-valuenow="10"]`);
    const before = await screenshot(admin, 'progress-10');
    const shareBefore = await paintedShare(admin, before, deploy.task.id);

    await postEvents(deploy, [
      progress(800, 1000),
      { type: 'log', ts: new Date().toISOString(), level: 'warn', message: 'a slow read at sector 42' },
    ]);
    await admin.waitForSelector(`${row} .bar[aria-valuenow="80"]`);
    const after = await screenshot(admin, 'progress-80');
    const shareAfter = await paintedShare(admin, after, deploy.task.id);

    expect(await admin.evaluate(() => window['notReloaded'])).toBe(true);
    expect(shareBefore).toBeGreaterThan(0.05);
    expect(shareBefore).toBeLessThan(0.15);
    expect(shareAfter).toBeGreaterThan(0.75);
    expect(shareAfter).toBeLessThan(0.85);
    expect(await textOf(admin, `${row} .phase`)).toBe('restoring d1p1');
    expect(await textOf(admin, `${row} .figures`)).toContain('50.0 MiB/s');
    expect(await textOf(admin, `${row} .problems`)).toContain('a slow read at sector 42');
  });

  it("keeps a technician's session from the admin's actions and refuses a cross-site request", async () => {
    const context = await browser.createBrowserContext();
    const tech = await context.newPage();
    await tech.goto(`${base}/dashboard/`);
    await tech.waitForSelector('#login', { visible: true });
    await logIn(tech, { name: TECH.name, password: 'wrong password' });
    await tech.waitForFunction(() => (document.getElementById('login-error')?.textContent ?? '') !== '');
    expect(await textOf(tech, '#login-error')).toContain('not valid');
    await tech.$eval('#login-password', (input) => ((input as unknown as { value: string }).value = ''));
    await tech.type('#login-password', TECH.password);
    await tech.click('#login button[type=submit]');
    await tech.waitForSelector('#app', { visible: true });
    expect(await textOf(tech, '#who')).toBe('tina (technician)');

    await tech.goto(`${base}/dashboard/#images`);
    await tech.waitForSelector('tr[data-image="room-image"] button.verify');
    expect(await tech.$('tr[data-image="room-image"] button.danger')).toBeNull();
    // The page's own fetch, with the cookie and its Origin: reading works, the admin's actions do not.
    const answers = await tech.evaluate(async () => {
      const status = async (method: string, path: string) => {
        const response = await fetch(`/api/v1${path}`, { method });
        return {
          status: response.status,
          code: ((await response.json().catch(() => ({}))) as { error?: { code: string } }).error?.code ?? null,
        };
      };
      return {
        hosts: await status('GET', '/hosts'),
        techs: await status('GET', '/techs'),
        deleteImage: await status('DELETE', '/images/room-image'),
      };
    });
    expect(answers).toEqual({
      hosts: { status: 200, code: null },
      techs: { status: 403, code: 'FORBIDDEN' },
      deleteImage: { status: 403, code: 'FORBIDDEN' },
    });
    expect((await h.call('GET', '/images/room-image')).statusCode).toBe(200);

    // The cookie sent from elsewhere (what SameSite=Strict already stops in a browser) is refused for changes.
    const session = (await context.cookies()).find((cookie) => cookie.name === 'brume_session')!.value;
    const body = JSON.stringify({ kind: 'wipe', host: 'pc-02', params: { mode: 'fast' } });
    const headers = { cookie: `brume_session=${session}`, 'content-type': 'application/json' };
    const crossSite = await fetch(`${base}${API_PREFIX}/tasks`, {
      method: 'POST',
      headers: { ...headers, origin: 'http://evil.example' },
      body,
    });
    const noOrigin = await fetch(`${base}${API_PREFIX}/tasks`, { method: 'POST', headers, body });
    const sameSite = await fetch(`${base}${API_PREFIX}/tasks`, {
      method: 'POST',
      headers: { ...headers, origin: base },
      body,
    });
    expect([crossSite.status, noOrigin.status, sameSite.status]).toEqual([403, 403, 201]);
    expect((await h.call('GET', '/tasks?host=pc-02')).json<{ tasks: Task[] }>().tasks).toHaveLength(1);
    await context.close();
  });

  it('starts a multicast session for a group through the form', async () => {
    await admin.goto(`${base}/dashboard/#actions`);
    await admin.waitForFunction(
      () => document.querySelectorAll('#multicast-form select[name=group] option').length === 1,
    );
    await admin.select('#multicast-form select[name=image]', 'room-image');
    await admin.select('#multicast-form select[name=target]', 'group');
    await admin.select('#multicast-form select[name=group]', 'room-1');
    await admin.type('#multicast-form input[name=maxBitrate]', '300m');
    await admin.click('#multicast-form button[type=submit]');
    await admin.waitForFunction(
      () => document.querySelector('#multicast-form .result')?.textContent?.startsWith('Multicast session') === true,
    );

    const [session] = (await h.call('GET', '/multicast')).json<{
      sessions: { image: string; settings: { maxBitrate: string }; receivers: { host: string }[] }[];
    }>().sessions;
    expect(session).toMatchObject({ image: 'room-image', settings: { maxBitrate: '300m' } });
    expect(session!.receivers.map((receiver) => receiver.host).sort()).toEqual(['pc-01', 'pc-02']);
    await admin.waitForSelector('#multicast-rows tr[data-session]');
  });

  it('logs out: the page returns to the login form, the stream ends and the cookie no longer works on the API', async () => {
    const session = (await admin.browserContext().cookies()).find((cookie) => cookie.name === 'brume_session')!.value;
    const stream = await fetch(`${base}/dashboard/events`, { headers: { cookie: `brume_session=${session}` } });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = stream.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('event: hello');

    await admin.click('#logout');
    await admin.waitForSelector('#login', { visible: true });
    expect(await textOf(admin, '#login-error')).toBe('Logged out.');
    // The stream another tab of this session held ends with the session.
    let ended = false;
    while (!ended) ended = (await reader.read()).done;

    const hosts = await fetch(`${base}${API_PREFIX}/hosts`, { headers: { cookie: `brume_session=${session}` } });
    expect(hosts.status).toBe(401);
    expect((await admin.browserContext().cookies()).some((cookie) => cookie.name === 'brume_session')).toBe(false);
  });
});
