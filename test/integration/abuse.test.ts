// The server held against abuse, over real HTTP against the real `brume server`: a dismissed technician's sessions, a
// login flood, files other users could read, bad input that used to reach a 500 or a stuck task, anonymous writes.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostDetail, PinCreated, TaskCreated, TechSession } from '@brume/protocol';
import { fakeImage } from '../fixtures/fake-image.ts';
import { sampleInventory } from '../fixtures/sample-inventory.ts';
import { runBrume } from '../support/brume-cli.ts';
import { apiClient, startServerProcess, type ServerProcess } from '../support/server-process.ts';

const work = mkdtempSync(join(tmpdir(), 'brume-abuse-'));
const dataDir = join(work, 'data');
const bootDir = join(work, 'boot');
let server: ServerProcess;
let admin: ReturnType<typeof apiClient>;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => { error?: { code: string; message: string } } & Record<string, unknown>;
}

/** One request by node:http, so a test can choose its source address (127.0.0.x) and its Host header. */
function call(
  method: string,
  path: string,
  init: {
    token?: string;
    cookie?: string;
    body?: unknown;
    raw?: string;
    headers?: Record<string, string>;
    from?: string;
  } = {},
): Promise<Answer> {
  const url = new URL(
    path.startsWith('/') && !path.startsWith('/api/') && !path.startsWith('/boot/') && !path.startsWith('/dashboard/')
      ? `${server.url}/api/v1${path}`
      : `${server.url}${path}`,
  );
  const payload = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const headers: Record<string, string> = {
    ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    ...init.headers,
  };
  if (init.token !== undefined) headers['authorization'] = `Bearer ${init.token}`;
  if (init.cookie !== undefined) headers['cookie'] = init.cookie;
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      { method, headers, ...(init.from === undefined ? {} : { localAddress: init.from }), agent: false },
      (response) => {
        const pieces: Buffer[] = [];
        response.on('data', (piece: Buffer) => pieces.push(piece));
        response.on('end', () => {
          const text = Buffer.concat(pieces).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            json: () => JSON.parse(text) as ReturnType<Answer['json']>,
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.setTimeout(60_000, () => outgoing.destroy(new Error(`${method} ${path}: no answer within 60 s`)));
    outgoing.end(payload);
  });
}

const sameOrigin = (): Record<string, string> => ({ origin: server.url });
const brume = (args: string[]) => runBrume(args, { BRUME_SERVER: server.url, BRUME_TOKEN: server.adminToken });

async function newPin(uses = 10): Promise<string> {
  return PinCreated.parse((await admin.post('/techs/pins', { ttlMinutes: 30, uses })).body).pin;
}

beforeAll(async () => {
  // DATA made by hand, 0755, with a database and a file left 0644 by an older server: the start must close them.
  mkdirSync(dataDir, { mode: 0o755 });
  chmodSync(dataDir, 0o755);
  mkdirSync(join(dataDir, 'images', 'old'), { recursive: true, mode: 0o755 });
  writeFileSync(join(dataDir, 'images', 'old', 'leftover.txt'), 'left by hand', { mode: 0o644 });
  mkdirSync(bootDir);
  writeFileSync(join(bootDir, 'vmlinuz'), randomBytes(1024));
  writeFileSync(join(bootDir, 'initrd.zst'), randomBytes(8 * 1024 * 1024));
  server = await startServerProcess(dataDir, 0, ['--boot', bootDir, '--allow-host', 'brume.test']);
  admin = apiClient(server.url, server.adminToken);
  expect((await admin.post('/hosts', { name: 'pc-01', macs: ['52:54:00:00:18:01'] })).status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('a dismissed technician, a revoked PIN', () => {
  it('bob deleted: his PC session and his dashboard cookie get 401 at once', async () => {
    expect(
      (await call('POST', '/techs', { token: server.adminToken, body: { name: 'bob', password: 'bob-password-1' } }))
        .status,
    ).toBe(201);
    const pc = TechSession.parse(
      (await call('POST', '/agent/tech-login', { body: { name: 'bob', password: 'bob-password-1' } })).json(),
    );
    const login = await call('POST', '/dashboard/login', {
      body: { name: 'bob', password: 'bob-password-1' },
      headers: sameOrigin(),
    });
    expect(login.status, login.text).toBe(200);
    const cookie = String(login.headers['set-cookie']).split(';')[0] ?? '';
    expect((await call('GET', '/agent/images', { token: pc.token })).status).toBe(200);
    expect((await call('GET', '/tasks', { cookie })).status).toBe(200);

    const deleted = await brume(['tech', 'delete', 'bob']);
    expect(deleted.code, deleted.stderr).toBe(0);
    const pcAfter = await call('GET', '/agent/images', { token: pc.token });
    const dashboardAfter = await call('POST', '/tasks', {
      cookie,
      headers: sameOrigin(),
      body: { kind: 'wipe', host: 'pc-01' },
    });
    expect([pcAfter.status, pcAfter.json().error?.code]).toEqual([401, 'UNAUTHORIZED']);
    expect([dashboardAfter.status, dashboardAfter.json().error?.code]).toEqual([401, 'UNAUTHORIZED']);
  });

  it('brume tech pin revoke PIN ends that PIN and its PC sessions; --all ends every PIN', async () => {
    const [first, second] = [await newPin(), await newPin()];
    const session = TechSession.parse((await call('POST', '/agent/tech-login', { body: { pin: first } })).json());
    const other = TechSession.parse((await call('POST', '/agent/tech-login', { body: { pin: second } })).json());
    const revoked = await brume(['tech', 'pin', 'revoke', first]);
    expect([revoked.code, revoked.stdout]).toEqual([0, 'revoked 1 PIN; 1 PC session ended\n']);
    expect((await call('GET', '/agent/images', { token: session.token })).status).toBe(401);
    expect((await call('POST', '/agent/tech-login', { body: { pin: first } })).status).toBe(401);
    expect((await call('GET', '/agent/images', { token: other.token })).status).toBe(200);
    expect((await brume(['tech', 'pin', 'revoke', '--all'])).code).toBe(0);
    expect((await call('GET', '/agent/images', { token: other.token })).status).toBe(401);
  });
});

describe('a login flood', () => {
  it('60 concurrent logins with unknown names from 60 addresses do not starve a download: at most a few are hashed at once', async () => {
    const logins = Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        call('POST', '/agent/tech-login', {
          from: `127.0.1.${index + 1}`,
          body: { name: `nobody-${index}`, password: 'whatever-it-is' },
        }),
      ),
    );
    const started = Date.now();
    const download = await call('GET', '/boot/initrd.zst');
    const downloadMs = Date.now() - started;
    const answers = await logins;
    expect(download.status).toBe(200);
    // Before the bound, 60 scrypt hashes held libuv's four threads and this took over 20 s; a generous bound for a loaded machine.
    expect(downloadMs).toBeLessThan(10_000);
    const tooMany = answers.filter((answer) => answer.status === 429);
    expect(answers.every((answer) => answer.status === 401 || answer.status === 429)).toBe(true);
    expect(tooMany.every((answer) => answer.json().error?.code === 'TOO_MANY_ATTEMPTS')).toBe(true);
  });
  it('60 concurrent wrong passwords: some get 429; a PC at another address and the admin token still log in', async () => {
    expect((await admin.post('/techs', { name: 'carol', password: 'carol-password-1' })).status).toBe(201);
    const flood = await Promise.all(
      Array.from({ length: 60 }, () =>
        call('POST', '/agent/tech-login', { from: '127.0.0.2', body: { name: 'carol', password: 'wrong-password' } }),
      ),
    );
    const statuses = flood.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 429).length, statuses.join(' ')).toBeGreaterThanOrEqual(50);
    expect(
      statuses.every((status) => status === 401 || status === 429),
      statuses.join(' '),
    ).toBe(true);
    // Ten more wrong PINs from the flooding address: the room's PCs elsewhere are not locked out.
    for (let guess = 0; guess < 10; guess += 1)
      await call('POST', '/agent/tech-login', { from: '127.0.0.2', body: { pin: '000000' } });
    const pin = await newPin();
    expect((await call('POST', '/agent/tech-login', { from: '127.0.0.3', body: { pin } })).status).toBe(200);
    const dashboard = await call('POST', '/dashboard/login', {
      from: '127.0.0.2',
      body: { token: server.adminToken },
      headers: sameOrigin(),
    });
    expect(dashboard.status, dashboard.text).toBe(200);
  });
});

