import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { chmod, copyFile, symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Extracted } from './extract.ts';
import { ensureDir, walk } from './tree.ts';

const FIRMWARE_DIR = 'lib/firmware';
const TARGET_DIR = 'usr/lib/firmware';

export interface FirmwareCopy {
  files: number;
  bytes: number;
}

/** Every file of the free firmware package(s): a handful of small blobs, taken whole. */
export async function copyAllFirmware(packages: readonly Extracted[], root: string): Promise<FirmwareCopy> {
  const copy: FirmwareCopy = { files: 0, bytes: 0 };
  for (const { dir } of packages) {
    for (const entry of await walk(join(dir, FIRMWARE_DIR))) {
      if (entry.kind === 'dir') continue;
      await copyFirmwareFile(join(dir, FIRMWARE_DIR), root, entry.rel, copy);
    }
  }
  return copy;
}

/**
 * From the non-free firmware packages, only the files the shipped modules declare: those packages also carry GPU,
 * Wi-Fi and DSP firmware that no imaging NIC loads. Returns what was copied and the declared names no package had.
 */
export async function copyDeclaredFirmware(
  packages: readonly Extracted[],
  root: string,
  declared: readonly string[],
): Promise<FirmwareCopy & { absent: string[] }> {
  const copy: FirmwareCopy = { files: 0, bytes: 0 };
  const absent: string[] = [];
  for (const name of declared) {
    const owner = packages.find(
      ({ dir }) => lstatSync(join(dir, FIRMWARE_DIR, name), { throwIfNoEntry: false }) !== undefined,
    );
    if (owner === undefined) absent.push(name);
    else await copyFirmwareFile(join(owner.dir, FIRMWARE_DIR), root, name, copy);
  }
  return { ...copy, absent };
}

async function copyFirmwareFile(from: string, root: string, rel: string, copy: FirmwareCopy, depth = 0): Promise<void> {
  const target = join(root, TARGET_DIR, rel);
  if (depth > 10 || lstatSync(target, { throwIfNoEntry: false }) !== undefined) return;
  await ensureDir(root, posix.join(TARGET_DIR, posix.dirname(rel)));
  const source = join(from, rel);
  if (lstatSync(source).isSymbolicLink()) {
    // Firmware packages link one blob under several names within lib/firmware; keep the link, relative.
    const raw = readlinkSync(source);
    const pointed = raw.startsWith('/')
      ? raw.replace(/^\/(usr\/)?lib\/firmware\//, '')
      : posix.normalize(posix.join(posix.dirname(rel), raw));
    await symlink(posix.relative(posix.dirname(rel), pointed), target);
    await copyFirmwareFile(from, root, pointed, copy, depth + 1);
    return;
  }
  await copyFile(source, target);
  await chmod(target, 0o644);
  copy.files += 1;
  copy.bytes += statSync(source).size;
}
