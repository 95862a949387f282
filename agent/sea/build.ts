// `npm run build:agent`: the agent as one executable, dist/agent/brume, for the PXE ramdisk (no Node, no node_modules
// there). Steps: esbuild bundles the agent's CLI and, separately, the codec worker; Node writes the SEA blob (the main
// bundle, its code cache, and the assets of sea-config.json: the worker and the two native addons); postject injects
// the blob into a stripped copy of the project's Node 24 binary. Paths in sea-config.json are relative to the repository
// root. blessed (the technician's menus) is bundled through blessed-plugin.ts; its fallback terminfo entries are assets.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, realpathSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { CODEC_WORKER_ASSET } from '../src/imaging/codec-pool.ts';
import { ADDON_ASSETS, embeddedAddonsPlugin } from './addon-plugin.ts';
import { blessedPlugin } from './blessed-plugin.ts';
import { BLESSED_TERMINFO_ENTRIES, blessedTerminfoAsset } from './embedded-terminfo.ts';

const root = realpathSync(new URL('../..', import.meta.url));
const fromRoot = (path: string): string => join(root, path);
const SEA_CONFIG = 'agent/sea/sea-config.json';
const OUTPUT = 'dist/agent/brume';
// The blob must be made by the very Node that runs it: the project's Node 24, not whatever `node` ran this script.
const NODE = '.tools/node/bin/node';
// Fixed by Node: the fuse postject flips so the binary looks for its blob.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

interface SeaConfig {
  main: string;
  output: string;
  assets: Record<string, string>;
}

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs', // a SEA's main script is CommonJS; the worker runs as an eval'd script
  target: 'node24',
  plugins: [embeddedAddonsPlugin(), blessedPlugin()],
  logLevel: 'warning',
  legalComments: 'none',
  // CommonJS has no import.meta. The one use left in the bundle is codec-pool's checkout path, never taken in the SEA;
  // any other gets the bundle's own file URL (the executable), as a CommonJS module would see itself.
  define: { 'import.meta.url': '__brumeModuleUrl' },
  banner: { js: 'var __brumeModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
};

/** The config names every asset the bundles ask for, so a renamed one fails here, not on a PC at boot. */
function readSeaConfig(): SeaConfig & { workerBundle: string } {
  const config = JSON.parse(readFileSync(fromRoot(SEA_CONFIG), 'utf8')) as SeaConfig;
  for (const asset of [
    CODEC_WORKER_ASSET,
    ...Object.values(ADDON_ASSETS),
    ...BLESSED_TERMINFO_ENTRIES.map(blessedTerminfoAsset),
  ]) {
    if (config.assets[asset] === undefined) throw new Error(`${SEA_CONFIG} has no asset "${asset}"`);
  }
  return { ...config, workerBundle: config.assets[CODEC_WORKER_ASSET] ?? '' };
}

/** The agent's CLI and the codec worker, each one self-contained CommonJS file; then every asset must exist. */
async function bundle(config: ReturnType<typeof readSeaConfig>): Promise<void> {
  await Promise.all([
    build({ ...common, entryPoints: [fromRoot('agent/sea/entry.ts')], outfile: fromRoot(config.main) }),
    build({
      ...common,
      entryPoints: [fromRoot('agent/src/imaging/codec-worker.ts')],
      outfile: fromRoot(config.workerBundle),
    }),
  ]);
  for (const [asset, path] of Object.entries(config.assets)) {
    if (!existsSync(fromRoot(path))) throw new Error(`asset ${asset}: ${path} does not exist`);
  }
}

/**
 * Blob, then a copy of Node with the blob injected, renamed into place only once whole. The copy is stripped of its
 * symbols and debug info (the dynamic symbols addons link against stay): 131.5 → 113.7 MB, which the ramdisk holds in
 * RAM once unpacked, and 33.7 → 31.0 MB under zstd -19.
 */
function injectBlob(config: SeaConfig, node: string): void {
  // The code cache (V8's compiled bundle, ~15% off startup) differs from run to run unless V8's random seed is fixed
  // while it is made; the seed is not part of the cache's flag check, so the executable still accepts it and still
  // seeds Math.random and its hash tables afresh at each start (the agents' retry jitter must differ between PCs).
  quietly(node, ['--random-seed=1', '--experimental-sea-config', SEA_CONFIG]);
  const partial = fromRoot(`${OUTPUT}.partial`);
  quietly('strip', ['--strip-all', '-o', partial, node]); // binutils
  chmodSync(partial, 0o755);
  // postject's CLI (its JS API has no types). LIEF, inside it, warns about each ELF note it cannot name — harmless.
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  quietly(node, [postject, partial, 'NODE_SEA_BLOB', fromRoot(config.output), '--sentinel-fuse', SEA_FUSE]);
  renameSync(partial, fromRoot(OUTPUT));
}

/** Runs a build tool from the repository root; what it says is shown only if it fails. */
function quietly(command: string, args: string[]): void {
  const run = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  if (run.status === 0) return;
  process.stderr.write(`${run.stdout ?? ''}${run.stderr ?? ''}`);
  throw new Error(`${command} ${args.join(' ')}: ${run.error?.message ?? `exit ${String(run.status)}`}`);
}

const MB = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

const USAGE = `usage: npm run build:agent
  writes ${OUTPUT}: the agent as a Node 24 single executable (esbuild bundle + SEA blob, injected by postject)
`;

async function main(): Promise<void> {
  const started = performance.now();
  const node = realpathSync(fromRoot(NODE));
  const config = readSeaConfig();
  await bundle(config);
  injectBlob(config, node);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const sizes = `bundle ${MB(statSync(fromRoot(config.main)).size)}, blob ${MB(statSync(fromRoot(config.output)).size)}`;
  process.stdout.write(`${OUTPUT}: ${MB(statSync(fromRoot(OUTPUT)).size)} (${sizes}) in ${seconds} s\n`);
}

if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) process.stdout.write(USAGE);
else await main();
