import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskCreated } from '@brume/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../../test/fixtures/fake-image.ts';
import { openHarness, type Harness } from '../../../test/fakes/server-harness.ts';

const MAC = '52:54:00:aa:bb:01';

async function writeBootFiles(h: Harness): Promise<{ vmlinuz: Buffer; initrd: Buffer }> {
  const dir = join(h.dataDir, 'boot');
  await mkdir(dir, { recursive: true });
  const vmlinuz = randomBytes(300_000);
  const initrd = randomBytes(1_200_000);
  await writeFile(join(dir, 'vmlinuz'), vmlinuz);
  await writeFile(join(dir, 'initrd.zst'), initrd);
  return { vmlinuz, initrd };
}

async function hostWithTask(h: Harness, name: string, mac: string, image: string): Promise<TaskCreated> {
  expect((await h.call('POST', '/hosts', { body: { name, macs: [mac] } })).statusCode).toBe(201);
  const created = await h.call('POST', '/tasks', { body: { kind: 'capture', host: name, image } });
  expect(created.statusCode).toBe(201);
  return created.json<TaskCreated>();
}

const menu = (h: Harness, query: string, host = '10.0.0.5:8080') =>
  h.app.inject({ method: 'GET', url: `/boot/menu.ipxe${query}`, headers: { host } });
const tokenIn = (script: string): string => /brume\.token=(\S+)/.exec(script)?.[1] ?? '';
const agentTask = (h: Harness, id: number, token: string) => h.call('GET', `/agent/tasks/${id}`, { token });

describe('the boot files', () => {
  let h: Harness;
  let files: { vmlinuz: Buffer; initrd: Buffer };
  beforeAll(async () => {
    h = await openHarness();
    files = await writeBootFiles(h);
  });
  afterAll(async () => h.close());

  it('serves the kernel and the ramdisk whole, without a token, with their sha256 as a strong ETag', async () => {
    for (const [url, bytes] of [
      ['/boot/vmlinuz', files.vmlinuz],
      ['/boot/initrd.zst', files.initrd],
    ] as const) {
      const response = await h.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.rawPayload.equals(bytes), url).toBe(true);
      expect(response.headers.etag).toBe(`"${sha256(bytes)}"`);
      expect(response.headers['content-length']).toBe(String(bytes.length));
      expect(response.headers['accept-ranges']).toBe('bytes');
    }
  });

  it('answers a Range with 206, a HEAD with headers only, an If-None-Match that holds the ETag with 304', async () => {
    const ranged = await h.app.inject({
      method: 'GET',
      url: '/boot/initrd.zst',
      headers: { range: 'bytes=1000-4999' },
    });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 1000-4999/${files.initrd.length}`);
    expect(ranged.rawPayload.equals(files.initrd.subarray(1000, 5000))).toBe(true);
    const tail = await h.app.inject({ method: 'GET', url: '/boot/initrd.zst', headers: { range: 'bytes=-10' } });
    expect(tail.rawPayload.equals(files.initrd.subarray(-10))).toBe(true);

    const head = await h.app.inject({ method: 'HEAD', url: '/boot/vmlinuz' });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(files.vmlinuz.length));
    expect(head.rawPayload.length).toBe(0);

    const etag = `"${sha256(files.vmlinuz)}"`;
    expect(
      (await h.app.inject({ method: 'GET', url: '/boot/vmlinuz', headers: { 'if-none-match': etag } })).statusCode,
    ).toBe(304);
    const stale = await h.app.inject({
      method: 'GET',
      url: '/boot/vmlinuz',
      headers: { range: 'bytes=0-9', 'if-range': '"old"' },
    });
    expect(stale.statusCode).toBe(200);
    expect(
      (
        await h.app.inject({
          method: 'GET',
          url: '/boot/vmlinuz',
          headers: { range: `bytes=${files.vmlinuz.length}-` },
        })
      ).statusCode,
    ).toBe(416);
  });

  it('notices a rebuilt file: new bytes, new ETag, no restart', async () => {
    const rebuilt = randomBytes(files.vmlinuz.length);
    const dir = join(h.dataDir, 'boot');
    await writeFile(join(dir, 'vmlinuz.new'), rebuilt);
    await rename(join(dir, 'vmlinuz.new'), join(dir, 'vmlinuz'));
    const response = await h.app.inject({ method: 'GET', url: '/boot/vmlinuz' });
    expect(response.headers.etag).toBe(`"${sha256(rebuilt)}"`);
    expect(response.rawPayload.equals(rebuilt)).toBe(true);
    files.vmlinuz = rebuilt;
  });
});

describe('the boot menu', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness();
    await writeBootFiles(h);
  });
  afterAll(async () => h.close());

  it('gives a host with a queued task the ramdisk, with a fresh token that replaces the one given before', async () => {
    const created = await hostWithTask(h, 'pc-01', MAC, 'room-a');
    const response = await menu(h, `?mac=${MAC.toUpperCase()}&platform=pcbios`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.headers['cache-control']).toBe('no-store');
    const script = response.body;
    expect(script).toMatch(/^#!ipxe\n/);
    expect(script).toContain('set base http://10.0.0.5:8080\n');
    expect(script).toContain(`brume.server=http://10.0.0.5:8080 brume.task=${created.task.id} brume.token=`);
    expect(script).toContain('initrd ${base}/boot/initrd.zst');

    const token = tokenIn(script);
    expect(token).not.toBe(created.token);
    expect((await agentTask(h, created.task.id, created.token)).statusCode).toBe(401);
    expect((await agentTask(h, created.task.id, token)).statusCode).toBe(200);

    // Each boot gets its own token: the next fetch replaces this one in turn.
    const again = tokenIn((await menu(h, `?mac=${MAC}`)).body);
    expect(again).not.toBe(token);
    expect((await agentTask(h, created.task.id, token)).statusCode).toBe(401);
    expect((await agentTask(h, created.task.id, again)).statusCode).toBe(200);
  });

  it('gives a host whose task has started, an unknown MAC and a malformed one the menu, local disk by default, no token', async () => {
    const created = await hostWithTask(h, 'pc-02', '52:54:00:aa:bb:02', 'room-b');
    const started = await h.call('POST', `/tasks/${created.task.id}/events`, {
      token: created.token,
      body: { events: [{ type: 'log', ts: new Date().toISOString(), level: 'info', message: 'hello' }] },
    });
    expect(started.statusCode).toBe(200);
    for (const query of [
      '?mac=52:54:00:aa:bb:02',
      '?mac=52:54:00:00:00:99',
      '?mac=not-a-mac',
      '',
      '?mac=${net0/mac}',
    ]) {
      const response = await menu(h, `${query}${query === '' ? '?' : '&'}platform=efi`);
      expect(response.statusCode, query).toBe(200);
      expect(response.body, query).toMatch(/^#!ipxe\n/);
      expect(response.body, query).not.toMatch(/brume\.task=|brume\.token=/);
      expect(response.body, query).toContain(
        'choose --timeout 5000 --default brume_local brume_selected || goto brume_local\n',
      );
      expect(response.body, query).toContain('brume.mode=menu');
      expect(response.body.trimEnd().endsWith('exit 1'), query).toBe(true);
      // Quick registration is for PCs the server does not know.
      expect(response.body.includes('item brume_register Quick registration'), query).toBe(
        query !== '?mac=52:54:00:aa:bb:02',
      );
    }
    // The running agent keeps its token.
    expect((await agentTask(h, created.task.id, created.token)).statusCode).toBe(200);
  });

  it('offers memtest86+ for the platform when the server has that build', async () => {
    await writeFile(join(h.dataDir, 'boot', 'memtest86+x64.efi'), 'efi build');
    try {
      const efi = (await menu(h, '?mac=52:54:00:00:00:98&platform=efi')).body;
      expect(efi).toContain('item brume_memtest Memory test (memtest86+)\n');
      expect(efi).toContain(
        ':brume_memtest\nchain ${base}/boot/memtest86+x64.efi console=ttyS0,115200 || goto brume_failed\n',
      );
      // No BIOS build on this server: a BIOS PC is not offered what it cannot start.
      expect((await menu(h, '?mac=52:54:00:00:00:98&platform=pcbios')).body).not.toContain('memtest');
      expect((await h.app.inject({ method: 'GET', url: '/boot/memtest86+x64.efi' })).body).toBe('efi build');
    } finally {
      await rm(join(h.dataDir, 'boot', 'memtest86+x64.efi'));
    }
  });

  it('puts --public-url on the command line instead of the Host the PC used', async () => {
    const other = await openHarness(undefined, true, { publicUrl: 'http://imaging.school.example:9000' });
    try {
      await writeBootFiles(other);
      const created = await hostWithTask(other, 'pc-03', '52:54:00:aa:bb:03', 'room-c');
      const script = (await menu(other, '?mac=52:54:00:aa:bb:03')).body;
      expect(script).toContain('set base http://imaging.school.example:9000\n');
      expect(script).toContain(`brume.server=http://imaging.school.example:9000 brume.task=${created.task.id} `);
      expect(script).not.toContain('10.0.0.5');
    } finally {
      await other.close();
    }
  });
});

