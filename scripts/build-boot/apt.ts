import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './run.ts';

/** One package as apt's index describes its candidate version. */
export interface DebPackage {
  name: string;
  version: string;
  arch: string;
  size: number;
  sha256: string;
  /** The name `apt-get download` gives the file (the epoch's colon escaped). */
  file: string;
}

const APT_LISTS = '/var/lib/apt/lists';
// apt-get download writes as root into a root-owned cache; the _apt sandbox user could not, and apt would warn.
const APT_OPTIONS = ['-o', 'APT::Sandbox::User=root', '-q'];

/** A fresh machine may have sources but no index yet: update only then, so a build never moves versions by itself. */
export async function ensureAptLists(): Promise<boolean> {
  const hasIndex = existsSync(APT_LISTS) && readdirSync(APT_LISTS).some((name) => name.includes('_Packages'));
  if (hasIndex) return false;
  await run('apt-get', [...APT_OPTIONS, 'update']);
  return true;
}

/** Parses `apt-cache depends`: package → the first alternative of each dependency (a virtual one → its first provider). */
export function parseDepends(text: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  let current: string[] | undefined;
  let alternativeOpen = false;
  let virtualPending = false;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (!line.startsWith(' ')) {
      current = [];
      graph.set(line.trim(), current);
      alternativeOpen = false;
      virtualPending = false;
      continue;
    }
    const dependency = /^ {2}(\|?)(?:Pre)?Depends: (\S+)/.exec(line);
    if (dependency !== null) {
      const chosen = !alternativeOpen;
      alternativeOpen = dependency[1] === '|';
      const name = (dependency[2] ?? '').replace(/:any$/, '');
      virtualPending = chosen && name.startsWith('<');
      if (chosen && !virtualPending) current?.push(name);
      continue;
    }
    const provider = /^ {4}(\S+)$/.exec(line);
    if (provider !== null && virtualPending) {
      current?.push(provider[1] ?? '');
      virtualPending = false;
    }
  }
  return graph;
}

/**
 * The roots plus every shared-library package they need, transitively. Debian names a shared-library package after its
 * soname (libfoo1, libstdc++6, libfuse3-3; a trailing letter marks an ABI variant: zlib1g, libpam0g; a trailing word a
 * flavour: libjpeg62-turbo, which photorec needs), so following
 * only such names keeps perl, python and debconf out while keeping every library a binary can link. `ld.so --list`
 * checks the result later: a library missing from these packages fails the build.
 */
export async function libraryClosure(roots: readonly string[]): Promise<string[]> {
  const isLibrary = (name: string): boolean => /^z?lib.*\d(?:[a-z]|-[a-z]+)?$/.test(name);
  const seen = new Set(roots);
  let frontier = [...roots];
  while (frontier.length > 0) {
    const { stdout } = await run('apt-cache', [
      'depends',
      '--no-recommends',
      '--no-suggests',
      '--no-conflicts',
      '--no-breaks',
      '--no-replaces',
      '--no-enhances',
      ...frontier,
    ]);
    const next: string[] = [];
    for (const dependencies of parseDepends(stdout).values()) {
      for (const name of dependencies) {
        if (isLibrary(name) && !seen.has(name)) {
          seen.add(name);
          next.push(name);
        }
      }
    }
    frontier = next;
  }
  return [...seen].sort();
}

/** The candidate version of each package, from apt's index. */
export async function candidates(names: readonly string[]): Promise<DebPackage[]> {
  const { stdout } = await run('apt-cache', ['show', '--no-all-versions', ...names]);
  const packages = stdout
    .split(/\n\n+/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const field = (key: string): string => new RegExp(`^${key}: (.*)$`, 'm').exec(block)?.[1]?.trim() ?? '';
      const pkg = {
        name: field('Package'),
        version: field('Version'),
        arch: field('Architecture'),
        size: Number(field('Size')),
        sha256: field('SHA256'),
      };
      return { ...pkg, file: `${pkg.name}_${pkg.version.replace(':', '%3a')}_${pkg.arch}.deb` };
    });
  // A multiarch machine lists foreign architectures too: keep the native (or arch-independent) one of each name.
  const native = new Map<string, DebPackage>();
  for (const pkg of packages)
    if ((pkg.arch === 'amd64' || pkg.arch === 'all') && !native.has(pkg.name)) native.set(pkg.name, pkg);
  const missing = names.filter((name) => !native.has(name));
  if (missing.length > 0)
    throw new Error(`apt knows no installable version of: ${missing.join(', ')} (check the apt sources)`);
  return [...native.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/**
 * Puts every package's .deb into `cache`, downloading only those not already there with the index's sha256.
 * Returns the names it had to download. A file with a wrong hash is set aside, never trusted.
 */
export async function downloadDebs(packages: readonly DebPackage[], cache: string): Promise<string[]> {
  mkdirSync(cache, { recursive: true });
  const missing: DebPackage[] = [];
  for (const pkg of packages) {
    const path = join(cache, pkg.file);
    if (existsSync(path) && (await sha256Of(path)) === pkg.sha256) continue;
    if (existsSync(path)) await rename(path, `${path}.bad`);
    missing.push(pkg);
  }
  if (missing.length === 0) return [];
  await run('apt-get', [...APT_OPTIONS, 'download', ...missing.map((pkg) => `${pkg.name}=${pkg.version}`)], {
    cwd: cache,
  });
  for (const pkg of missing) {
    const path = join(cache, pkg.file);
    if (!existsSync(path)) throw new Error(`apt-get download did not write ${pkg.file}`);
    if ((await sha256Of(path)) !== pkg.sha256) throw new Error(`${pkg.file}: sha256 differs from apt's index`);
  }
  return missing.map((pkg) => pkg.name);
}
