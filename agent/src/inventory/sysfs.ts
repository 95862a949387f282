import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Reading kernel attribute files. Every read may fail for reasons that say "unknown", not "broken": the attribute does
 * not exist on this driver, or the kernel refuses it in this state (`speed` of a NIC that is down: EINVAL).
 */

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function readBytes(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

export function readInteger(path: string): number | undefined {
  const text = readText(path);
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  return Number(text);
}

/** The last component of a symlink's target (a driver link → its name), undefined when there is no link. */
export function linkName(path: string): string | undefined {
  try {
    return basename(readlinkSync(path));
  } catch {
    return undefined;
  }
}

const MAX_TEXT = 256;

/**
 * A hardware string as the inventory stores it: firmware and drive strings come padded, sometimes with control bytes,
 * and nothing bounds their length, while the protocol does (256). Empty is unknown.
 */
export function cleanText(value: string | undefined): string | null {
  if (value === undefined) return null;
  // eslint-disable-next-line no-control-regex
  const text = value
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? null : text.slice(0, MAX_TEXT);
}
