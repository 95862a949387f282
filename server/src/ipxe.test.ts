import { describe, expect, it } from 'vitest';
import { parsePlatform, renderBootScript, type BootChoice, type IpxePlatform } from './ipxe.ts';
import { serverUrl } from './server-url.ts';

const listen = { host: '0.0.0.0', port: 8080 };
const task = (url: string, debug = false): BootChoice => ({
  kind: 'task',
  serverUrl: url,
  taskId: 7,
  taskKind: 'deploy',
  image: 'win11-2026',
  hostName: 'pc-01',
  token: 'tok_EN-123',
  debug,
});
const noTask: BootChoice = { kind: 'local', reason: 'no task waiting for pc-01' };
const menu = (hostName: string | null): BootChoice => ({
  kind: 'menu',
  serverUrl: 'http://10.0.0.5:8080',
  reason: 'no task waiting',
  hostName,
  timeoutSeconds: 5,
  defaultEntry: 'local',
  ramdisk: true,
  memtest: { bios: true, efi: true },
});

const BIOS_LOCAL = 'sanboot --no-describe --drive 0x80 ||\nexit 1\n';
const EFI_LOCAL =
  ':brume_failed\necho Brume: the imaging ramdisk did not start, booting from the local disk in 10 s\nsleep 10\nexit 1\n';
const RUNTIME_LOCAL =
  'iseq ${platform} efi && goto brume_exit ||\nsanboot --no-describe --drive 0x80 ||\n:brume_exit\nexit 1\n';

describe('the iPXE boot script', () => {
  it.each<[string, BootChoice, IpxePlatform, string[]]>([
    [
      'a task, BIOS',
      task('http://10.0.0.5:8080'),
      'pcbios',
      [
        'set base http://10.0.0.5:8080\n',
        'kernel ${base}/boot/vmlinuz initrd=initrd.zst rootfstype=ramfs console=tty0 console=ttyS0,115200 brume.server=http://10.0.0.5:8080 brume.task=7 brume.token=tok_EN-123 || goto brume_failed\n',
        'initrd ${base}/boot/initrd.zst || goto brume_failed\nboot || goto brume_failed\n',
        `:brume_failed\necho Brume: the imaging ramdisk did not start, booting from the local disk in 10 s\nsleep 10\n${BIOS_LOCAL}`,
      ],
    ],
    ['a task, UEFI', task('http://imaging.lan'), 'efi', ['brume.server=http://imaging.lan brume.task=7', EFI_LOCAL]],
    ['a task, platform not said', task('http://imaging.lan'), null, [RUNTIME_LOCAL]],
    [
      'a debug task',
      task('http://imaging.lan', true),
      'efi',
      ['brume.token=tok_EN-123 brume.debug=1 || goto brume_failed\n', '(debug: a shell, the task step by step)'],
    ],
    [
      'no task, BIOS',
      noTask,
      'pcbios',
      ['echo Brume: no task waiting for pc-01, booting from the local disk\n', BIOS_LOCAL],
    ],
    ['no task, UEFI', noTask, 'efi', ['booting from the local disk\nexit 1\n']],
    ['no task, platform not said', noTask, null, [RUNTIME_LOCAL]],
    [
      'the menu of a known PC, BIOS',
      menu('pc-01'),
      'pcbios',
      [
        'menu Brume: pc-01, no task waiting\nitem brume_local Boot from local disk\nitem brume_menu Brume menu (register, deploy, system information, shell)\nitem brume_memtest Memory test (memtest86+)\n',
        'choose --timeout 5000 --default brume_local brume_selected || goto brume_local\ngoto ${brume_selected}\n',
        ':brume_menu\nkernel ${base}/boot/vmlinuz initrd=initrd.zst rootfstype=ramfs console=tty0 console=ttyS0,115200 brume.server=http://10.0.0.5:8080 brume.mode=menu || goto brume_failed\n',
        ':brume_memtest\nkernel ${base}/boot/memtest86+x64.bin console=ttyS0,115200 || goto brume_failed\nboot || goto brume_failed\n',
        `:brume_local\n${BIOS_LOCAL}`,
      ],
    ],
    [
      'the menu of an unknown PC, UEFI',
      menu(null),
      'efi',
      [
        'item brume_register Quick registration\n',
        'brume.action=register || goto brume_failed\n',
        'chain ${base}/boot/memtest86+x64.efi',
      ],
    ],
  ])('%s', (_name, choice, platform, parts) => {
    const script = renderBootScript(choice, platform);
    expect(script.startsWith('#!ipxe\n')).toBe(true);
    for (const part of parts) expect(script).toContain(part);
    if (choice.kind === 'local') expect(script).not.toMatch(/kernel|initrd|brume\.token/);
    if (choice.kind === 'menu') expect(script).not.toContain('brume.token');
    // `;` separates commands in iPXE: no line may hold one by accident.
    expect(script).not.toContain(';');
    // Every setting iPXE expands is one the script sets or iPXE knows; nothing else carries `${`.
    expect(
      [...script.matchAll(/\$\{([^}]*)\}/g)]
        .map((match) => match[1])
        .every((name) => name === 'base' || name === 'platform' || name === 'brume_selected'),
    ).toBe(true);
  });

  it('ends the UEFI task script with exit 1 only, and never sanboots on UEFI', () => {
    const script = renderBootScript(task('http://x'), 'efi');
    expect(script).not.toContain('sanboot');
    expect(script.endsWith('sleep 10\nexit 1\n')).toBe(true);
  });

  it.each([
    ['pcbios', 'pcbios'],
    ['efi', 'efi'],
    [undefined, null],
    ['', null],
    ['arm64', null],
    ['${platform}', null],
  ])('reads the platform %j as %j', (value, platform) => {
    expect(parsePlatform(value)).toBe(platform);
  });
});

describe('the server URL a PC is given', () => {
  it.each<[string, string | null, string | undefined, string]>([
    ['the Host the PC used', null, '10.0.0.5:8080', 'http://10.0.0.5:8080'],
    ['a host name with no port', null, 'imaging.lan', 'http://imaging.lan'],
    ['an IPv6 Host', null, '[fd00::5]:8080', 'http://[fd00::5]:8080'],
    [
      '--public-url over the Host',
      'https://brume.school.example/imaging',
      '10.0.0.5:8080',
      'https://brume.school.example/imaging',
    ],
    ['--public-url with no Host', 'http://10.0.0.9:80', undefined, 'http://10.0.0.9:80'],
    ['the listen address when the Host is missing', null, undefined, 'http://0.0.0.0:8080'],
    ['the listen address when the Host holds odd characters', null, 'evil host${x}', 'http://0.0.0.0:8080'],
  ])('%s', (_name, publicUrl, host, expected) => {
    expect(serverUrl({ publicUrl, listen }, host)).toBe(expected);
    expect(renderBootScript(task(serverUrl({ publicUrl, listen }, host)), 'pcbios')).toContain(
      `set base ${expected}\n`,
    );
  });
});
