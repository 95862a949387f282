// Runtime half of the single executable's native addons (the build half is addon-plugin.ts): koffi's and
// zstd-napi's `.node` files travel inside the executable as SEA assets. dlopen() needs a path, so each is written to
// a fresh private directory (mkdtemp: mode 0700, unpredictable name — the agent runs as root, and a shared, guessable
// path in /tmp would let anyone plant a library), loaded, and removed at once: the mapping outlives the file, so
// nothing is left behind, not even after a crash or SIGKILL, and tmpfs RAM is given back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRawAsset } from 'node:sea';

// Where the file may go: a directory mounted noexec refuses dlopen(), so /run is the second choice (the ramdisk's
// /tmp and /run are both tmpfs).
const candidateDirs = (): string[] => [...new Set([tmpdir(), '/run'])];

/** `require()` for a native addon embedded under `asset`; each thread (main, codec workers) loads its own copy. */
export function loadEmbeddedAddon(asset: string): unknown {
  const bytes = new Uint8Array(getRawAsset(asset));
  const failures: string[] = [];
  for (const parent of candidateDirs()) {
    let dir: string | undefined;
    try {
      dir = mkdtempSync(join(parent, 'brume-addon-'));
      const file = join(dir, asset);
      writeFileSync(file, bytes, { mode: 0o500 });
      const addon = { exports: {} };
      process.dlopen(addon, file);
      return addon.exports;
    } catch (error) {
      failures.push(`${parent}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    }
  }
  throw new Error(`cannot load the embedded native addon ${asset}: ${failures.join('; ')}`);
}
