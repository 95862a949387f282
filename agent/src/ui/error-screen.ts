import { readFileSync } from 'node:fs';
import type { BrumeError } from '@brume/protocol';
import { lastLines } from '../sys/exec.ts';

/**
 * The plain error screen a failed task leaves on the console: in the ramdisk it is all the technician sees.
 * Pure text; the blessed screen with Retry / Debug shell / Reboot replaces it later.
 */
export interface ErrorScreen {
  taskId: number;
  step: string;
  error: BrumeError;
  /** The path of agent.log and its last lines, as written (one JSON event per line). */
  logPath: string;
  logLines: readonly string[];
  logsShipped: boolean;
  ramdisk: boolean;
}

export const ERROR_SCREEN_LOG_LINES = 30;

/** The last lines of a run's agent.log for a failure screen; none when nothing was written yet. */
export function logTail(agentLogPath: string): string[] {
  let log = '';
  try {
    log = readFileSync(agentLogPath, 'utf8');
  } catch {
    // No log written yet (the task could not even be fetched): the screen says so.
  }
  return log.trim() === '' ? [] : lastLines(log, ERROR_SCREEN_LOG_LINES).split('\n');
}
const RULE = '='.repeat(78);

const clock = (ts: unknown): string => (typeof ts === 'string' && ts.length >= 19 ? ts.slice(11, 19) : '--:--:--');

/** One agent.log line as a person reads it: time, level or kind, message; a line that is not an event, as it is. */
export function logLineText(line: string): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const at = clock(event['ts']);
  switch (event['type']) {
    case 'log':
      return `${at} ${String(event['level']).padEnd(5)} ${String(event['message'])}`;
    case 'phase':
      return `${at} phase ${String(event['message'])}`;
    case 'progress':
      return `${at} ${String(event['phase'])} ${String(event['target'])}: ${String(event['bytesDone'])}/${String(event['bytesTotal'])} bytes`;
    case 'result':
      return `${at} result ${String(event['state'])}`;
    default:
      return line;
  }
}

export function renderErrorScreen(screen: ErrorScreen): string {
  const { error } = screen;
  const lines = [
    '',
    RULE,
    ` BRUME: TASK ${screen.taskId} FAILED`,
    RULE,
    ` step:     ${screen.step}`,
    ` error:    ${error.code} (exit ${error.exitCode})`,
    ` message:  ${error.message}`,
    screen.logsShipped
      ? ` logs:     sent to the server (brume task logs ${screen.taskId})`
      : ' logs:     NOT sent to the server; they stay on this PC',
    '',
    ` last lines of ${screen.logPath}:`,
    ...(screen.logLines.length === 0 ? ['   (empty)'] : screen.logLines.map((line) => `   ${logLineText(line)}`)),
    RULE,
  ];
  if (screen.ramdisk)
    lines.push(
      ` The agent stops here (exit ${error.exitCode}). A shell follows; \`reboot -f\` restarts this PC.`,
      RULE,
    );
  return `${lines.join('\n')}\n`;
}
