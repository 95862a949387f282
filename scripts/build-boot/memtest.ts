import { copyFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** Debian's memtest86+ 6 puts its 64-bit builds in /boot: a Linux-kernel-style image for BIOS and an EFI program. */
const BUILDS = ['memtest86+x64.bin', 'memtest86+x64.efi'] as const;

/** Copies both builds next to vmlinuz (the server serves them under /boot/ for the iPXE menu's memory test). */
export async function copyMemtest(extracted: string, out: string): Promise<string[]> {
  for (const name of BUILDS) {
    await copyFile(join(extracted, 'boot', name), join(out, `${name}.partial`));
    await rename(join(out, `${name}.partial`), join(out, name));
  }
  return [...BUILDS];
}
