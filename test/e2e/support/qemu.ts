import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the guest finds the server: QEMU's user network forwards this address to the server on 127.0.0.1. */
export const GUEST_SERVER_ADDRESS = '10.0.2.100';

export type Firmware = 'bios' | 'uefi';

/**
 * How the VM's NIC is wired. `user`: QEMU's user network with restrict=on; QEMU's own DHCP/TFTP hands out a
 * `boot.ipxe` that chains to the server's menu, and guestfwd reaches the server on 127.0.0.1:serverPort. `tap`: a tap
 * device inside a network namespace the test made, where the namespace's own DHCP servers do the rest.
 */
export type VmNetwork =
  { kind: 'user'; serverPort: number; bootScript?: string } | { kind: 'tap'; netns: string; ifname: string };

export interface VmOptions {
  /** Scratch directory for the TFTP root, the UEFI variables and the console log. */
  work: string;
  name: string;
  /** A raw disk image file, attached as the VM's virtio disk. */
  disk: string;
  firmware: Firmware;
  memoryMiB: number;
  mac: string;
  network: VmNetwork;
  /**
   * `ipxe` (default): the NIC carries QEMU's iPXE option ROM, so the PC already speaks iPXE. `firmware`: no option ROM,
   * OVMF's own UEFI PXE client boots, as on a school PC; it must be handed iPXE first (proxy-DHCP + TFTP).
   */
  nicBoot?: 'ipxe' | 'firmware';
  /**
   * Sectors (512 bytes) the disk fails to read, as a dying drive does: QEMU's blkdebug driver answers EIO to every read
   * that covers one. The stand-in for device-mapper's dm-error, which this machine's kernel lacks.
   */
  unreadableSectors?: readonly number[];
}

export interface Vm {
  /** Every line the guest printed on its serial console so far. */
  console: string[];
  /** All the console's text so far, the unfinished last line included (full-screen programs draw without newlines). */
  text(): string;
  /** Types on the serial console, as a technician at the PC would (a shell reads it; end a command with \n). */
  type(text: string): void;
  /** Resolves with the first console line matching `pattern`; rejects after `seconds` or if the VM exits first. */
  waitFor(pattern: RegExp, seconds: number): Promise<string>;
  /** The VM's exit: it powers off or reboots (-no-reboot turns a reboot into an exit). */
  exited: Promise<number | null>;
  kill(): Promise<void>;
  /** The full QEMU command line, for the README and for failure messages. */
  commandLine: string;
}

// Written with the constructor: a control character in a regex literal is what lint rightly flags as a typo elsewhere.
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');
const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

function networkArgs(options: VmOptions): string[] {
  const network = options.network;
  if (network.kind === 'tap') return ['-netdev', `tap,id=n0,ifname=${network.ifname},script=no,downscript=no`];
  const tftp = join(options.work, `${options.name}-tftp`);
  mkdirSync(tftp, { recursive: true });
  // By default the script every PC gets from proxy-DHCP: the server's menu. A test may hand iPXE another script.
  writeFileSync(
    join(tftp, 'boot.ipxe'),
    network.bootScript ?? `#!ipxe\nchain http://${GUEST_SERVER_ADDRESS}/boot/menu.ipxe?mac=\${net0/mac}\n`,
  );
  const relay = `cmd:socat - TCP:127.0.0.1:${network.serverPort}`;
  return [
    '-netdev',
    `user,id=n0,restrict=on,tftp=${tftp},bootfile=boot.ipxe,guestfwd=tcp:${GUEST_SERVER_ADDRESS}:80-${relay}`,
  ];
}

/** The disk as QEMU opens it: the image itself, or blkdebug over it with one injected read error per sector. */
function diskFile(options: VmOptions): string {
  const sectors = options.unreadableSectors ?? [];
  if (sectors.length === 0) return options.disk;
  // raw-format raises blkdebug's read_aio event on every read; each rule then fails the reads that cover its sector.
  const rules = sectors.map(
    (sector) => `[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "${sector}"\nonce = "off"\n`,
  );
  const config = join(options.work, `${options.name}-blkdebug.conf`);
  writeFileSync(config, rules.join('\n'));
  return `blkdebug:${config}:${options.disk}`;
}

/**
 * Network rule: either user networking with restrict=on, where the guest reaches nothing but QEMU's own DHCP/TFTP and,
 * through guestfwd, the one server on 127.0.0.1; or a tap device inside a namespace the test created. The firmware's
 * iPXE ROM gets `boot.ipxe` by TFTP from QEMU, which chains to the server's menu with the NIC's MAC, exactly as a PC on
 * a school network chains from proxy-DHCP.
 */
export function qemuArgs(options: VmOptions): string[] {
  const firmware: string[] = [];
  if (options.firmware === 'uefi') {
    const vars = join(options.work, `${options.name}-vars.fd`);
    copyFileSync(OVMF_VARS, vars);
    firmware.push(
      '-drive',
      `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
      '-drive',
      `if=pflash,format=raw,unit=1,file=${vars}`,
    );
  }
  return [
    '-machine',
    options.firmware === 'uefi' ? 'q35' : 'pc',
    '-accel',
    'tcg,thread=multi',
    '-smp',
    '2',
    '-m',
    String(options.memoryMiB),
    '-display',
    'none',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    '-no-reboot',
    ...firmware,
    ...networkArgs(options),
    // romfile= (empty) leaves the NIC without QEMU's iPXE ROM: OVMF's built-in PXE client is what boots then.
    '-device',
    `virtio-net-pci,netdev=n0,mac=${options.mac},bootindex=1${options.nicBoot === 'firmware' ? ',romfile=' : ''}`,
    '-drive',
    `file=${diskFile(options)},if=none,id=d0,format=raw`,
    '-device',
    'virtio-blk-pci,drive=d0,bootindex=2',
  ];
}

export function startVm(options: VmOptions): Vm {
  const args = qemuArgs(options);
  const inNamespace = options.network.kind === 'tap' ? ['ip', 'netns', 'exec', options.network.netns] : [];
  const command = [...inNamespace, 'qemu-system-x86_64', ...args];
  const child: ChildProcess = spawn(command[0] as string, command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const console: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  let partial = '';
  const onText = (data: Buffer): void => {
    // The serial console speaks CRLF and ANSI; keep printable lines only.
    const text = partial + data.toString('utf8').replace(/\r/g, '').replace(ANSI_ESCAPE, '');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      console.push(line);
      for (const waiter of waiters) {
        if (waiter.pattern.test(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  };
  child.stdout?.on('data', onText);
  child.stderr?.on('data', (data: Buffer) => console.push(`[qemu] ${data.toString('utf8').trimEnd()}`));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const commandLine = command.join(' ');
  return {
    console,
    text: () => `${console.join('\n')}\n${partial}`,
    type: (text) => void child.stdin?.write(text),
    commandLine,
    exited,
    waitFor(pattern, seconds) {
      const seen = console.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { pattern, resolve };
        waiters.add(waiter);
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `${options.name}: no console line matching ${pattern} within ${seconds} s; last lines:\n${console.slice(-40).join('\n')}`,
            ),
          );
        }, seconds * 1000);
        void exited.then((code) => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(
            new Error(
              `${options.name}: the VM exited (${code}) before ${pattern}; last lines:\n${console.slice(-40).join('\n')}`,
            ),
          );
        });
        const original = waiter.resolve;
        waiter.resolve = (line) => {
          clearTimeout(timer);
          original(line);
        };
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
