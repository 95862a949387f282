import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Warn } from './deps.ts';
import { readBytes } from './sysfs.ts';

/** The EFI global variable GUID: SecureBoot lives under it. */
const SECURE_BOOT_VAR = 'SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c';

export interface FirmwareMode {
  mode: 'bios' | 'uefi';
  secureBoot: boolean | null;
}

/**
 * How this boot started. The kernel makes /sys/firmware/efi only when the firmware handed it EFI runtime services, so
 * its existence is the boot mode (a UEFI PC booted in legacy mode is BIOS here, which is what imaging cares about).
 */
export function readFirmwareMode(sysRoot: string, warn: Warn): FirmwareMode {
  const efi = join(sysRoot, 'firmware', 'efi');
  if (!existsSync(efi)) return { mode: 'bios', secureBoot: null };
  return { mode: 'uefi', secureBoot: readSecureBoot(join(efi, 'efivars'), warn) };
}

function readSecureBoot(efivars: string, warn: Warn): boolean | null {
  // efivarfs: 4 bytes of attributes, then the value; SecureBoot's is one byte, 1 when the firmware enforces signatures.
  const value = readBytes(join(efivars, SECURE_BOOT_VAR));
  if (value !== undefined && value.length >= 5) return value[value.length - 1] === 1;
  let variables: string[] = [];
  try {
    variables = readdirSync(efivars);
  } catch {
    // no efivars directory at all
  }
  if (variables.length === 0) {
    warn(`Secure Boot: ${efivars} is empty or missing (efivarfs not mounted?)`);
    return null;
  }
  if (value === undefined) return false; // efivarfs readable and no SecureBoot variable: firmware without Secure Boot
  warn(`Secure Boot: ${SECURE_BOOT_VAR} has ${value.length} bytes, expected 5`);
  return null;
}
