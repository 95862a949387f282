import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { BrumeError } from '@brume/protocol';
import { lastLines, spawnTool, stopChild } from '../sys/exec.ts';

/**
 * A running partclone: its stream end, and a promise of its exit that rejects with its log tail on failure. `kill`
 * stops it (SIGTERM, then SIGKILL after a grace), as the task's signal does when it aborts.
 */
export interface PartcloneRun<S> {
  stream: S;
  done: Promise<void>;
  kill(): void;
}

// Never -F (it forces past partclone's own checks); -q because progress is measured on the pipe, not parsed.
// ignoreFsCheck (-I) is only for Brume's own staging copies: ntfsresize marks a volume for chkdsk by design.
export function partcloneCapture(
  tool: string,
  device: string,
  logFile: string,
  ignoreFsCheck = false,
  signal?: AbortSignal,
): PartcloneRun<Readable> {
  // partclone.dd streams raw bytes and takes no -c; the others write their image format (header, bitmap, blocks).
  const modeArgs = [...(tool === 'partclone.dd' ? [] : ['-c']), ...(ignoreFsCheck ? ['-I'] : [])];
  const child = spawnTool(tool, [...modeArgs, '-s', device, '-o', '-', '-q', '-L', logFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    signal,
  });
  const stream = child.stdout;
  if (stream === null) throw new Error('partclone has no stdout');
  return { stream, done: exited(child, tool, logFile), kill: () => void stopChild(child) };
}

/** Restores onto a device (-o) or into a staging file (-O: partclone refuses to open an existing file with -o). */
export function partcloneRestore(
  tool: string,
  target: string,
  logFile: string,
  targetIsFile = false,
  signal?: AbortSignal,
): PartcloneRun<Writable> {
  const restoreArgs = tool === 'partclone.dd' ? [] : ['-r'];
  const child = spawnTool(tool, [...restoreArgs, '-s', '-', targetIsFile ? '-O' : '-o', target, '-q', '-L', logFile], {
    stdio: ['pipe', 'ignore', 'pipe'],
    signal,
  });
  const stream = child.stdin;
  if (stream === null) throw new Error('partclone has no stdin');
  // A partclone that dies closes its stdin; its exit status, not EPIPE, is the error to report.
  stream.on('error', () => undefined);
  return { stream, done: exited(child, tool, logFile), kill: () => void stopChild(child) };
}

async function exited(child: ReturnType<typeof spawnTool>, tool: string, logFile: string): Promise<void> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-8192);
  });
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  if (code === 0) return;
  const log = await readFile(logFile, 'utf8').catch(() => '');
  throw new BrumeError('TOOL_FAILED', `${tool} failed (${signal ?? `exit ${code}`}): ${lastLines(stderr || log, 3)}`, {
    detail: { tool, code, signal, log: lastLines(log, 30), stderr: lastLines(stderr, 30) },
  });
}
