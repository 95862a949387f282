// /metrics of the real `brume server` over HTTP, parsed from the Prometheus text format by a small parser written
// here (prom-client's registry renders the format; it does not parse it): the figures move as tasks are made, an
// image is uploaded and its files are served.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeImage } from '../fixtures/fake-image.ts';
import { apiClient, startServerProcess, type ServerProcess } from '../support/server-process.ts';

const work = mkdtempSync(join(tmpdir(), 'brume-metrics-'));
let server: ServerProcess;
let admin: ReturnType<typeof apiClient>;

interface Scrape {
  /** Sample values by `name{label="value",…}`, labels sorted by name. */
  samples: Map<string, number>;
  /** `# TYPE` of each metric family. */
  types: Map<string, string>;
}

/** The text exposition format (version 0.0.4): `# HELP`/`# TYPE` lines, then `name{labels} value` per sample. */
function parsePrometheusText(text: string): Scrape {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type !== null) types.set(type[1] as string, type[2] as string);
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)(?: [0-9]+)?$/.exec(line);
    if (sample === null) throw new Error(`not a sample line: ${line}`);
    const labels = [...(sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map(([, name, value]) => `${name}="${value}"`)
      .sort();
    // Go's ParseFloat, as Prometheus reads them: Inf and NaN in any case (prom-client writes "Nan").
    const text = (sample[3] as string).toLowerCase();
    const value =
      text === '+inf' || text === 'inf'
        ? Infinity
        : text === '-inf'
          ? -Infinity
          : text === 'nan'
            ? Number.NaN
            : Number(text);
    if (Number.isNaN(value) && text !== 'nan') throw new Error(`not a sample value: ${line}`);
    samples.set(`${sample[1]}${labels.length === 0 ? '' : `{${labels.join(',')}}`}`, value);
  }
  return { samples, types };
}

async function scrape(
  token: string | null = server.adminToken,
): Promise<{ status: number; contentType: string | null; scrape: Scrape }> {
  const response = await fetch(`${server.url}/metrics`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    scrape: response.status === 200 ? parsePrometheusText(text) : { samples: new Map(), types: new Map() },
  };
}

async function value(key: string): Promise<number | undefined> {
  return (await scrape()).scrape.samples.get(key);
}

