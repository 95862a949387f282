// Build half of the single executable's native addons (the runtime half is embedded-addon.ts). koffi and zstd-napi
// find their `.node` file by probing paths under node_modules, which the ramdisk does not have; this esbuild plugin
// replaces exactly the module that loads the binary with one line that loads the SEA asset instead, and keeps the rest
// of each package's own JS (koffi's version check and wrappers, zstd-napi's classes) as published.
import { fileURLToPath } from 'node:url';
import type { OnResolveArgs, Plugin, PluginBuild } from 'esbuild';

const NAMESPACE = 'brume-embedded-addon';
const here = fileURLToPath(new URL('.', import.meta.url));
const loaderModule = fileURLToPath(new URL('./embedded-addon.ts', import.meta.url));

/** Asset names; sea-config.json maps each to its file in node_modules, and build.ts checks the two agree. */
export const ADDON_ASSETS = { koffi: 'koffi.node', zstd: 'zstd-napi.node' } as const;

/** koffi's loader: `require('@koromix/koffi-<platform>-<arch>')`, one prebuilt package per platform. */
const KOFFI_BINARY_PACKAGE = `@koromix/koffi-${process.platform}-${process.arch}`;

function embedded(asset: string) {
  return { path: asset, namespace: NAMESPACE };
}

/** koffi's ESM entry calls createRequire(import.meta.url) as it loads, which a CommonJS bundle cannot honour: use its CJS entry. */
async function koffiCommonJs(build: PluginBuild, args: OnResolveArgs) {
  if (args.pluginData === NAMESPACE) return undefined;
  const resolved = await build.resolve(args.path, {
    kind: 'require-call',
    resolveDir: args.resolveDir,
    pluginData: NAMESPACE,
  });
  return resolved.errors.length > 0 ? { errors: resolved.errors } : { path: resolved.path };
}

export function embeddedAddonsPlugin(): Plugin {
  return {
    name: 'brume-embedded-addons',
    setup(build) {
      build.onResolve({ filter: /^koffi$/ }, (args) => koffiCommonJs(build, args));
      // This platform's binary comes from the asset; the other platforms' requires stay in koffi's try/catch and fail
      // there, harmlessly, as they would in any install that lacks them.
      build.onResolve({ filter: /^@koromix\/koffi-/ }, (args) =>
        args.path === KOFFI_BINARY_PACKAGE ? embedded(ADDON_ASSETS.koffi) : { path: args.path, external: true },
      );
      // zstd-napi's dist/*.js all reach the binary through `require('../binding')`.
      build.onResolve({ filter: /^\.\.\/binding$/ }, (args) =>
        /[\\/]zstd-napi[\\/]dist$/.test(args.resolveDir) ? embedded(ADDON_ASSETS.zstd) : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(loaderModule)}).loadEmbeddedAddon(${JSON.stringify(args.path)});\n`,
        loader: 'js',
        resolveDir: here,
      }));
    },
  };
}
