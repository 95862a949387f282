import { appendFileSync } from 'node:fs';
import type { Reporter } from './ports.ts';

/** Progress lines per partition in the log file: one every this many ms, and the last one. */
const PROGRESS_EVERY_MS = 10_000;

export const AGENT_LOG_FILE = 'agent.log';

/**
 * The agent's own log: every event of the run as one JSON line (the shape the server logs in), with the task id, so the
 * log shipped with complete/fail tells the story without the console. Progress is thinned to one line per 10 s.
 */
export function agentLogReporter(path: string, taskId: number, now: () => number = Date.now): Reporter {
  const lastProgress = new Map<string, number>();
  return {
    event(event) {
      if (event.type === 'progress' && event.bytesDone < event.bytesTotal) {
        const key = `${event.phase} ${event.target}`;
        const at = now();
        if (at - (lastProgress.get(key) ?? Number.NEGATIVE_INFINITY) < PROGRESS_EVERY_MS) return;
        lastProgress.set(key, at);
      }
      try {
        appendFileSync(path, `${JSON.stringify({ taskId, ...event })}\n`);
      } catch {
        // A full or read-only log directory must not stop the job.
      }
    },
  };
}
