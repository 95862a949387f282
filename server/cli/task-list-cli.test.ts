import type { Task, TaskCreated } from '@brume/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, openHarness, type Harness } from '../../test/fakes/server-harness.ts';
import { sampleWipeResult, wipePass } from '../../test/fixtures/sample-results.ts';
import { runAdminCli } from './main.ts';

/** `brume task list --since …` against a listening server whose clock the test sets back for the older tasks. */
let h: Harness;
let url: string;
let offsetMs = 0;
const serverNow = (): string => new Date(Date.now() - offsetMs).toISOString();
const ids: Record<'old' | 'wipe' | 'inventory', number> = { old: 0, wipe: 0, inventory: 0 };

async function brume(argv: string[]): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  const printed = { code: undefined as number | undefined, stdout: '', stderr: '' };
  const term = {
    out: (text: string) => void (printed.stdout += text),
    err: (text: string) => void (printed.stderr += text),
    tty: undefined,
  };
  printed.code = await runAdminCli(argv, { term, env: { BRUME_SERVER: url, BRUME_TOKEN: ADMIN_TOKEN }, pollMs: 40 });
  return printed;
}

beforeAll(async () => {
  h = await openHarness(undefined, true, {}, serverNow);
  url = await h.app.listen({ host: '127.0.0.1', port: 0 });
  expect((await h.call('POST', '/hosts', { body: { name: 'pc-01', macs: ['52:54:00:00:06:01'] } })).statusCode).toBe(
    201,
  );
  const create = async (kind: string, params: Record<string, unknown> = {}): Promise<TaskCreated> =>
    (await h.call('POST', '/tasks', { body: { kind, host: 'pc-01', params } })).json<TaskCreated>();
  offsetMs = 5 * 24 * 3600 * 1000;
  ids.old = (await create('inventory')).task.id;
  offsetMs = 10 * 60_000;
  const wipe = await create('wipe', { mode: 'fast' });
  ids.wipe = wipe.task.id;
  expect(
    (
      await h.call('POST', `/tasks/${wipe.task.id}/events`, {
        token: wipe.token,
        body: { events: [{ type: 'phase', ts: serverNow(), phase: 'wipe', message: 'signatures' }] },
      })
    ).statusCode,
  ).toBe(200);
  offsetMs = 0;
  const result = sampleWipeResult({
    mode: 'fast',
    bytes: 1024 ** 3,
    passes: [wipePass('signatures', 0), wipePass('discard', 600 * 1024 ** 2)],
  });
  expect(
    (await h.call('POST', `/tasks/${wipe.task.id}/complete`, { token: wipe.token, body: { result } })).statusCode,
  ).toBe(200);
  ids.inventory = (await create('inventory')).task.id;
});

afterAll(async () => {
  await h.close();
});

describe('brume task list --since', () => {
  it('lists only the tasks created in the span, with what each moved and how fast', async () => {
    const listed = await brume(['task', 'list', '--since', '3d']);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s*ID\s+KIND\s+HOST\s+IMAGE\s+STATE\s+CREATED\s+DURATION\s+MOVED\s+RATE\s+STAGE$/);
    expect(lines.slice(1).map((line) => Number(line.trim().split(/\s+/)[0]))).toEqual([ids.inventory, ids.wipe]);
    // 600 MiB in the 10 minutes the server's clock says it ran (and the few ms the test itself took).
    expect(lines[2]).toMatch(/wipe\s+pc-01\s+-\s+done\s+.*10m0\ds\s+600\.0 MiB\s+(1\.0 MiB|10\d\d\.\d KiB)\/s\s+wipe$/);
  });

  it('takes --kind and --json, and a local date', async () => {
    const json = await brume(['task', 'list', '--since', '1h', '--kind', 'inventory', '--json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { tasks: Task[] }).tasks.map((task) => task.id)).toEqual([ids.inventory]);
    const day = new Date(Date.now() - 10 * 24 * 3600 * 1000);
    const date = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
    const all = await brume(['task', 'list', '--since', date, '--json']);
    expect((JSON.parse(all.stdout) as { tasks: Task[] }).tasks.map((task) => task.id)).toEqual([
      ids.inventory,
      ids.wipe,
      ids.old,
    ]);
  });

  it('refuses a --since it cannot read, with exit 2, before asking the server', async () => {
    const refused = await brume(['task', 'list', '--since', 'last week']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^brume task list: --since: a span such as 12h/);
  });
});
