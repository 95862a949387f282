import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Schedule, ScheduleDetail, WakeReport } from '@brume/protocol';
import { CONFIG_DEFAULTS } from '../src/config.ts';
import { startServer, type RunningServer } from '../src/main.ts';
import { runAdminCli } from './main.ts';
import type { Terminal } from './output.ts';

/** `brume schedule …` and `brume host wake` against the real server on 127.0.0.1 (which listens on loopback: no packet is sent). */

let server: RunningServer;
let dataDir: string;

async function brume(argv: string[]): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  const printed = { code: undefined as number | undefined, stdout: '', stderr: '' };
  const term: Terminal = {
    out: (text) => void (printed.stdout += text),
    err: (text) => void (printed.stderr += text),
    tty: undefined,
  };
  printed.code = await runAdminCli(argv, {
    term,
    env: { BRUME_SERVER: server.url, BRUME_TOKEN: server.adminToken },
    pollMs: 40,
  });
  return printed;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'brume-cli-schedules-'));
  server = await startServer(
    {
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      publicUrl: null,
      bootDir: join(dataDir, 'boot'),
      ...CONFIG_DEFAULTS,
    },
    { announce: () => undefined, logger: false },
  );
  for (const [name, mac] of [
    ['pc-01', '52:54:00:ee:00:01'],
    ['pc-02', '52:54:00:ee:00:02'],
  ] as const) {
    expect((await brume(['host', 'add', name, '--mac', mac])).code).toBe(0);
  }
  expect((await brume(['group', 'add', 'lab', '--hosts', 'pc-01,pc-02'])).code).toBe(0);
});

