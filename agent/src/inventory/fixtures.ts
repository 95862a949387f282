// Tests only: fixture trees standing in for /sys and /proc, and a Runner that answers from a table. No production module
// imports this file, so it is not in the agent's bundle.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BrumeError } from '@brume/protocol';
import type { RunOptions, RunResult, Runner } from '../sys/exec.ts';

export interface FixtureTree {
  root: string;
  sys: string;
  proc: string;
  /** Writes a file under the root (parents made); a Buffer is written as is. */
  file(path: string, content: string | Buffer): void;
  dir(path: string): void;
  /** A symlink at `path` to `target`, both under the root; /sys/block and /sys/class/net are such links. */
  link(path: string, target: string): void;
  remove(): void;
}

export function fixtureTree(): FixtureTree {
  const root = mkdtempSync(join(tmpdir(), 'brume-inventory-'));
  const at = (path: string): string => join(root, path);
  return {
    root,
    sys: at('sys'),
    proc: at('proc'),
    file(path, content) {
      mkdirSync(dirname(at(path)), { recursive: true });
      writeFileSync(at(path), content);
    },
    dir(path) {
      mkdirSync(at(path), { recursive: true });
    },
    link(path, target) {
      mkdirSync(dirname(at(path)), { recursive: true });
      mkdirSync(at(target), { recursive: true });
      symlinkSync(at(target), at(path));
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface DiskFixture {
  /** Under sys/devices, ending in block/NAME (or NAME for NVMe namespaces). */
  devicePath: string;
  sectors: number;
  logical?: number;
  physical?: number;
  removable?: boolean;
  rotational?: boolean;
  /** Files under the device/ link (model, serial, vpd_pg80 …), relative to the device directory. */
  device?: Record<string, string | Buffer>;
  /** Files in the disk's own directory (virtio-blk's serial). */
  own?: Record<string, string>;
}

/** A /sys/block/NAME entry as the kernel lays it out: a link into /sys/devices, the device/ link one level up. */
export function addDisk(tree: FixtureTree, disk: DiskFixture): void {
  const name = disk.devicePath.split('/').at(-1) as string;
  const dir = join('sys/devices', disk.devicePath);
  tree.link(join('sys/block', name), dir);
  tree.file(join(dir, 'size'), `${disk.sectors}\n`);
  tree.file(join(dir, 'removable'), disk.removable === true ? '1\n' : '0\n');
  tree.file(join(dir, 'queue/logical_block_size'), `${disk.logical ?? 512}\n`);
  tree.file(join(dir, 'queue/physical_block_size'), `${disk.physical ?? disk.logical ?? 512}\n`);
  tree.file(join(dir, 'queue/rotational'), disk.rotational === true ? '1\n' : '0\n');
  // The real device/ is a link to the parent device (…/0:0:0:0 for SCSI, nvme0 for NVMe); its parent serves here.
  const parent = dirname(dirname(dir).endsWith('/block') ? dirname(dir) : dir);
  tree.link(join(dir, 'device'), parent);
  for (const [file, content] of Object.entries(disk.device ?? {})) tree.file(join(parent, file), content);
  for (const [file, content] of Object.entries(disk.own ?? {})) tree.file(join(dir, file), content);
}

export interface NicFixture {
  name: string;
  /** Under sys/devices; undefined for a virtual interface (no device link). */
  devicePath?: string;
  address: string;
  /** undefined: the attribute is unreadable (EINVAL while down), left out of the tree. */
  carrier?: string;
  speed?: string;
  driver?: string;
}

export function addNic(tree: FixtureTree, nic: NicFixture): void {
  const dir = join('sys/devices', nic.devicePath === undefined ? 'virtual/net' : `${nic.devicePath}/net`, nic.name);
  tree.link(join('sys/class/net', nic.name), dir);
  tree.file(join(dir, 'address'), `${nic.address}\n`);
  if (nic.carrier !== undefined) tree.file(join(dir, 'carrier'), `${nic.carrier}\n`);
  if (nic.speed !== undefined) tree.file(join(dir, 'speed'), `${nic.speed}\n`);
  if (nic.devicePath === undefined) return;
  tree.link(join(dir, 'device'), join('sys/devices', nic.devicePath));
  if (nic.driver !== undefined) tree.link(join('sys/devices', nic.devicePath, 'driver'), join('sys/bus/pci/drivers', nic.driver));
}

/** What a fake tool answers: output and exit code, or a function of its arguments. */
export type FakeAnswer = Partial<RunResult> | ((args: readonly string[]) => Partial<RunResult>);

export interface FakeRunner extends Runner {
  calls: string[];
}

/**
 * A Runner that answers from `answers` by command name and, like runTool, rejects an exit code not accepted by
 * okCodes; a command it has no answer for behaves as a missing tool (spawn ENOENT, exit -1).
 */
export function fakeRunner(answers: Record<string, FakeAnswer>): FakeRunner {
  const calls: string[] = [];
  const run = async (command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> => {
    calls.push([command, ...args].join(' '));
    const answer = answers[command];
    if (answer === undefined) throw new BrumeError('TOOL_FAILED', `${command} ${args.join(' ')} failed (exit -1): spawn ${command} ENOENT`);
    const given = typeof answer === 'function' ? answer(args) : answer;
    const result = { stdout: given.stdout ?? '', stderr: given.stderr ?? '', code: given.code ?? 0 };
    if (result.code !== 0 && options.okCodes?.includes(result.code) !== true) {
      throw new BrumeError('TOOL_FAILED', `${command} ${args.join(' ')} failed (exit ${result.code}): ${result.stderr}`);
    }
    return result;
  };
  return Object.assign(run, { calls });
}
