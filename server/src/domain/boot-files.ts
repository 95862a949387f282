import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BrumeError } from '@brume/protocol';

/** What `npm run build:boot` writes and iPXE fetches: the kernel and the ramdisk, without which no PC can be imaged. */
export const BOOT_FILE_NAMES = ['vmlinuz', 'initrd.zst'] as const;
/** Debian's memtest86+ (BIOS and UEFI builds), also written by the boot build: the menu offers what is there. */
export const MEMTEST_FILES = { bios: 'memtest86+x64.bin', efi: 'memtest86+x64.efi' } as const;
export const SERVED_BOOT_FILES = [...BOOT_FILE_NAMES, MEMTEST_FILES.bios, MEMTEST_FILES.efi] as const;
export type BootFileName = (typeof SERVED_BOOT_FILES)[number];

/** One boot file, opened: what planDownload needs, and its bytes read from the very file that was measured. */
export interface OpenBootFile {
  name: BootFileName;
  bytes: number;
  sha256: string;
  /** The whole file or an inclusive range; the stream closes the file when it ends or is destroyed. */
  stream(range: { start: number; end: number } | null): Readable;
  /** For answers without a body (HEAD, 304, 416). */
  close(): Promise<void>;
}

export interface BootFiles {
  readonly dir: string;
  /** Opens a boot file; BOOT_FILES_MISSING when it is not there. */
  open(name: BootFileName): Promise<OpenBootFile>;
  /** The kernel or ramdisk missing from the directory; empty when a PC can be booted. */
  missing(): Promise<BootFileName[]>;
  /** Whether a file is there (the optional ones: memtest). */
  has(name: BootFileName): Promise<boolean>;
}

const HASH_BUFFER_BYTES = 4 * 1024 * 1024;

async function sha256Of(handle: FileHandle, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(Math.min(HASH_BUFFER_BYTES, Math.max(bytes, 1)));
  for (let position = 0; position < bytes;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest('hex');
}

const isFile = (path: string): Promise<boolean> =>
  stat(path).then(
    (info) => info.isFile(),
    () => false,
  );

export function missingMessage(dir: string, names: readonly string[]): string {
  return `${names.join(' and ')} missing from the boot directory ${dir}: build them with \`npm run build:boot\`, or start the server with --boot DIR`;
}

/**
 * The boot directory. A file's sha256 (its strong ETag) is computed on first use and kept while the file stays the same
 * one (device, inode, size, mtime): a rebuild is picked up without a restart. The cache belongs to this value, one per
 * app.
 */
export function bootFiles(dir: string): BootFiles {
  const digests = new Map<BootFileName, { identity: string; sha256: Promise<string> }>();

  const digestOf = (name: BootFileName, handle: FileHandle, identity: string, bytes: number): Promise<string> => {
    const known = digests.get(name);
    if (known?.identity === identity) return known.sha256;
    const sha256 = sha256Of(handle, bytes);
    digests.set(name, { identity, sha256 });
    sha256.catch(() => digests.delete(name));
    return sha256;
  };

  return {
    dir,
    async open(name) {
      let handle: FileHandle;
      try {
        handle = await open(join(dir, name), 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        throw new BrumeError('BOOT_FILES_MISSING', missingMessage(dir, [name]), { detail: { dir, file: name } });
      }
      try {
        const info = await handle.stat();
        const sha256 = await digestOf(name, handle, `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`, info.size);
        return {
          name,
          bytes: info.size,
          sha256,
          stream: (range) =>
            handle.createReadStream({
              start: range?.start ?? 0,
              ...(range === null ? {} : { end: range.end }),
              autoClose: true,
            }),
          close: () => handle.close(),
        };
      } catch (error) {
        await handle.close();
        throw error;
      }
    },
    async missing() {
      const present = await Promise.all(BOOT_FILE_NAMES.map((name) => isFile(join(dir, name))));
      return BOOT_FILE_NAMES.filter((_name, index) => !present[index]);
    },
    has: (name) => isFile(join(dir, name)),
  };
}
