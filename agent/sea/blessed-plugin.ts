// Build half of blessed in the single executable (the runtime half is embedded-terminfo.ts). Two things in blessed
// work only from an installed node_modules, and this esbuild plugin replaces exactly those, keeping the rest as
// published:
// - lib/widget.js requires its widgets by computed name (`require('./widgets/' + file)`), which esbuild cannot follow:
//   it becomes the same module with one literal require per widget, the list read from blessed's own widget.classes.
// - lib/tput.js opens its fallback terminfo entries at `__dirname + '/../usr/…'`; in the executable __dirname is the
//   executable's directory, so those paths point at the directory embedded-terminfo.ts writes the entries to.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const terminfoModule = fileURLToPath(new URL('./embedded-terminfo.ts', import.meta.url));

/**
 * Widgets left out of the bundle: they need packages or programs the ramdisk does not have (term.js and pty.js for
 * Terminal and Video; w3mimgdisplay or image decoders for the Image family) or read font files from blessed's own
 * directory (BigText). `blessed.terminal` and the like are undefined in the executable.
 */
const LEFT_OUT = new Set(['Terminal', 'Video', 'Image', 'ANSIImage', 'OverlayImage', 'BigText']);

/** The start of each of tput.js's four fallback paths (xterm, xterm.termcap, <term>, <term>.termcap). */
const USR_PATH = "__dirname + '/../usr/";
const USR_PATHS_EXPECTED = 4;

function staticWidgetIndex(source: string, path: string): string {
  const list = /widget\.classes = \[([^\]]*)\]/.exec(source)?.[1];
  if (list === undefined) throw new Error(`${path}: no widget.classes list; blessed changed, check blessed-plugin.ts`);
  const classes = [...list.matchAll(/'(\w+)'/g)].map((match) => match[1] ?? '').filter((name) => !LEFT_OUT.has(name));
  return [
    'var widget = exports;',
    `widget.classes = ${JSON.stringify(classes)};`,
    ...classes.map(
      (name) => `widget.${name} = widget.${name.toLowerCase()} = require('./widgets/${name.toLowerCase()}');`,
    ),
    "widget.aliases = { ListBar: 'Listbar' };",
    'widget.ListBar = widget.Listbar;',
    '',
  ].join('\n');
}

function tputWithEmbeddedTerminfo(source: string, path: string): string {
  const found = source.split(USR_PATH).length - 1;
  if (found !== USR_PATHS_EXPECTED) {
    throw new Error(
      `${path}: ${found} fallback terminfo paths, expected ${USR_PATHS_EXPECTED}; blessed changed, check blessed-plugin.ts`,
    );
  }
  return source.replaceAll(USR_PATH, `require(${JSON.stringify(terminfoModule)}).blessedTerminfoDir() + '/`);
}

export function blessedPlugin(): Plugin {
  return {
    name: 'brume-blessed',
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/]blessed[\\/]lib[\\/]widget\.js$/ }, async (args) => ({
        contents: staticWidgetIndex(await readFile(args.path, 'utf8'), args.path),
        loader: 'js',
      }));
      build.onLoad({ filter: /[\\/]node_modules[\\/]blessed[\\/]lib[\\/]tput\.js$/ }, async (args) => ({
        contents: tputWithEmbeddedTerminfo(await readFile(args.path, 'utf8'), args.path),
        loader: 'js',
      }));
    },
  };
}
