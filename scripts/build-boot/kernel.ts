import { readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, copyFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parseModuleIndex, parseRules, selectModules, type Selection } from './module-selection.ts';
import type { Sysroot } from './sysroot.ts';
import { ensureDir } from './tree.ts';

const KMOD = 'usr/bin/kmod';
const XZ = 'usr/bin/xz';
/** Kept beside the modules: modprobe must know what is built in (`modprobe ext4` on a kernel that builds it in). */
const MODULE_METADATA = ['modules.order', 'modules.builtin', 'modules.builtin.modinfo'];

export interface KernelTree {
  /** Where `dpkg -x` put the kernel package. */
  dir: string;
  version: string;
  vmlinuz: string;
}

/** The one kernel version inside an extracted linux-image package. */
export function kernelTree(dir: string): KernelTree {
  const versions = readdirSync(join(dir, 'lib', 'modules'));
  if (versions.length !== 1 || versions[0] === undefined)
    throw new Error(`${dir}: expected one kernel version, found ${versions.join(', ')}`);
  const version = versions[0];
  return { dir, version, vmlinuz: join(dir, 'boot', `vmlinuz-${version}`) };
}

export function depmod(sys: Sysroot, base: string, version: string): Promise<unknown> {
  return sys.exec(KMOD, ['-b', base, version], { argv0: 'depmod' });
}

export interface ModuleCopy extends Selection {
  /** Their size as the kernel package ships them, and as xz left them in the ramdisk. */
  bytes: number;
  compressedBytes: number;
}

/**
 * xz each module: the ramdisk is unpacked into RAM and stays there, so uncompressed modules
 * would hold ~75 MiB of a 512 MiB machine; xz'd they hold ~15 MiB and the zstd ramdisk grows by under 1 MiB. kmod
 * decompresses the few it loads. A 1 MiB dictionary keeps decompression memory small; crc32 is what the kernel's own
 * decompressor accepts. Two batches at once: the machine has two cores.
 */
async function compressModules(sys: Sysroot, dir: string, modules: readonly string[]): Promise<void> {
  const batches = [modules.filter((_, i) => i % 2 === 0), modules.filter((_, i) => i % 2 === 1)];
  await Promise.all(
    batches.map((batch) =>
      sys.exec(XZ, [
        '-q',
        '-T1',
        '--check=crc32',
        '--lzma2=preset=9,dict=1MiB',
        ...batch.map((path) => join(dir, path)),
      ]),
    ),
  );
}

/**
 * Chooses the modules by kernel-config/modules.list (with their modules.dep and modules.softdep closure), copies them
 * into the ramdisk and runs depmod there, so modules.alias and modules.dep describe exactly what the ramdisk holds.
 */
export async function copyModules(
  sys: Sysroot,
  kernel: KernelTree,
  rulesFile: string[],
  root: string,
): Promise<ModuleCopy> {
  await depmod(sys, kernel.dir, kernel.version);
  const source = join(kernel.dir, 'lib', 'modules', kernel.version);
  const read = (name: string): string => readFileSync(join(source, name), 'utf8');
  const index = parseModuleIndex(read('modules.dep'), read('modules.alias'), read('modules.softdep'));
  const selection = selectModules(index, parseRules(rulesFile));
  const target = `usr/lib/modules/${kernel.version}`;
  let bytes = 0;
  for (const path of [...selection.modules, ...MODULE_METADATA]) {
    await ensureDir(root, posix.join(target, posix.dirname(path)));
    await copyFile(join(source, path), join(root, target, path));
    await chmod(join(root, target, path), 0o644);
    if (path.endsWith('.ko')) bytes += statSync(join(source, path)).size;
  }
  await compressModules(sys, join(root, target), selection.modules);
  const compressedBytes = selection.modules.reduce(
    (sum, path) => sum + statSync(join(root, target, `${path}.xz`)).size,
    0,
  );
  await depmod(sys, root, kernel.version);
  return { ...selection, modules: selection.modules.map((path) => `${path}.xz`), bytes, compressedBytes };
}

/** The firmware files the shipped modules declare (`modinfo -F firmware`), as paths under lib/firmware. */
export async function declaredFirmware(
  sys: Sysroot,
  root: string,
  version: string,
  modules: readonly string[],
): Promise<string[]> {
  const files = modules.map((path) => join(root, 'usr/lib/modules', version, path));
  const names = new Set<string>();
  // Batches keep the argument vector well below the kernel's limit.
  for (let at = 0; at < files.length; at += 200) {
    const { stdout } = await sys.exec(KMOD, ['-F', 'firmware', ...files.slice(at, at + 200)], { argv0: 'modinfo' });
    for (const line of stdout.split('\n')) if (line.trim() !== '') names.add(line.trim());
  }
  return [...names].sort();
}
