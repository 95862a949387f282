import { taskCmdline, type TaskKind } from '@brume/protocol';

/**
 * The iPXE scripts of `GET /boot/menu.ipxe`, what a network-booting PC runs next. Pure: the route decides, this
 * writes the text. Everything put in a script comes from checked values (a URL of plain characters, ids, names that
 * match their patterns, a base64url token), so nothing in it can be read by iPXE as a setting to expand.
 */

/** iPXE's `${platform}` as the PC reported it in the menu URL; null when it did not say. */
export type IpxePlatform = 'pcbios' | 'efi' | null;

export interface TaskBoot {
  kind: 'task';
  /** The server's URL as this PC reaches it: where the ramdisk fetches from and what the agent talks to. */
  serverUrl: string;
  taskId: number;
  taskKind: TaskKind;
  /** null for a task without an image (inventory). */
  image: string | null;
  hostName: string;
  /** A token issued for this boot only (the task's previous one no longer works). */
  token: string;
  /** Boot into the debug shell (brume.debug=1) rather than run the task. */
  debug: boolean;
}

export interface LocalBoot {
  kind: 'local';
  /** Why this PC gets no task, in a few words: shown on its screen and written in the server log. */
  reason: string;
}

/**
 * A PC without a waiting task: the menu, where a technician picks what the PC does. Boot from the local disk is the
 * default after the timeout, unless the server registers unknown PCs by default (`--unknown-hosts register`).
 */
export interface MenuBoot {
  kind: 'menu';
  serverUrl: string;
  /** Why there is no task, in a few words (the menu's title and the server log). */
  reason: string;
  /** null: a PC the server does not know, which is offered quick registration. */
  hostName: string | null;
  timeoutSeconds: number;
  defaultEntry: 'local' | 'register';
  /** The kernel and ramdisk are on the server: the Brume entries can work. */
  ramdisk: boolean;
  /** Which memtest86+ builds the server holds. */
  memtest: { bios: boolean; efi: boolean };
}

export type BootChoice = TaskBoot | LocalBoot | MenuBoot;

/** The kernel command line of the ramdisk started from the menu: `brume.mode=menu` or `brume.action=register`. */
export function menuCmdline(serverUrl: string, word: 'brume.mode=menu' | 'brume.action=register'): string {
  return `${KERNEL_BASE_ARGS} brume.server=${serverUrl} ${word}`;
}

/**
 * The kernel command line, before Brume's own words. EFI kernels started by iPXE find the ramdisk by its name.
 * `rootfstype=ramfs`: without it the ramdisk is unpacked into a tmpfs capped at half the memory the kernel sees at
 * that moment, and under UEFI with 512 MiB that is ~100 MiB, less than the unpacked ramdisk ("Initramfs unpacking
 * failed: write error"); the firmware's boot-services memory is only handed back later. ramfs has no cap.
 */
export const KERNEL_BASE_ARGS = 'initrd=initrd.zst rootfstype=ramfs console=tty0 console=ttyS0,115200';

/** Seconds a PC whose ramdisk failed to load shows why, before it starts from its disk. */
const FAILURE_PAUSE_SECONDS = 10;

export function parsePlatform(value: string | undefined): IpxePlatform {
  return value === 'pcbios' || value === 'efi' ? value : null;
}

/**
 * Leaving iPXE for the local disk: on BIOS, boot drive 0x80 (the first hard disk) in place; on UEFI, `exit 1` hands the
 * PC back to its firmware as a failed boot option, so it takes the next entry of its boot order. When the platform is
 * not known, iPXE decides at run time, and `exit 1` is the fallback either way. (A trailing `||` ignores a failure;
 * `;` would be an iPXE operator, so no message here holds one.)
 */
export function localBootLines(platform: IpxePlatform): string[] {
  const sanboot = 'sanboot --no-describe --drive 0x80 ||';
  if (platform === 'efi') return ['exit 1'];
  if (platform === 'pcbios') return [sanboot, 'exit 1'];
  return ['iseq ${platform} efi && goto brume_exit ||', sanboot, ':brume_exit', 'exit 1'];
}

const taskWords = (boot: TaskBoot): string =>
  boot.image === null ? boot.taskKind : `${boot.taskKind} of image ${boot.image}`;

function taskScript(boot: TaskBoot, platform: IpxePlatform): string[] {
  const cmdline = `${KERNEL_BASE_ARGS} ${taskCmdline(boot.serverUrl, boot.taskId, boot.token, boot.debug)}`;
  return [
    `# Brume: task ${boot.taskId} (${taskWords(boot)}) for host ${boot.hostName}.`,
    '# The token below was issued for this boot alone: fetching this script again replaces it.',
    `echo Brume: task ${boot.taskId}, ${taskWords(boot)} on ${boot.hostName}${boot.debug ? ' (debug: a shell, the task step by step)' : ''}`,
    `set base ${boot.serverUrl}`,
    `kernel \${base}/boot/vmlinuz ${cmdline} || goto brume_failed`,
    'initrd ${base}/boot/initrd.zst || goto brume_failed',
    'boot || goto brume_failed',
    ':brume_failed',
    `echo Brume: the imaging ramdisk did not start, booting from the local disk in ${FAILURE_PAUSE_SECONDS} s`,
    `sleep ${FAILURE_PAUSE_SECONDS}`,
    ...localBootLines(platform),
  ];
}

