import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BrumeError } from '@brume/protocol';
import { createApiClient } from './api/client.ts';
import { collectLogs, systemStateLogs } from './api/log-bundle.ts';
import type { Runner } from './sys/exec.ts';

export interface CrashedTask {
  server: string;
  taskId: number;
  token: string;
}

/** The newest run directory under the agents' log root: the one the killed agent was writing. */
async function newestLogDir(root: string): Promise<string | undefined> {
  const names = await readdir(root).catch(() => [] as string[]);
  const dated = await Promise.all(
    names.map(async (name) => ({ name, mtime: (await stat(join(root, name)).catch(() => undefined))?.mtimeMs ?? 0 })),
  );
  const newest = dated.sort((a, b) => b.mtime - a.mtime)[0];
  return newest === undefined ? undefined : join(root, newest.name);
}

/** What an exit status says about how the agent ended, in the words a technician needs. */
export function crashMessage(status: number): string {
  const signal = status > 128 ? status - 128 : undefined;
  if (signal === 9)
    return `the agent was killed (status ${status}, SIGKILL): most often the kernel's OOM killer, when this PC's memory runs out; see dmesg.txt`;
  if (signal !== undefined) return `the agent was killed by signal ${signal} (status ${status}); see dmesg.txt`;
  return `the agent stopped without reporting (status ${status})`;
}

/**
 * `brume agent --crashed STATUS`, run by /init when the agent died without telling the server (killed by the OOM
 * killer, a crash): fails the task with AGENT_CRASHED and whatever logs the dead agent left, plus dmesg, so the task
 * does not stay "running" for ever. A task that has ended meanwhile is left as it is.
 */
export async function reportCrash(
  task: CrashedTask,
  status: number,
  deps: { run: Runner; logRoot: string },
): Promise<'reported' | 'already-ended'> {
  const logDir = await newestLogDir(deps.logRoot);
  const logs = await collectLogs(logDir ?? deps.logRoot, await systemStateLogs(deps.run));
  const client = createApiClient({ server: task.server, token: task.token, retry: { deadlineMs: 60_000 } });
  try {
    await client.call('taskFail', {
      params: { id: task.taskId },
      body: { error: { code: 'AGENT_CRASHED', message: crashMessage(status) }, logs },
    });
    return 'reported';
  } catch (error) {
    // 401: the task ended (done, cancelled) before or as the agent died; nothing to correct.
    if (error instanceof BrumeError && (error.code === 'UNAUTHORIZED' || error.code === 'TASK_STATE'))
      return 'already-ended';
    throw error;
  } finally {
    await client.close();
  }
}