describe('a server without boot files', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness();
  });
  afterAll(async () => h.close());

  it('answers 404 BOOT_FILES_MISSING, telling how to build them', async () => {
    for (const method of ['GET', 'HEAD'] as const) {
      const response = await h.app.inject({ method, url: '/boot/initrd.zst' });
      expect(response.statusCode, method).toBe(404);
      if (method === 'GET') {
        expect(response.json().error.code).toBe('BOOT_FILES_MISSING');
        expect(response.json().error.message).toContain('npm run build:boot');
      }
    }
  });

  it('gives a host with a queued task only the local disk and keeps the task and its token as they were', async () => {
    const created = await hostWithTask(h, 'pc-04', '52:54:00:aa:bb:04', 'room-d');
    const script = (await menu(h, '?mac=52:54:00:aa:bb:04')).body;
    expect(script).not.toContain('kernel');
    expect(script).not.toContain('item brume_menu');
    expect(script).toContain('lacks vmlinuz and initrd.zst');
    expect((await agentTask(h, created.task.id, created.token)).statusCode).toBe(200);
  });
});

describe('menu settings', () => {
  it('registers unknown PCs by default with --unknown-hosts register, and skips the menu with --menu-timeout 0', async () => {
    const other = await openHarness(undefined, true, { unknownHosts: 'register', menuTimeoutSeconds: 0 });
    try {
      await writeBootFiles(other);
      const script = (await menu(other, '?mac=52:54:00:00:00:42&platform=pcbios')).body;
      expect(script).toContain('goto brume_register\n');
      expect(script).not.toContain('choose');
      expect(script).toMatch(
        /:brume_register\nkernel \$\{base\}\/boot\/vmlinuz .* brume\.server=http:\/\/[^ ]+ brume\.action=register \|\| goto brume_failed\n/,
      );
    } finally {
      await other.close();
    }
  });
});
