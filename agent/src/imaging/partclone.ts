import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { BrumeError } from '@brume/protocol';
import { lastLines, spawnTool, stopChild } from '../sys/exec.ts';
import { closeFd, openFifoPipe, readInto } from '../sys/fifo.ts';
import { canSetTimerSlack, PROGRESS_THREAD_SLACK_NS, setTimerSlack } from '../sys/timer-slack.ts';

/**
 * A running partclone: its stream end, and a promise of its exit that rejects with its log tail on failure. `kill`
 * stops it (SIGTERM, then SIGKILL after a grace), as the task's signal does when it aborts.
 */
export interface PartcloneRun<S> {
  stream: S;
  /** The process id, while it runs (undefined if it could not start). */
  pid: number | undefined;
  done: Promise<void>;
  kill(): void;
}

/**
 * partclone joins its progress thread before it exits, and that thread sleeps `-f` whole seconds (2 by default) between
 * refreshes: every partclone would end up to 2 s after its work. With `-f 0` and a coarse timer slack on its threads it
 * exits at once at almost no CPU (sys/timer-slack.ts). Where the slack cannot be set, `-f 1` halves the wait.
 */
function spawnPartclone(
  tool: string,
  args: readonly string[],
  stdio: ['ignore', 'pipe' | number, 'pipe'] | ['pipe', 'ignore', 'pipe'],
  signal: AbortSignal | undefined,
): ReturnType<typeof spawnTool> {
  const quickExit = canSetTimerSlack();
  const child = spawnTool(tool, [...args, '-f', quickExit ? '0' : '1'], { stdio, signal });
  // Should this fail, partclone still runs correctly; its progress thread only wakes more often than it needs to.
  if (quickExit && child.pid !== undefined)
    void setTimerSlack(child.pid, PROGRESS_THREAD_SLACK_NS).catch(() => undefined);
  return child;
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
  const child = spawnPartclone(
    tool,
    [...modeArgs, '-s', device, '-o', '-', '-q', '-L', logFile],
    ['ignore', 'pipe', 'pipe'],
    signal,
  );
  const stream = child.stdout;
  if (stream === null) throw new Error('partclone has no stdout');
  return { stream, pid: child.pid, done: exited(child, tool, logFile), kill: () => void stopChild(child) };
}

/** A stream read into the caller's buffers: `readInto` resolves with the bytes it put there, 0 at the end. */
export interface ByteSource {
  readInto(into: Uint8Array, offset: number, length: number): Promise<number>;
}

/**
 * partcloneCapture, with partclone's stdout read straight into the caller's chunk buffers (sys/fifo.ts): no copy and
 * no garbage per read. `fifoDir` holds the named pipe for the instant it takes to open it.
 */
export function partcloneCaptureInto(
  tool: string,
  device: string,
  logFile: string,
  fifoDir: string,
  signal?: AbortSignal,
): PartcloneRun<ByteSource> {
  const modeArgs = tool === 'partclone.dd' ? [] : ['-c'];
  const pipe = openFifoPipe(fifoDir, 'partclone');
  let child: ReturnType<typeof spawnTool>;
  try {
    child = spawnPartclone(
      tool,
      [...modeArgs, '-s', device, '-o', '-', '-q', '-L', logFile],
      ['ignore', pipe.writeFd, 'pipe'],
      signal,
    );
  } finally {
    // partclone has its own copy now: the stream ends when it exits (or at once, if it never started).
    closeFd(pipe.writeFd);
  }
  const done = exited(child, tool, logFile);
  // The read end is closed at the end of the stream, or once partclone has exited and no read is under way (a capture
  // that stopped reading early, after a failure or a cancel).
  let open = true;
  let reading = false;
  const close = (): void => {
    if (open) closeFd(pipe.readFd);
    open = false;
  };
  void done.catch(() => undefined).then(() => (reading ? undefined : close()));
  const stream: ByteSource = {
    async readInto(into, offset, length) {
      if (!open) return 0;
      reading = true;
      try {
        const bytes = await readInto(pipe.readFd, into, offset, length);
        if (bytes === 0) close();
        return bytes;
      } finally {
        reading = false;
      }
    },
  };
  return { stream, pid: child.pid, done, kill: () => void stopChild(child) };
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
  const child = spawnPartclone(
    tool,
    [...restoreArgs, '-s', '-', targetIsFile ? '-O' : '-o', target, '-q', '-L', logFile],
    ['pipe', 'ignore', 'pipe'],
    signal,
  );
  const stream = child.stdin;
  if (stream === null) throw new Error('partclone has no stdin');
  // A partclone that dies closes its stdin; its exit status, not EPIPE, is the error to report.
  stream.on('error', () => undefined);
  return { stream, pid: child.pid, done: exited(child, tool, logFile), kill: () => void stopChild(child) };
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