function localScript(boot: LocalBoot, platform: IpxePlatform): string[] {
  return [
    `# Brume: ${boot.reason}: this PC starts from its local disk.`,
    `echo Brume: ${boot.reason}, booting from the local disk`,
    ...localBootLines(platform),
  ];
}

function ramdiskLines(serverUrl: string, word: 'brume.mode=menu' | 'brume.action=register'): string[] {
  return [
    `kernel \${base}/boot/vmlinuz ${menuCmdline(serverUrl, word)} || goto brume_failed`,
    'initrd ${base}/boot/initrd.zst || goto brume_failed',
    'boot || goto brume_failed',
  ];
}

/**
 * memtest86+ 6 boots as a Linux kernel on BIOS and as an EFI program on UEFI; only the builds the server has are used.
 * `console=ttyS0,115200` mirrors its screen on the first serial port, as the ramdisk's kernel does.
 */
function memtestLines(memtest: MenuBoot['memtest'], platform: IpxePlatform): string[] {
  const efi = 'chain ${base}/boot/memtest86+x64.efi console=ttyS0,115200 || goto brume_failed';
  const bios = [
    'kernel ${base}/boot/memtest86+x64.bin console=ttyS0,115200 || goto brume_failed',
    'boot || goto brume_failed',
  ];
  if (platform === 'efi') return memtest.efi ? [efi] : ['goto brume_failed'];
  if (platform === 'pcbios') return memtest.bios ? bios : ['goto brume_failed'];
  return [
    `iseq \${platform} efi && goto brume_memtest_efi ||`,
    ...(memtest.bios ? bios : ['goto brume_failed']),
    ':brume_memtest_efi',
    memtest.efi ? efi : 'goto brume_failed',
  ];
}

function menuScript(boot: MenuBoot, platform: IpxePlatform): string[] {
  const hasMemtest =
    platform === 'efi'
      ? boot.memtest.efi
      : platform === 'pcbios'
        ? boot.memtest.bios
        : boot.memtest.bios || boot.memtest.efi;
  // Each entry: its label, its text, and what it runs; only entries that can work are offered (and written).
  const entries: { key: string; label: string; lines: string[] }[] = [
    { key: 'brume_local', label: 'Boot from local disk', lines: [] },
  ];
  if (boot.ramdisk)
    entries.push({
      key: 'brume_menu',
      label: 'Brume menu (register, deploy, system information, shell)',
      lines: ramdiskLines(boot.serverUrl, 'brume.mode=menu'),
    });
  if (boot.ramdisk && boot.hostName === null)
    entries.push({
      key: 'brume_register',
      label: 'Quick registration',
      lines: ramdiskLines(boot.serverUrl, 'brume.action=register'),
    });
  if (hasMemtest)
    entries.push({
      key: 'brume_memtest',
      label: 'Memory test (memtest86+)',
      lines: memtestLines(boot.memtest, platform),
    });
  const fallback =
    boot.defaultEntry === 'register' && entries.some((entry) => entry.key === 'brume_register')
      ? 'brume_register'
      : 'brume_local';
  const title =
    boot.hostName === null ? 'Brume: this PC is not registered' : `Brume: ${boot.hostName}, no task waiting`;
  // iPXE reads `--timeout 0` as "wait for ever": no timeout means no menu at all, straight to the default.
  const choose =
    boot.timeoutSeconds === 0
      ? [`goto ${fallback}`]
      : [
          `choose --timeout ${boot.timeoutSeconds * 1000} --default ${fallback} brume_selected || goto brume_local`,
          'goto ${brume_selected}',
        ];
  return [
    `# Brume: ${boot.reason}.`,
    `set base ${boot.serverUrl}`,
    `menu ${title}`,
    ...entries.map((entry) => `item ${entry.key} ${entry.label}`),
    ...choose,
    ...entries.filter((entry) => entry.lines.length > 0).flatMap((entry) => [`:${entry.key}`, ...entry.lines]),
    ':brume_failed',
    `echo Brume: that did not start, booting from the local disk in ${FAILURE_PAUSE_SECONDS} s`,
    `sleep ${FAILURE_PAUSE_SECONDS}`,
    ':brume_local',
    ...localBootLines(platform),
  ];
}

/** The whole script for one PC: `#!ipxe`, then the ramdisk with its task, the menu, or the local disk. */
export function renderBootScript(choice: BootChoice, platform: IpxePlatform): string {
  const lines =
    choice.kind === 'task'
      ? taskScript(choice, platform)
      : choice.kind === 'menu'
        ? menuScript(choice, platform)
        : localScript(choice, platform);
  return `#!ipxe\n${lines.join('\n')}\n`;
}
