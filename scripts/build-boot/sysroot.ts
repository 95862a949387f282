import { join } from 'node:path';
import { run, type RunOptions, type RunResult } from './run.ts';

/**
 * The sysroot holds every extracted userland and library package. Its own dynamic loader runs the build's tools
 * (depmod, modinfo, cpio, zstd) and lists libraries: the result depends on the downloaded packages, not on what the
 * build machine happens to have installed (the machine needs no kmod, cpio or zstd).
 */
export interface Sysroot {
  readonly dir: string;
  /** Runs a program of the sysroot (path relative to it) with the sysroot's loader and libraries only. */
  exec(program: string, args: readonly string[], options?: RunOptions & { argv0?: string }): Promise<RunResult>;
  /** The sysroot paths (relative) of every shared library `file` loads, transitively, as `ld.so --list` resolves them. */
  libraries(file: string): Promise<string[]>;
}

export const LOADER = 'usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2';
const LIBRARY_DIRS = ['usr/lib/x86_64-linux-gnu', 'usr/lib'];

export function sysroot(dir: string): Sysroot {
  const loader = join(dir, LOADER);
  // --inhibit-cache: never fall back to the build machine's /etc/ld.so.cache; a library the packages lack is "not found".
  const base = ['--inhibit-cache', '--library-path', LIBRARY_DIRS.map((lib) => join(dir, lib)).join(':')];
  return {
    dir,
    exec: (program, args, options = {}) =>
      run(
        loader,
        [...base, ...(options.argv0 === undefined ? [] : ['--argv0', options.argv0]), join(dir, program), ...args],
        options,
      ),
    async libraries(file) {
      const { stdout } = await run(loader, [...base, '--list', file]);
      const found: string[] = [];
      const missing: string[] = [];
      for (const line of stdout.split('\n')) {
        const resolved = /^\s*(\S+) => (.+?)(?: \(0x[0-9a-f]+\))?$/.exec(line);
        if (resolved === null) continue;
        const [, soname = '', path = ''] = resolved;
        if (path === 'not found') missing.push(soname);
        else if (path.startsWith(`${dir}/`)) found.push(path.slice(dir.length + 1));
        else missing.push(`${soname} (resolved outside the packages: ${path})`);
      }
      if (missing.length > 0)
        throw new Error(`${file}: libraries not in the downloaded packages: ${missing.join(', ')}`);
      return found;
    },
  };
}