describe('DATA and its files', () => {
  it('DATA that existed 0755 is 0700, and every file in it 0600, the database, its WAL and the secrets included', async () => {
    const upload = fakeImage('modes', [[1000]]);
    const created = TaskCreated.parse(
      (await admin.post('/tasks', { kind: 'capture', host: 'pc-01', image: 'modes' })).body,
    );
    for (const chunk of upload.chunks) {
      const put = await fetch(`${server.url}/api/v1/uploads/${created.task.id}/${chunk.file}?chunk=${chunk.index}`, {
        method: 'PUT',
        body: chunk.data,
        headers: {
          authorization: `Bearer ${created.token}`,
          'content-type': 'application/octet-stream',
          'x-brume-sha256': chunk.sha256,
          'x-brume-offset': String(chunk.offset),
        },
      });
      expect(put.status).toBe(201);
    }
    expect(
      (
        await call('POST', `/uploads/${created.task.id}/commit`, {
          token: created.token,
          body: { manifest: upload.manifest },
        })
      ).status,
    ).toBe(200);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          expect(statSync(path).mode & 0o777, path).toBe(0o700);
          walk(path);
        } else files.push(path);
      }
    };
    walk(dataDir);
    for (const name of [
      'brume.db',
      'brume.db-wal',
      'brume.db-shm',
      'admin.token',
      'pin.secret',
      'images/modes/manifest.json',
      'images/old/leftover.txt',
    ])
      expect(files).toContain(join(dataDir, name));
    for (const file of files) expect(statSync(file).mode & 0o777, file).toBe(0o600);
  });

  // Root-owned and open to all (0777), run as nobody: the server could write there but cannot make it private.
  it.skipIf(process.getuid?.() !== 0)(
    'refuses to start, saying why, in a DATA wider than 0700 that it cannot make private',
    async () => {
      const wide = join(work, 'wide');
      mkdirSync(wide);
      chmodSync(work, 0o755);
      chmodSync(wide, 0o777);
      const brumeBin = join(import.meta.dirname, '../../bin/brume');
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(
          'setpriv',
          [
            '--reuid=65534',
            '--regid=65534',
            '--clear-groups',
            brumeBin,
            'server',
            '--data',
            wide,
            '--listen',
            '127.0.0.1:0',
          ],
          { timeout: 30_000 },
          (error, _stdout, stderr) =>
            resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stderr }),
        );
      });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/DATA .*wide is readable by other users and cannot be made private/);
    },
  );

  it('never writes the admin token to the log: it says where the file is', () => {
    const log = server.log.join('\n');
    expect(log).not.toContain(server.adminToken);
    expect(log).toContain(`admin token created in ${join(dataDir, 'admin.token')}`);
  });
});

