import type { Runner } from './exec.ts';

/**
 * The end of a task in the ramdisk: the disk's writes flushed, then the PC restarted or switched off at once. `-f`
 * skips init (the ramdisk has nothing to stop, and the agent may be PID 1's only child).
 */
export async function powerAfterTask(run: Runner, action: 'reboot' | 'poweroff'): Promise<void> {
  await run('sync', []);
  await run(action, ['-f']);
}
