import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { BrumeError } from '@brume/protocol';
import { lastLines, spawnTool } from '../sys/exec.ts';

/** What PhotoRec searches and for what. */
export interface PhotorecSearch {
  /** The whole disk's device (PhotoRec opens it read-only). */
  disk: string;
  /** A partition's number in the disk's table; undefined: the whole disk, without reading its table. */
  partition?: number | undefined;
  /** PhotoRec's file families by extension; undefined: its defaults. */
  types?: readonly string[] | undefined;
}

/**
 * PhotoRec's unattended command (`/cmd DEVICE …`, read by its phcli.c): `partition_none` searches the whole disk as one
 * space; a number picks that partition of the table PhotoRec detects. `fileopt,everything,disable,png,enable,…` keeps
 * only the families asked for; `wholespace` carves allocated space too (a deleted file's blocks may be marked used
 * again while their bytes are intact); `search` starts. A syntax error is only in its log: the exit status stays 0.
 */
export function photorecCommand(search: PhotorecSearch): string {
  const parts = [search.partition === undefined ? 'partition_none' : String(search.partition)];
  if (search.types !== undefined)
    parts.push('fileopt', 'everything', 'disable', ...search.types.flatMap((type) => [type, 'enable']));
  parts.push('wholespace', 'search');
  return parts.join(',');
}

/** What PhotoRec's log says of a run. */
export interface PhotorecReport {
  /** PhotoRec's own count per family (`png: 3/3 recovered`). */
  families: Record<string, number>;
  total: number | undefined;
  /** It reached its normal end (`PhotoRec exited normally.`). */
  finished: boolean;
  syntaxError: string | undefined;
  version: string | undefined;
}

/** Reads photorec.log (pure: the text in, the report out). */
export function parsePhotorecLog(text: string): PhotorecReport {
  const families: Record<string, number> = {};
  for (const match of text.matchAll(/^([a-z0-9]+): (\d+)\/(\d+) recovered$/gm))
    families[match[1] ?? '?'] = Number(match[2]);
  const total = /^Total: (\d+) files? found$/m.exec(text)?.[1];
  return {
    families,
    total: total === undefined ? undefined : Number(total),
    finished: /^PhotoRec exited normally\.$/m.test(text),
    syntaxError: /^(?:PhotoRec s|S)yntax error.*$/m.exec(text)?.[0],
    version: /^PhotoRec (\d+\.\d+)/m.exec(text)?.[1],
  };
}

export interface PhotorecRun {
  report: PhotorecReport;
  /** Why PhotoRec was stopped before its end (its destination filled up); undefined: it ran to the end. */
  stopped: string | undefined;
  seconds: number;
}

export interface PhotorecOptions {
  search: PhotorecSearch;
  /** The directory PhotoRec writes into (recup_dir.1, recup_dir.2 … of 500 files each, under `outDir/recup`). */
  outDir: string;
  /** Where photorec.log goes (the task's log directory: it is shipped with the task's logs). */
  logDir: string;
  /** Bytes of the searched area, for progress. */
  totalBytes: number;
  /** Stop PhotoRec when the destination's free space falls below this (default 32 MiB). */
  reserveBytes?: number;
  /** Called about once a second with the bytes PhotoRec has read so far (capped at totalBytes). */
  onProgress: (bytesRead: number) => void;
  /** The task's cancel: PhotoRec is stopped (SIGTERM, then SIGKILL) when it aborts. */
  signal?: AbortSignal | undefined;
}

const POLL_MS = 1000;
const DEFAULT_RESERVE = 32 * 1024 * 1024;

/**
 * Runs PhotoRec to its end. Progress is what it has read (its /proc/PID/io `rchar`: its curses screen is not
 * parseable), and its destination's free space is watched: PhotoRec would stop and ask on a full disk, so it is
 * stopped first and the run says why.
 */
export async function runPhotorec(options: PhotorecOptions): Promise<PhotorecRun> {
  const started = performance.now();
  const args = [
    '/log',
    '/d',
    join(options.outDir, 'recup'),
    '/cmd',
    options.search.disk,
    photorecCommand(options.search),
  ];
  const child = spawnTool('photorec', args, {
    cwd: options.logDir,
    stdio: ['ignore', 'ignore', 'pipe'],
    signal: options.signal,
  });
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => {
    stderr = lastLines(stderr + data.toString('utf8'), 20);
  });
  let stopped: string | undefined;
  const reserve = options.reserveBytes ?? DEFAULT_RESERVE;
  const timer = setInterval(() => {
    void (async () => {
      if (child.pid === undefined) return;
      const rchar = await readRchar(child.pid);
      if (rchar !== undefined) options.onProgress(Math.min(rchar, options.totalBytes));
      const free = await freeBytes(options.outDir);
      if (free !== undefined && free < reserve && stopped === undefined) {
        stopped = `its destination has less than ${reserve} bytes free`;
        child.kill('SIGTERM');
      }
    })();
  }, POLL_MS);
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new BrumeError('TOOL_FAILED', `photorec could not start: ${error.message}`, { cause: error })),
    );
    child.once('close', (exit, signal) => resolve(exit ?? (signal === null ? -1 : 128)));
  }).finally(() => clearInterval(timer));
  const log = await readFile(join(options.logDir, 'photorec.log'), 'utf8').catch(() => '');
  const report = parsePhotorecLog(log);
  if (report.syntaxError !== undefined) {
    throw new BrumeError(
      'BAD_REQUEST',
      `PhotoRec refused its command (${photorecCommand(options.search)}): ${report.syntaxError}; a file type it does not know?`,
      { detail: { command: photorecCommand(options.search) } },
    );
  }
  if (code !== 0 && stopped === undefined) {
    throw new BrumeError(
      'TOOL_FAILED',
      `photorec ${args.join(' ')} failed (exit ${code}): ${lastLines(stderr, 5) || lastLines(log, 5)}`,
      { detail: { args, code } },
    );
  }
  options.onProgress(options.totalBytes);
  return { report, stopped, seconds: (performance.now() - started) / 1000 };
}

async function readRchar(pid: number): Promise<number | undefined> {
  const text = await readFile(`/proc/${pid}/io`, 'utf8').catch(() => undefined);
  const value = text === undefined ? undefined : /^rchar: (\d+)$/m.exec(text)?.[1];
  return value === undefined ? undefined : Number(value);
}

async function freeBytes(dir: string): Promise<number | undefined> {
  const stats = await statfs(dir).catch(() => undefined);
  return stats === undefined ? undefined : stats.bavail * stats.bsize;
}