beforeAll(async () => {
  server = await startServerProcess(join(work, 'data'));
  admin = apiClient(server.url, server.adminToken);
  expect((await admin.post('/hosts', { name: 'pc-01', macs: ['52:54:00:00:09:01'] })).status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('GET /metrics', () => {
  it('wants the admin token as a bearer token, and refuses another', async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('not-the-token')).status).toBe(401);
    const answer = await scrape();
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('starts at zero, with every kind and state present, and the server and process described', async () => {
    const { samples, types } = (await scrape()).scrape;
    expect(samples.get('brume_tasks{kind="capture",state="queued"}')).toBe(0);
    expect(samples.get('brume_tasks{kind="surface-test",state="failed"}')).toBe(0);
    expect(samples.get('brume_multicast_sessions{state="sending"}')).toBe(0);
    expect(samples.get('brume_images')).toBe(0);
    expect(samples.get('brume_image_store_bytes')).toBe(0);
    expect(samples.get('brume_image_bytes_served_total')).toBe(0);
    expect(samples.get('brume_upload_bytes_received_total')).toBe(0);
    expect(samples.get('brume_agents_active')).toBe(0);
    expect(samples.get('brume_hosts')).toBe(1);
    expect(samples.get('brume_server_info{version="0.1.0"}')).toBe(1);
    expect(samples.get('brume_data_filesystem_bytes{kind="available"}')).toBeGreaterThan(0);
    expect(samples.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(types.get('brume_tasks')).toBe('gauge');
    expect(types.get('brume_image_bytes_served_total')).toBe('counter');
  });

  it('follows a capture: queued, running with an active agent, uploaded bytes, a published image, done', async () => {
    const image = fakeImage('metrics-master');
    const task = await admin.createTask('capture', 'pc-01', 'metrics-master');
    expect(await value('brume_tasks{kind="capture",state="queued"}')).toBe(1);

    const agent = { authorization: `Bearer ${task.token}` };
    const event = { type: 'phase', ts: new Date().toISOString(), phase: 'capture', message: 'capturing d1p1' };
    const posted = await fetch(`${server.url}/api/v1/tasks/${task.id}/events`, {
      method: 'POST',
      headers: { ...agent, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [event] }),
    });
    expect(posted.status).toBe(200);
    let after = (await scrape()).scrape.samples;
    expect(after.get('brume_tasks{kind="capture",state="queued"}')).toBe(0);
    expect(after.get('brume_tasks{kind="capture",state="running"}')).toBe(1);
    expect(after.get('brume_agents_active')).toBe(1);

    let sent = 0;
    for (const chunk of image.chunks) {
      const put = await fetch(`${server.url}/api/v1/uploads/${task.id}/${chunk.file}?chunk=${chunk.index}`, {
        method: 'PUT',
        body: chunk.data,
        headers: {
          ...agent,
          'content-type': 'application/octet-stream',
          'x-brume-sha256': chunk.sha256,
          'x-brume-offset': String(chunk.offset),
        },
      });
      expect(put.status).toBe(201);
      sent += chunk.data.length;
    }
    expect(await value('brume_upload_bytes_received_total')).toBe(sent);

    const commit = await fetch(`${server.url}/api/v1/uploads/${task.id}/commit`, {
      method: 'POST',
      headers: { ...agent, 'content-type': 'application/json' },
      body: JSON.stringify({ manifest: image.manifest }),
    });
    expect(commit.status).toBe(200);
    // What a capture's agent reports (the server checks the result against the kind's schema).
    const captureResult = {
      image: image.manifest.name,
      disk: '/dev/sda',
      partitions: image.manifest.partitions.length,
      rawBytes: 8192,
      storedBytes: sent,
      seconds: 1,
    };
    const complete = await fetch(`${server.url}/api/v1/tasks/${task.id}/complete`, {
      method: 'POST',
      headers: { ...agent, 'content-type': 'application/json' },
      body: JSON.stringify({ result: captureResult }),
    });
    expect(complete.status).toBe(200);

    const listed = await admin.get<{ images: { storedBytes: number; rawBytes: number }[] }>('/images');
    after = (await scrape()).scrape.samples;
    expect(after.get('brume_tasks{kind="capture",state="running"}')).toBe(0);
    expect(after.get('brume_tasks{kind="capture",state="done"}')).toBe(1);
    expect(after.get('brume_agents_active')).toBe(0);
    expect(after.get('brume_images')).toBe(1);
    expect(after.get('brume_image_store_bytes')).toBe(listed.body.images[0]?.storedBytes);
    expect(after.get('brume_image_store_bytes')).toBeGreaterThan(0);
    expect(after.get('brume_image_raw_bytes')).toBe(listed.body.images[0]?.rawBytes);
  });

  it('counts the image bytes served to a deploy, whole files and ranges', async () => {
    const task = await admin.createTask('deploy', 'pc-01', 'metrics-master');
    const before = (await value('brume_image_bytes_served_total')) ?? Number.NaN;
    const agent = { authorization: `Bearer ${task.token}` };
    const whole = await fetch(`${server.url}/api/v1/images/metrics-master/files/d1p1.pc.zst`, { headers: agent });
    const wholeBytes = (await whole.arrayBuffer()).byteLength;
    expect(whole.status).toBe(200);
    const range = await fetch(`${server.url}/api/v1/images/metrics-master/files/d1.boot`, {
      headers: { ...agent, range: 'bytes=100-1123' },
    });
    expect(range.status).toBe(206);
    expect((await range.arrayBuffer()).byteLength).toBe(1024);
    expect(await value('brume_image_bytes_served_total')).toBe(before + wholeBytes + 1024);
    expect(await value('brume_tasks{kind="deploy",state="queued"}')).toBe(1);
  });
});
