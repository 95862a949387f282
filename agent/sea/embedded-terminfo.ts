// Runtime half of blessed's terminfo fallbacks in the single executable (the build half is blessed-plugin.ts).
// blessed reads the system's terminfo first (the ramdisk's ncurses-base has linux, vt100, vt220, xterm, screen, tmux…),
// and falls back to compiled entries from its own usr/ directory when an entry is missing or in ncurses' newer format it
// cannot parse (xterm-256color, tmux-256color on Debian 12). In the executable those entries are SEA assets; blessed
// wants a directory path, so each fallback gets a fresh private one (mkdtemp: mode 0700, unpredictable name), removed
// on the next turn of the event loop: blessed reads the file synchronously as soon as it has the path.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRawAsset } from 'node:sea';

/** The entries of blessed's usr/ that its fallbacks open: the one named after $TERM, else xterm. */
export const BLESSED_TERMINFO_ENTRIES = ['linux', 'xterm', 'xterm-256color'] as const;

/** The SEA asset holding an entry; sea-config.json maps each to node_modules/blessed/usr/<entry>. */
export const blessedTerminfoAsset = (entry: string): string => `blessed-terminfo/${entry}`;

/** Stands for blessed's `__dirname + '/../usr'`: a directory holding its terminfo entries, for this instant only. */
export function blessedTerminfoDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'brume-terminfo-'));
  setImmediate(() => rmSync(dir, { recursive: true, force: true }));
  for (const entry of BLESSED_TERMINFO_ENTRIES) {
    writeFileSync(join(dir, entry), new Uint8Array(getRawAsset(blessedTerminfoAsset(entry))), { mode: 0o400 });
  }
  return dir;
}
