import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BrumeError, toBrumeError } from '@brume/protocol';
import { parseServerArgs } from '../src/config.ts';
import { processTerminal, type Terminal } from './output.ts';
import { renderUnit, SERVICE_NAME, stateDirectory } from './service-unit.ts';

export const installServiceUsage =
  '  brume install-service [--data /var/lib/brume] [--listen 0.0.0.0:8080] [--user brume] [--unit-dir DIR]\n' +
  '                [--dry-run] [--no-enable] [-- MORE SERVER FLAGS]   # the server as a systemd service\n';

const DEFAULTS = {
  data: '/var/lib/brume',
  listen: '0.0.0.0:8080',
  user: 'brume',
  unitDir: '/etc/systemd/system',
} as const;

export interface ServiceRuntime {
  term: Terminal;
  /** Runs a command (systemctl, useradd, chown); rejects when it fails. Tests never reach it (--dry-run, --no-enable). */
  run: (command: string, args: readonly string[]) => Promise<string>;
  /** Whether systemd manages this machine (/run/systemd/system exists: sd_booted()). */
  systemdRunning: () => boolean;
  isRoot: () => boolean;
}

function runCommand(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, [...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) resolvePromise(stdout);
      else reject(new BrumeError('TOOL_FAILED', `${command} ${args.join(' ')}: ${(stderr || error.message).trim()}`));
    });
  });
}

const processRuntime = (): ServiceRuntime => ({
  term: processTerminal(),
  run: runCommand,
  systemdRunning: () => existsSync('/run/systemd/system'),
  isRoot: () => process.getuid?.() === 0,
});

interface Plan {
  unitPath: string;
  unit: string;
  user: string;
  dataDir: string;
  brume: string;
  enable: boolean;
}

/** The flags, checked as `brume server` would check them at boot: a typo fails now, not in the journal. */
function plan(argv: readonly string[]): Plan & { dryRun: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        data: { type: 'string', default: DEFAULTS.data },
        listen: { type: 'string', default: DEFAULTS.listen },
        user: { type: 'string', default: DEFAULTS.user },
        'unit-dir': { type: 'string', default: DEFAULTS.unitDir },
        'dry-run': { type: 'boolean', default: false },
        'no-enable': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new BrumeError('BAD_REQUEST', (error as Error).message);
  }
  const { values, positionals: serverFlags } = parsed;
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(values.user))
    throw new BrumeError('BAD_REQUEST', `--user: a system user name such as brume, not "${values.user}"`);
  const flagsOf = (names: readonly string[]): string[] => serverFlags.filter((flag) => names.includes(flag));
  const clash = flagsOf(['--data', '--listen']);
  if (clash.length > 0)
    throw new BrumeError('BAD_REQUEST', `${clash.join(', ')}: give it before --, as install-service's own flag`);
  const serverArgs = ['--listen', values.listen, ...serverFlags];
  const config = parseServerArgs(['--data', values.data, ...serverArgs]);
  const brume = fileURLToPath(new URL('../../bin/brume', import.meta.url));
  const unit = renderUnit({
    brume,
    readme: fileURLToPath(new URL('../../README.md', import.meta.url)),
    user: values.user,
    dataDir: config.dataDir,
    serverArgs,
    port: config.listen.port,
  });
  return {
    unitPath: join(resolve(values['unit-dir']), SERVICE_NAME),
    unit,
    user: values.user,
    dataDir: config.dataDir,
    brume,
    enable: !values['no-enable'],
    dryRun: values['dry-run'],
  };
}

/** A directory on the way to the checkout that other users cannot enter: the service's user could not run Brume. */
function closedAncestor(path: string): string | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return dir;
    if (dir === '/') return undefined;
  }
}

async function writeUnit(path: string, unit: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temporary, unit, { mode: 0o644 });
    await chmod(temporary, 0o644);
    await rename(temporary, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BrumeError(
      code === 'EACCES' || code === 'EPERM' ? 'FORBIDDEN' : 'TOOL_FAILED',
      `cannot write ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** The user, created as a system user when missing; DATA, made and given to it unless systemd does (StateDirectory). */
async function prepareUserAndData(target: Plan, runtime: ServiceRuntime, say: (line: string) => void): Promise<void> {
  if (target.user === 'root') return;
  const known = await runtime.run('getent', ['passwd', target.user]).then(
    () => true,
    () => false,
  );
  if (!known) {
    await runtime.run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      target.dataDir,
      '--shell',
      '/usr/sbin/nologin',
      target.user,
    ]);
    say(`created the system user ${target.user}`);
  }
  if (stateDirectory(target.dataDir) === null) {
    await mkdir(target.dataDir, { recursive: true, mode: 0o700 });
    await runtime.run('chown', ['-R', `${target.user}:`, target.dataDir]);
    say(`gave ${target.dataDir} to ${target.user}`);
  }
}

/**
 * `brume install-service`: writes the systemd unit for `brume server` (from server/systemd/brume-server.service), then,
 * unless --dry-run or --no-enable, creates its user, prepares DATA, and runs `systemctl daemon-reload` and
 * `systemctl enable --now`. --dry-run prints the unit and changes nothing. 0 ok, 2 bad input, 1 a step failed.
 */
export async function runInstallService(argv: string[], given: Partial<ServiceRuntime> = {}): Promise<number> {
  const runtime = { ...processRuntime(), ...given };
  const { term } = runtime;
  if (argv.includes('--help') || argv.includes('-h')) {
    term.out(installServiceUsage);
    return 0;
  }
  try {
    const target = plan(argv);
    const say = (line: string): void => term.out(`${line}\n`);
    if (target.dryRun) {
      term.out(`# ${target.unitPath} (--dry-run: nothing written)\n${target.unit}`);
      return 0;
    }
    if (target.enable && !runtime.isRoot())
      throw new BrumeError(
        'FORBIDDEN',
        'installing a service creates a user and enables a unit: run it as root (sudo), or use --dry-run',
      );
    const closed = target.user === 'root' ? undefined : closedAncestor(target.brume);
    if (closed !== undefined)
      term.err(
        `warning: ${closed} is closed to other users: ${target.user} cannot run ${target.brume} (move the checkout, or open the directory with chmod o+x)\n`,
      );
    await writeUnit(target.unitPath, target.unit);
    say(`wrote ${target.unitPath}`);
    if (!target.enable) {
      say(`not enabled (--no-enable): systemctl daemon-reload && systemctl enable --now ${SERVICE_NAME}`);
      return 0;
    }
    await prepareUserAndData(target, runtime, say);
    if (!runtime.systemdRunning()) {
      say(
        `systemd is not running on this machine: nothing enabled; where it runs: systemctl enable --now ${SERVICE_NAME}`,
      );
      return 0;
    }
    await runtime.run('systemctl', ['daemon-reload']);
    await runtime.run('systemctl', ['enable', '--now', SERVICE_NAME]);
    say(`enabled and started ${SERVICE_NAME}: systemctl status brume-server; journalctl -u brume-server -f`);
    say(`the admin token is written at first start to ${join(target.dataDir, 'admin.token')}`);
    return 0;
  } catch (error) {
    const failure = toBrumeError(error);
    term.err(
      `brume install-service: ${failure.message} (${failure.code})\n${failure.exitCode === 2 ? installServiceUsage : ''}`,
    );
    return failure.exitCode;
  }
}
