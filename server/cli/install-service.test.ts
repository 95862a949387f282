import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runInstallService, type ServiceRuntime } from './install-service.ts';
import { systemdWord } from './service-unit.ts';

const brume = fileURLToPath(new URL('../../bin/brume', import.meta.url));
const systemdAnalyze = spawnSync('which', ['systemd-analyze']).status === 0;
let work: string;
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** A runtime that records what it would run; no test reaches the real systemctl, useradd or chown. */
function fakeRuntime(overrides: Partial<ServiceRuntime> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const ran: string[] = [];
  const runtime: Partial<ServiceRuntime> = {
    term: { out: (text) => void out.push(text), err: (text) => void err.push(text), tty: undefined },
    run: async (command, args) => {
      ran.push([command, ...args].join(' '));
      return '';
    },
    systemdRunning: () => false,
    isRoot: () => false,
    ...overrides,
  };
  return { runtime, out, err, ran };
}

const unitOf = (dir: string): string => readFileSync(join(dir, 'brume-server.service'), 'utf8');
const line = (unit: string, key: string): string[] =>
  unit
    .split('\n')
    .filter((text) => text.startsWith(`${key}=`))
    .map((text) => text.slice(key.length + 1));

describe('brume install-service', () => {
  it('--dry-run prints the unit and writes nothing', async () => {
    work = mkdtempSync(join(tmpdir(), 'brume-unit-'));
    const fake = fakeRuntime();
    expect(await runInstallService(['--dry-run', '--unit-dir', work], fake.runtime)).toBe(0);
    expect(readdirSync(work)).toEqual([]);
    expect(fake.ran).toEqual([]);
    const text = fake.out.join('');
    expect(text).toContain(`# ${join(work, 'brume-server.service')} (--dry-run: nothing written)\n`);
    expect(line(text, 'ExecStart')).toEqual([`${brume} server --data /var/lib/brume --listen 0.0.0.0:8080`]);
    expect(line(text, 'User')).toEqual(['brume']);
    expect(line(text, 'StateDirectory')).toEqual(['brume']);
    expect(line(text, 'CapabilityBoundingSet')).toEqual(['']);
  });

  it.skipIf(!systemdAnalyze)('writes a unit that systemd-analyze verify accepts without a warning', async () => {
    work = mkdtempSync(join(tmpdir(), 'brume-unit-'));
    const data = join(work, 'data dir');
    const fake = fakeRuntime();
    const code = await runInstallService(
      [
        '--unit-dir',
        work,
        '--no-enable',
        '--data',
        data,
        '--listen',
        '0.0.0.0:80',
        '--',
        '--retention-days',
        '30',
        '--agent-timeout',
        '45m',
      ],
      fake.runtime,
    );
    expect(code, fake.err.join('')).toBe(0);
    expect(fake.ran).toEqual([]);
    const path = join(work, 'brume-server.service');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    const unit = unitOf(work);
    expect(line(unit, 'ExecStart')).toEqual([
      `${brume} server --data "${data}" --listen 0.0.0.0:80 --retention-days 30 --agent-timeout 45m`,
    ]);
    expect(line(unit, 'ReadWritePaths')).toEqual([`"${data}"`]);
    expect(line(unit, 'StateDirectory')).toEqual([]);
    expect(line(unit, 'AmbientCapabilities')).toEqual(['CAP_NET_BIND_SERVICE']);
    const verify = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stderr).toBe('');
    // The check is a real one: a key systemd does not know is reported.
    const broken = join(work, 'broken.service');
    execFileSync('sh', ['-c', `sed 's/^UMask=/UMaskTypo=/' '${path}' > '${broken}'`]);
    expect(spawnSync('systemd-analyze', ['verify', broken], { encoding: 'utf8' }).stderr).toMatch(
      /Unknown key 'UMaskTypo'/,
    );
  });

  it('as root with systemd: creates the user, gives it DATA, reloads, enables and starts', async () => {
    work = mkdtempSync(join(tmpdir(), 'brume-unit-'));
    const data = join(work, 'data');
    const ran: string[] = [];
    const fake = fakeRuntime({
      isRoot: () => true,
      systemdRunning: () => true,
      run: async (command, args) => {
        ran.push([command, ...args].join(' '));
        if (command === 'getent') throw new Error('no such user');
        return '';
      },
    });
    expect(await runInstallService(['--unit-dir', work, '--data', data, '--user', 'imaging'], fake.runtime)).toBe(0);
    expect(ran).toEqual([
      'getent passwd imaging',
      `useradd --system --user-group --no-create-home --home-dir ${data} --shell /usr/sbin/nologin imaging`,
      `chown -R imaging: ${data}`,
      'systemctl daemon-reload',
      'systemctl enable --now brume-server.service',
    ]);
    expect(existsSync(data)).toBe(true);
    expect(line(unitOf(work), 'User')).toEqual(['imaging']);
    expect(fake.out.join('')).toContain('enabled and started brume-server.service');
  });

  it('without systemd running: writes the unit and says nothing was enabled', async () => {
    work = mkdtempSync(join(tmpdir(), 'brume-unit-'));
    const fake = fakeRuntime({ isRoot: () => true });
    expect(
      await runInstallService(['--unit-dir', work, '--data', join(work, 'data'), '--user', 'root'], fake.runtime),
    ).toBe(0);
    expect(fake.ran).toEqual([]);
    expect(fake.out.join('')).toContain('systemd is not running on this machine: nothing enabled');
    expect(existsSync(join(work, 'brume-server.service'))).toBe(true);
  });

  it.each([
    [['--listen', 'everywhere'], /--listen: HOST:PORT/],
    [['--', '--data', '/x'], /--data: give it before --/],
    [['--', '--retension-days', '3'], /Unknown option '--retension-days'/],
    [['--', '--agent-timeout', 'soon'], /--agent-timeout: a duration such as 30m/],
    [['--user', 'Bad User'], /--user: a system user name/],
    [[], /run it as root \(sudo\), or use --dry-run/],
  ])('refuses %j with exit 2 and writes nothing', async (argv, message) => {
    work = mkdtempSync(join(tmpdir(), 'brume-unit-'));
    const fake = fakeRuntime();
    expect(await runInstallService(['--unit-dir', work, ...argv], fake.runtime)).toBe(2);
    expect(fake.err.join('')).toMatch(message);
    expect(readdirSync(work)).toEqual([]);
    expect(fake.ran).toEqual([]);
  });
});

describe('ExecStart words', () => {
  it.each([
    ['/opt/brume/bin/brume', '/opt/brume/bin/brume'],
    ['pc-{mac}', '"pc-{mac}"'],
    ['50%', '50%%'],
    ['a b', '"a b"'],
    ['say "hi" $HOME', '"say \\"hi\\" $$HOME"'],
    ['back\\slash', '"back\\\\slash"'],
  ])('%s → %s', (word, quoted) => {
    expect(systemdWord(word)).toBe(quoted);
  });
});
