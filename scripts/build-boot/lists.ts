import { readFileSync } from 'node:fs';

/** The lines of a list file of initramfs/ or kernel-config/, without comments (`#` to the end) and blank lines. */
export function readList(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '');
}

/** True when `rel` is one of `prefixes` or lies below one of them. */
export function underAny(rel: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => rel === prefix || rel.startsWith(`${prefix}/`));
}
