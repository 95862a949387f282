import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { taskCmdline } from '@brume/protocol';
import { agentConfig, agentMode, debugStep, parseKernelCmdline, taskSettings, type TaskFlags } from './config.ts';

const dir = mkdtempSync(join(tmpdir(), 'brume-cmdline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A /proc/cmdline as iPXE's boot script writes it, in a file of its own. */
function cmdline(text: string): string {
  const path = join(dir, `cmdline-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, `${text}\n`);
  return path;
}

const IPXE_LINE =
  'initrd=initrd.zst console=tty0 console=ttyS0,115200 brume.server=http://10.0.0.5:8080 brume.task=7 brume.token=AbC-_9';
const noFlags: TaskFlags = { server: undefined, task: undefined, token: undefined, disk: undefined, after: undefined };
const rest = {
  json: false,
  logDir: dir,
  stagingDir: dir,
  retryDeadlineMs: 0,
  requestTimeoutMs: 1000,
  chunkBytes: 1024,
  level: 3,
};
const configFrom = (flags: Partial<TaskFlags>, path: string) => {
  const settings = taskSettings({ ...noFlags, ...flags }, path);
  return agentConfig({ ...settings.values, ...rest }, settings.names);
};

describe('the kernel command line', () => {
  it("reads back what the server writes (protocol's taskCmdline)", () => {
    expect(parseKernelCmdline(`quiet ${taskCmdline('http://[fd00::5]:8080', 42, 'Zz_-09')} splash`)).toEqual({
      server: 'http://[fd00::5]:8080',
      task: '42',
      token: 'Zz_-09',
    });
  });

  it.each([
    [IPXE_LINE, { server: 'http://10.0.0.5:8080', task: '7', token: 'AbC-_9' }],
    [
      'BOOT_IMAGE=/vmlinuz brume.disk=/dev/nvme0n1 brume.after=poweroff quiet',
      { disk: '/dev/nvme0n1', after: 'poweroff' },
    ],
    ['brume.task=1 brume.task=2', { task: '2' }],
    ['brume.disk="/dev/disk/by-id/ata-My Disk" quiet', { disk: '/dev/disk/by-id/ata-My Disk' }],
    ['xbrume.task=9 brume.unknown=1 brume.token=', { token: '' }],
    ['', {}],
  ])('%j → %j', (text, expected) => {
    expect(parseKernelCmdline(text)).toEqual(expected);
  });
});

describe('the agent settings', () => {
  it('come from the kernel command line when no flag names the task: the ramdisk, which reboots after success', () => {
    const config = configFrom({}, cmdline(IPXE_LINE));
    expect(config).toMatchObject({
      server: 'http://10.0.0.5:8080',
      taskId: 7,
      token: 'AbC-_9',
      disk: undefined,
      after: 'reboot',
      ramdisk: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('take brume.disk= and brume.after= from the command line', () => {
    const config = configFrom({}, cmdline(`${IPXE_LINE} brume.disk=/dev/sdb brume.after=poweroff`));
    expect(config).toMatchObject({ disk: '/dev/sdb', diskFrom: 'cmdline', after: 'poweroff', ramdisk: true });
    expect(configFrom({}, cmdline(`${IPXE_LINE} brume.after=none`)).after).toBe('none');
  });

  it('let flags win over the command line', () => {
    const path = cmdline(`${IPXE_LINE} brume.disk=/dev/sdb`);
    expect(configFrom({ token: 'from-flag', disk: '/dev/sdc', after: 'none' }, path)).toMatchObject({
      token: 'from-flag',
      server: 'http://10.0.0.5:8080',
      disk: '/dev/sdc',
      diskFrom: 'flag',
      after: 'none',
    });
  });

  it('ignore the command line when the flags name the task: no reboot, not the ramdisk', () => {
    const config = configFrom(
      { server: 'http://127.0.0.1:8080', task: '3', token: 't' },
      cmdline(`${IPXE_LINE} brume.disk=/dev/sdb`),
    );
    expect(config).toMatchObject({
      server: 'http://127.0.0.1:8080',
      taskId: 3,
      disk: undefined,
      after: 'none',
      ramdisk: false,
    });
  });

  it('read no file that is missing (no /proc): the flags must then say it all', () => {
    expect(() => configFrom({}, join(dir, 'no-such-cmdline'))).toThrow(
      /--server \(or brume\.server= on the kernel command line\)/,
    );
  });

  it.each([
    [
      `${IPXE_LINE.replace('brume.task=7', 'brume.task=seven')}`,
      {},
      /brume\.task= on the kernel command line: a task id is required/,
    ],
    [
      `${IPXE_LINE.replace('http://10.0.0.5:8080', 'ftp://x')}`,
      {},
      /brume\.server= on the kernel command line: an http/,
    ],
    [`${IPXE_LINE} brume.after=halt`, {}, /brume\.after= on the kernel command line: reboot, poweroff or none/],
    ['quiet', { server: 'http://x:1', task: '2' }, /--token \(or brume\.token=/],
    [IPXE_LINE, { after: 'later' }, /^--after: reboot, poweroff or none/],
  ])('name the bad value where it came from: %s', (text, flags, message) => {
    expect(() => configFrom(flags, cmdline(text))).toThrow(message);
  });
});

describe('what the agent is asked to do', () => {
  const none = { server: undefined, action: undefined, menu: false, after: undefined };
  const menuLine = 'initrd=initrd.zst rootfstype=ramfs console=ttyS0,115200 brume.server=http://10.0.0.5:8080';

  it('registers from the iPXE menu (brume.action=register), then reboots like after a task', () => {
    expect(agentMode(none, cmdline(`${menuLine} brume.action=register`))).toEqual({
      kind: 'register',
      server: 'http://10.0.0.5:8080',
      names: { server: 'brume.server= on the kernel command line' },
      ramdisk: true,
      after: 'reboot',
    });
  });

  it('registers from a flag on any machine, and stays', () => {
    expect(
      agentMode(
        { ...none, server: 'http://127.0.0.1:8080', action: 'register' },
        cmdline(`${menuLine} brume.mode=menu`),
      ),
    ).toMatchObject({ kind: 'register', server: 'http://127.0.0.1:8080', ramdisk: false, after: 'none' });
  });

  it('opens the menu for brume.mode=menu or --menu; anything else is a task', () => {
    expect(agentMode(none, cmdline(`${menuLine} brume.mode=menu`))).toEqual({
      kind: 'menu',
      server: 'http://10.0.0.5:8080',
      ramdisk: true,
    });
    expect(agentMode({ ...none, menu: true, server: 'http://127.0.0.1:1' }, cmdline(IPXE_LINE))).toEqual({
      kind: 'menu',
      server: 'http://127.0.0.1:1',
      ramdisk: false,
    });
    expect(agentMode(none, cmdline(IPXE_LINE))).toEqual({ kind: 'task' });
  });

  it('refuses an unknown action, from a flag or the command line, naming it', () => {
    expect(() => agentMode({ ...none, action: 'wipe' }, cmdline(menuLine))).toThrow(
      /--action: "wipe" is not an action/,
    );
    expect(() => agentMode(none, cmdline(`${menuLine} brume.action=format`))).toThrow(
      /brume\.action=format .* is not an action/,
    );
  });
});

describe('a debug step (--step NAME [N])', () => {
  it.each<[string | undefined, string[], unknown]>([
    [undefined, [], undefined],
    ['plan', [], { name: 'plan' }],
    ['table', [], { name: 'table' }],
    ['partition', ['3'], { name: 'partition', number: 3 }],
    ['finish', [], { name: 'finish' }],
    ['all', [], { name: 'all' }],
  ])('--step %s %j', (name, rest, expected) => {
    expect(debugStep(name, rest)).toEqual(expected);
  });

  it.each<[string | undefined, string[], RegExp]>([
    ['partition', [], /needs the partition's number .* got none/],
    ['partition', ['two'], /got "two"/],
    ['partition', ['0'], /got "0"/],
    ['table', ['2'], /--step table takes no argument/],
    ['format', [], /"format" is not a step; the steps are plan, table, partition N, finish, all/],
    [undefined, ['stray'], /takes no arguments besides its flags, got "stray"/],
  ])('refuses --step %s %j', (name, rest, message) => {
    expect(() => debugStep(name, rest)).toThrow(message);
  });
});
