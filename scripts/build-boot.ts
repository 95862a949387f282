// `npm run build:boot`: the PXE boot files, dist/boot/vmlinuz and dist/boot/initrd.zst, from Debian packages only
// (apt-get download + dpkg -x; nothing is fetched at boot). Downloads are cached in .cache/boot/debs; everything else
// is rebuilt from them each time, so a second build gives the same bytes without touching the network.
// Options: --firmware free|nonfree (BRUME_BOOT_FIRMWARE), --agent build|prebuilt|stub (BRUME_BOOT_AGENT),
// SOURCE_DATE_EPOCH. See initramfs/README.md and kernel-config/README.md.
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { installAgent } from './build-boot/agent.ts';
import { downloadDebs, ensureAptLists } from './build-boot/apt.ts';
import { bootBuildConfig, type BootBuildConfig } from './build-boot/config.ts';
import { extractAll, mergeSysroot } from './build-boot/extract.ts';
import { copyAllFirmware, copyDeclaredFirmware } from './build-boot/firmware.ts';
import { copyModules, declaredFirmware, kernelTree } from './build-boot/kernel.ts';
import { copyExtraFiles, copyLibraries } from './build-boot/libraries.ts';
import { readList } from './build-boot/lists.ts';
import { pack } from './build-boot/pack.ts';
import { allPackages, kernelImage, packagesText, resolvePackages } from './build-boot/packages.ts';
import { copyMemtest } from './build-boot/memtest.ts';
import { copyOverlay, createSkeleton, writeTextFile } from './build-boot/rootfs.ts';
import { sysroot } from './build-boot/sysroot.ts';
import { copyUserland, linkBusyboxApplets } from './build-boot/userland.ts';

const MiB = 1024 * 1024;
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