afterAll(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('brume schedule', () => {
  it('adds a repeating schedule, lists it, shows it, pauses, resumes and deletes it', async () => {
    const added = await brume([
      'schedule',
      'add',
      '--group',
      'lab',
      '--task',
      'inventory',
      '--cron',
      '0 2 * * 1-5',
      '--tz',
      'Europe/Paris',
    ]);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toMatch(
      /^added schedule (\d+): inventory for group lab, next \d{4}-\d\d-\d\d 02:00 Europe\/Paris\n$/,
    );
    const id = /schedule (\d+)/.exec(added.stdout)?.[1] ?? '';

    const listed = await brume(['schedule', 'list']);
    expect(listed.stdout).toMatch(
      new RegExp(
        `^ID\\s+STATE\\s+GROUP\\s+TASK\\s+WHEN\\s+NEXT\\s+LAST\\s+MISSED\\n\\s*${id}\\s+active\\s+lab\\s+inventory\\s+cron '0 2 \\* \\* 1-5' Europe/Paris\\s+\\d{4}-\\d\\d-\\d\\d 02:00\\s+-\\s+0\\n$`,
      ),
    );

    const shown = ScheduleDetail.parse(JSON.parse((await brume(['schedule', 'show', id, '--json'])).stdout));
    expect(shown).toMatchObject({
      id: Number(id),
      cron: '0 2 * * 1-5',
      timezone: 'Europe/Paris',
      state: 'active',
      task: { kind: 'inventory', group: 'lab' },
      firings: [],
    });
    expect((await brume(['schedule', 'show', id])).stdout).toMatch(/when: +cron '0 2 \* \* 1-5' \(Europe\/Paris\)\n/);

    expect((await brume(['schedule', 'pause', id])).stdout).toBe(`schedule ${id}: paused, next -\n`);
    expect((await brume(['schedule', 'resume', id])).stdout).toMatch(
      new RegExp(`^schedule ${id}: active, next \\d{4}-\\d\\d-\\d\\d 02:00\\n$`),
    );
    expect(await brume(['schedule', 'delete', id])).toMatchObject({
      code: 0,
      stdout: `deleted schedule ${id} (the batches it made stay)\n`,
    });
    expect(await brume(['schedule', 'show', id])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('(SCHEDULE_NOT_FOUND)'),
    });
  });

  it('adds a one-shot wipe at a local time, in the server zone unless --tz', async () => {
    const added = Schedule.parse(
      JSON.parse(
        (
          await brume([
            'schedule',
            'add',
            '--group',
            'lab',
            '--task',
            'wipe',
            '--mode',
            'fast',
            '--at',
            '2099-06-01T03:30',
            '--json',
          ])
        ).stdout,
      ),
    );
    expect(added).toMatchObject({
      at: '2099-06-01T03:30',
      cron: null,
      state: 'active',
      task: { kind: 'wipe', params: { mode: 'fast' } },
    });
    expect(added.timezone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect((await brume(['schedule', 'list'])).stdout).toContain('at 2099-06-01 03:30');
    expect((await brume(['schedule', 'delete', String(added.id)])).code).toBe(0);
  });

  it.each([
    [
      'a bad cron pattern',
      ['--task', 'inventory', '--cron', '0 25 * * *'],
      /cron '0 25 \* \* \*': .*hour.* \(BAD_REQUEST\)/,
    ],
    ['a cron of six fields', ['--task', 'inventory', '--cron', '0 0 2 * * *'], /--cron: a cron pattern of five fields/],
    [
      'a bad timezone',
      ['--task', 'inventory', '--cron', '0 2 * * *', '--tz', 'Europe/Pariss'],
      /--tz: an IANA timezone/,
    ],
    [
      '--at in the past',
      ['--task', 'inventory', '--at', '2020-01-01T02:00'],
      /at 2020-01-01T02:00 is in the past .* \(BAD_REQUEST\)/,
    ],
    [
      '--at not a time',
      ['--task', 'inventory', '--at', 'tomorrow'],
      /--at: a local date and time such as 2026-12-01T02:00/,
    ],
    [
      'both --at and --cron',
      ['--task', 'inventory', '--at', '2099-01-01T02:00', '--cron', '0 2 * * *'],
      /--at \(once\) or --cron \(repeating\): one of the two/,
    ],
    ['neither', ['--task', 'inventory'], /--at \(once\) or --cron \(repeating\): one of the two/],
    ['an unknown task kind', ['--task', 'reboot', '--cron', '0 2 * * *'], /--task: /],
    ['a deploy without --image', ['--task', 'deploy', '--cron', '0 2 * * *'], /--image: a deploy task needs an image/],
    [
      'an unknown image',
      ['--task', 'deploy', '--image', 'win12', '--cron', '0 2 * * *'],
      /no image named win12 \(IMAGE_NOT_FOUND\)/,
    ],
  ])('refuses %s with exit 2, and adds nothing', async (_, flags, message) => {
    const run = await brume(['schedule', 'add', '--group', 'lab', ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect((await brume(['schedule', 'list'])).stdout).toMatch(/^no schedules yet/);
  });

  it('refuses an unknown group with exit 2, naming the groups there are', async () => {
    const run = await brume(['schedule', 'add', '--group', 'lab-9', '--task', 'inventory', '--cron', '0 2 * * *']);
    expect(run).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no group named lab-9: the groups are lab (GROUP_NOT_FOUND)'),
    });
  });

  it('refuses an id that is not one', async () => {
    expect(await brume(['schedule', 'pause', 'x1'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('a schedule id is a positive integer, got "x1"'),
    });
  });
});

describe('brume host wake', () => {
  it('reports, per MAC, that nothing was sent when the server knows no subnet for the PC (it listens on loopback)', async () => {
    const run = await brume(['host', 'wake', '--group', 'lab', '--json']);
    expect(run.code).toBe(1);
    const report = WakeReport.parse(JSON.parse(run.stdout));
    expect(report.wake.map((entry) => [entry.host, entry.mac, entry.sent, entry.address])).toEqual([
      ['pc-01', '52:54:00:ee:00:01', false, null],
      ['pc-02', '52:54:00:ee:00:02', false, null],
    ]);
    expect(report.wake[0]?.error).toMatch(/loopback \(127\.0\.0\.1\).*--wake-broadcast ADDR/);
    const text = await brume(['host', 'wake', 'pc-01']);
    expect(text.stdout).toMatch(
      /^HOST\s+MAC\s+SENT TO\s+RESULT\npc-01\s+52:54:00:ee:00:01\s+-\s+not sent: no broadcast address/,
    );
    expect((await brume(['host', 'wake'])).stderr).toContain('name the hosts to wake, or --group G');
    expect((await brume(['host', 'wake', 'pc-01', '--group', 'lab'])).code).toBe(2);
  });
});
