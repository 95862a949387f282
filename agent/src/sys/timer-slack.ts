import { readFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';

/**
 * Timer slack: how late the kernel may wake a thread from a timed sleep, so that wake-ups can be batched. partclone's
 * progress thread loops on `sleep(opt.fresh)` and its main thread joins that thread before exiting, so with the
 * default `-f 2` every partclone exits up to 2 s after its last byte. With `-f 0` the sleep is `nanosleep(0)`, which
 * still waits for the thread's slack (50 µs by default): at that rate the thread costs about a fifth of a core. Raising
 * that thread's slack to a few milliseconds makes it nearly free and lets partclone exit as soon as its work is done.
 */
export const PROGRESS_THREAD_SLACK_NS = 10_000_000;

/** CAP_SYS_NICE: the capability Linux asks of a process that sets another process's timer slack. */
const CAP_SYS_NICE = 23n;

/** Whether this process may set the timer slack of the tools it starts (root has it; a bare user does not). */
export function canSetTimerSlack(status = readOwnStatus()): boolean {
  const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return effective !== undefined && ((BigInt(`0x${effective}`) >> CAP_SYS_NICE) & 1n) === 1n;
}

function readOwnStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}

/**
 * Sets the timer slack of every thread of `pid`, the main thread first: a thread started later inherits the slack of
 * its creator, and one started before is in the task list read afterwards, so none is missed. The slack survives the
 * exec, so this may run as soon as the child is spawned. A process that has already exited is not an error.
 */
export async function setTimerSlack(pid: number, nanoseconds: number): Promise<void> {
  const value = `${nanoseconds}\n`;
  const write = (tid: string): Promise<void> => writeFile(`/proc/${tid}/timerslack_ns`, value).catch(ignoreGone);
  await write(String(pid));
  const threads = await readdir(`/proc/${pid}/task`).catch(() => []);
  await Promise.all(threads.filter((tid) => tid !== String(pid)).map(write));
}

function ignoreGone(error: unknown): void {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ESRCH') return;
  throw error;
}