function stepper(): (title: string) => void {
  const started = performance.now();
  let count = 0;
  return (title) => {
    count += 1;
    console.log(`build-boot: ${count}. ${title} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  };
}

function warnLoudly(lines: readonly string[]): void {
  const bar = '!'.repeat(100);
  console.warn(['', bar, ...lines.map((line) => `!!! ${line}`), bar, ''].join('\n'));
}

async function build(config: BootBuildConfig): Promise<void> {
  const step = stepper();
  const root = join(config.work, 'root');
  step('apt: index, packages and their shared-library closure');
  if (await ensureAptLists()) console.log('build-boot:    apt had no index: ran apt-get update');
  const set = await resolvePackages(config);
  const downloaded = await downloadDebs(allPackages(set), config.debCache);
  console.log(
    `build-boot:    ${allPackages(set).length} packages; downloaded ${downloaded.length}, the rest from ${config.debCache}`,
  );

  // 2. extract into a fresh work tree: nothing of a previous build survives but the downloads
  step('dpkg -x into a fresh work tree');
  await rm(config.work, { recursive: true, force: true });
  const extract = join(config.work, 'extract');
  const [userland, support, kernel, freeFirmware, nonfreeFirmware, memtest] = await Promise.all(
    [set.userland, set.support, [kernelImage(set)], set.freeFirmware, set.nonfreeFirmware, set.memtest].map(
      (packages) => extractAll(packages, config.debCache, extract),
    ),
  );
  const sys = sysroot(join(config.work, 'sysroot'));
  await mergeSysroot([...(userland ?? []), ...(support ?? [])], sys.dir);

  step('userland: package files, busybox applets, the agent, the overlay');
  await createSkeleton(root);
  const files = await copyUserland(userland ?? [], root, readList(join(config.root, 'initramfs', 'strip.list')));
  const applets = await linkBusyboxApplets(sys, root);
  const agent = await installAgent(config.root, root, config.agent);
  await copyOverlay(join(config.root, 'initramfs', 'rootfs'), root);
  console.log(
    `build-boot:    ${files} package files, ${applets.length} busybox applets, agent: ${agent.kind} (${mib(agent.bytes)})`,
  );

  step('shared libraries (ld.so --list of every ELF file, in the sysroot)');
  const extras = await copyExtraFiles(sys, root, readList(join(config.root, 'initramfs', 'extra-files.list')));
  const libraries = await copyLibraries(sys, root);
  console.log(`build-boot:    ${libraries.length} libraries, ${extras} extra files (initramfs/extra-files.list)`);

  step('kernel modules (kernel-config/modules.list + modules.dep closure, depmod) and firmware');
  const tree = kernelTree(kernel?.[0]?.dir ?? '');
  const modules = await copyModules(sys, tree, readList(join(config.root, 'kernel-config', 'modules.list')), root);
  const groups = [...modules.groups].map(([group, count]) => `${group} ${count}`).join(', ');
  console.log(
    `build-boot:    ${modules.modules.length} modules for ${tree.version}, ${mib(modules.bytes)} → xz ${mib(modules.compressedBytes)} (chosen by group: ${groups})`,
  );
  if (modules.unmatched.length > 0)
    console.log(`build-boot:    patterns matching no module (built in?): ${modules.unmatched.join('; ')}`);
  const free = await copyAllFirmware(freeFirmware ?? [], root);
  console.log(`build-boot:    firmware-linux-free: ${free.files} files, ${mib(free.bytes)}`);
  if (config.firmware === 'nonfree') {
    const declared = await declaredFirmware(sys, root, tree.version, modules.modules);
    const nonfree = await copyDeclaredFirmware(nonfreeFirmware ?? [], root, declared);
    console.log(
      `build-boot:    non-free firmware: ${nonfree.files} files, ${mib(nonfree.bytes)} (${declared.length} declared by the modules, ${nonfree.absent.length} in no package)`,
    );
  }

  step('pack: cpio (newc, reproducible) | zstd');
  const manifest = packagesText(set, tree.version);
  await writeTextFile(root, 'usr/share/brume/packages.txt', manifest);
  await mkdir(config.out, { recursive: true });
  const packed = await pack(sys, root, join(config.out, 'initrd.zst'), config.sourceDateEpoch, config.zstdLevel);
  await copyFile(tree.vmlinuz, join(config.out, 'vmlinuz.partial'));
  await rename(join(config.out, 'vmlinuz.partial'), join(config.out, 'vmlinuz'));
  await writeTextFile(config.out, 'packages.txt', manifest);
  const memtestFiles = await copyMemtest(memtest?.[0]?.dir ?? '', config.out);
  step(
    `done: ${config.out}/initrd.zst ${mib(packed.zstdBytes)} (cpio ${mib(packed.cpioBytes)}, ${packed.entries} entries), vmlinuz ${tree.version}, ${memtestFiles.join(' and ')}`,
  );
  if (agent.kind === 'stub') {
    warnLoudly([
      'THE RAMDISK HAS NO AGENT: /usr/bin/brume is a stub that only prints its arguments and /proc/cmdline.',
      `Reason: ${agent.reason ?? 'unknown'}.`,
      'Build the agent (npm run build:agent → dist/agent/brume), then run npm run build:boot again.',
    ]);
  }
}

const USAGE = `usage: npm run build:boot [-- --firmware free|nonfree] [--agent build|prebuilt|stub]
  writes dist/boot/vmlinuz (Debian's signed kernel), dist/boot/initrd.zst (the ramdisk with the agent) and memtest86+;
  the environment's BRUME_BOOT_FIRMWARE and BRUME_BOOT_AGENT stand for the flags, SOURCE_DATE_EPOCH for the files' time
`;

const argv = process.argv.slice(2);
if (argv.some((arg) => arg === '--help' || arg === '-h')) {
  process.stdout.write(USAGE);
} else {
  process.umask(0o022);
  const config = bootBuildConfig(resolve(import.meta.dirname, '..'), argv, process.env);
  build(config).catch((error: unknown) => {
    console.error(`build-boot: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