describe('bad input', () => {
  it('JSON nested 5,000 deep in /complete and /fail is a 400, and the task still completes afterwards', async () => {
    const created = TaskCreated.parse((await admin.post('/tasks', { kind: 'inventory', host: 'pc-01' })).body);
    expect((await call('GET', `/agent/tasks/${created.task.id}`, { token: created.token })).status).toBe(200);
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const complete = await call('POST', `/tasks/${created.task.id}/complete`, {
      token: created.token,
      raw: `{"result":{"inventory":${deep}},"logs":[]}`,
    });
    const fail = await call('POST', `/tasks/${created.task.id}/fail`, {
      token: created.token,
      raw: `{"error":{"code":"TOOL_FAILED","message":"x","detail":${deep}}}`,
    });
    expect([complete.status, complete.json().error?.code]).toEqual([400, 'BAD_REQUEST']);
    expect([fail.status, fail.json().error?.code]).toEqual([400, 'BAD_REQUEST']);
    const done = await call('POST', `/tasks/${created.task.id}/complete`, {
      token: created.token,
      body: { result: { inventory: sampleInventory(), warnings: [] } },
    });
    expect([done.status, done.json()['state']]).toEqual([200, 'done']);
  });

  it('ids such as 0x3, 3.0 or 03 are not 3', async () => {
    const { task } = TaskCreated.parse((await admin.post('/tasks', { kind: 'inventory', host: 'pc-01' })).body);
    expect((await call('GET', `/tasks/${task.id}`, { token: server.adminToken })).status).toBe(200);
    for (const id of [`0x${task.id.toString(16)}`, `${task.id}.0`, `0${task.id}`, `${task.id}e0`])
      expect((await call('GET', `/tasks/${id}`, { token: server.adminToken })).status, id).toBe(400);
    await call('POST', `/tasks/${task.id}/cancel`, { token: server.adminToken });
  });

  it('a partition with a file but no chunk is refused at commit, not published', async () => {
    const image = fakeImage('hollow', [[1000], []]);
    const created = TaskCreated.parse(
      (await admin.post('/tasks', { kind: 'capture', host: 'pc-01', image: 'hollow' })).body,
    );
    for (const chunk of image.chunks) {
      const put = await fetch(`${server.url}/api/v1/uploads/${created.task.id}/${chunk.file}?chunk=${chunk.index}`, {
        method: 'PUT',
        body: chunk.data,
        headers: {
          authorization: `Bearer ${created.token}`,
          'content-type': 'application/octet-stream',
          'x-brume-sha256': chunk.sha256,
          'x-brume-offset': String(chunk.offset),
        },
      });
      expect(put.status).toBe(201);
    }
    const commit = await call('POST', `/uploads/${created.task.id}/commit`, {
      token: created.token,
      body: { manifest: image.manifest },
    });
    expect([commit.status, commit.json().error?.code]).toEqual([400, 'MANIFEST_INVALID']);
    expect((await admin.get('/images/hollow')).status).toBe(404);
  });

  it('answers nosniff', async () => {
    expect((await call('GET', '/health')).headers['x-content-type-options']).toBe('nosniff');
    expect((await call('GET', '/boot/vmlinuz')).headers['x-content-type-options']).toBe('nosniff');
  });

  it('a client that hangs up mid-body is not an internal error', async () => {
    await new Promise<void>((resolve) => {
      const outgoing = httpRequest(`${server.url}/api/v1/hosts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.adminToken}`,
          'content-type': 'application/json',
          'content-length': '1000',
        },
      });
      outgoing.on('error', () => resolve());
      outgoing.write('{"name":"half');
      setTimeout(() => {
        outgoing.destroy();
        resolve();
      }, 300);
    });
    const logged = async (): Promise<string> => {
      for (let waited = 0; waited < 10_000; waited += 100) {
        const log = server.log.join('\n');
        if (log.includes('the client closed the connection')) return log;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return server.log.join('\n');
    };
    const log = await logged();
    expect(log).toContain('the client closed the connection');
    expect(log).not.toContain('internal error');
  });
});

