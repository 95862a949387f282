import { BrumeError, HostName } from '@brume/protocol';

/**
 * Names for PCs registered from the ramdisk, from a pattern set on the server (`--host-name-pattern`), as FOG's quick
 * registration does: `{mac}` (the first MAC, hex digits only), `{serial}` (the SMBIOS serial, cleaned), and `{n}`,
 * `{nn}`, `{nnn}`… (the smallest number that makes the name free, zero-padded to as many digits as n's). Whatever
 * the pattern gives is cleaned to a valid host name: lowercase, [a-z0-9-], at most 63 characters.
 */
export const DEFAULT_HOST_NAME_PATTERN = 'pc-{mac}';

const TOKEN = /\{(mac|serial|n+)\}/g;

export interface NameFacts {
  macs: readonly string[];
  serial: string | null;
}

/** Checks a pattern at server start: a typo must stop the server, not name a room of PCs oddly. */
export function checkHostNamePattern(pattern: string): string {
  const unknown = [...pattern.matchAll(/\{([^}]*)\}/g)]
    .map((match) => match[1])
    .filter((token) => !/^(mac|serial|n+)$/.test(token ?? ''));
  if (unknown.length > 0)
    throw new BrumeError(
      'BAD_REQUEST',
      `--host-name-pattern: unknown {${unknown[0]}}; use {mac}, {serial}, {n}, {nnn}`,
    );
  const sample = clean(
    pattern.replace(TOKEN, (_, token: string) => (token.startsWith('n') ? '1'.padStart(token.length, '0') : 'x')),
  );
  if (!HostName.safeParse(sample).success)
    throw new BrumeError(
      'BAD_REQUEST',
      `--host-name-pattern: "${pattern}" gives no valid host name (lowercase letters, digits, dashes)`,
    );
  return pattern;
}

/** The name for a new host: the pattern filled in, numbered (or suffixed -2, -3…) until `isTaken` says it is free. */
export async function nameForNewHost(
  pattern: string,
  facts: NameFacts,
  isTaken: (name: string) => Promise<boolean>,
): Promise<string> {
  const mac = (facts.macs[0] ?? '').replaceAll(':', '');
  const serial = clean(facts.serial ?? '') || mac;
  const numbered = /\{n+\}/.test(pattern);
  for (let attempt = 1; attempt <= 100_000; attempt += 1) {
    const filled = pattern.replace(TOKEN, (_, token: string) =>
      token === 'mac' ? mac : token === 'serial' ? serial : String(attempt).padStart(token.length, '0'),
    );
    const base = clean(filled);
    const name = numbered || attempt === 1 ? base : clean(`${base.slice(0, 56)}-${attempt}`);
    if (!(await isTaken(name))) return name;
  }
  throw new BrumeError('HOST_EXISTS', `no free host name left for the pattern ${pattern}`);
}

function clean(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}