describe('anonymous writes', () => {
  it("a known MAC's anonymous registration does not change the host's inventory; its task's token does", async () => {
    const nics = [
      { name: 'eno1', mac: '52:54:00:00:18:01', driver: null, speedMbps: null, link: true, ipv4: ['10.9.9.9/8'] },
    ];
    const inventories = async (): Promise<number> =>
      HostDetail.parse((await admin.get('/hosts/pc-01')).body).inventories.length;
    const before = await inventories();
    const anonymous = await call('POST', '/agent/register', { body: { inventory: sampleInventory({ nics }) } });
    expect([anonymous.status, anonymous.json().error?.code]).toEqual([401, 'UNAUTHORIZED']);
    expect(await inventories()).toBe(before);
    const grouped = await call('POST', '/agent/register', {
      body: {
        name: 'new-pc',
        group: 'lab',
        inventory: sampleInventory({ nics: [{ ...nics[0]!, mac: '52:54:00:00:18:99' }] }),
      },
    });
    expect(grouped.status).toBe(401);
    expect((await admin.get('/hosts/new-pc')).status).toBe(404);

    const task = TaskCreated.parse((await admin.post('/tasks', { kind: 'inventory', host: 'pc-01' })).body);
    const vouched = await call('POST', '/agent/register', {
      token: task.token,
      body: { inventory: sampleInventory({ nics }) },
    });
    expect(vouched.status, vouched.text).toBe(200);
    expect(await inventories()).toBe(before + 1);
    await call('POST', `/tasks/${task.task.id}/fail`, {
      token: task.token,
      body: { error: { code: 'TOOL_FAILED', message: 'done with it' } },
    });
    // A technician logged in at the PC vouches for it too.
    const session = TechSession.parse(
      (await call('POST', '/agent/tech-login', { body: { pin: await newPin() } })).json(),
    );
    expect(
      (await call('POST', '/agent/register', { token: session.token, body: { inventory: sampleInventory({ nics }) } }))
        .status,
    ).toBe(200);
    expect(await inventories()).toBe(before + 2);
  });

  it('a Host header naming another server (DNS rebinding) is refused with 421; --allow-host names are served', async () => {
    const rebound = await call('GET', '/health', { headers: { host: 'attacker.example' } });
    expect([rebound.status, rebound.json().error?.code]).toEqual([421, 'HOST_NOT_ALLOWED']);
    expect((await call('GET', '/health', { headers: { host: 'brume.test' } })).status).toBe(200);
  });
});
