import { setTimeout as sleep } from 'node:timers/promises';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import {
  errorTable,
  formatBytes,
  PROGRESS_BAR_OPTIONS,
  progressBarValues,
  toBrumeError,
  type Task,
} from '@brume/protocol';
import { positional, taskId } from './args.ts';
import type { AdminClient, Answer } from './client.ts';
import type { Command, CommandContext } from './command.ts';
import type { Terminal } from './output.ts';
import { durationText, errorText, lastPhase, lastProgress, phaseText, progressText } from './task-text.ts';

/** A watch shows each new snapshot of the task; `stop` leaves the terminal as it found it. */
interface WatchView {
  show(task: Task, body: unknown): void;
  note(text: string): void;
  stop(): void;
}

/** Polls that may fail in a row (the server restarting, a network cut) before the watch gives up. */
const MAX_MISSED_POLLS = 30;

/** One line for a snapshot: state, phase, progress. A plain watch prints it each time it changes. */
export function statusLine(task: Task): string {
  const phase = lastPhase(task);
  const progress = lastProgress(task);
  const parts = [`task ${task.id} ${task.state}`];
  if (task.state === 'queued') parts.push('waiting for the agent');
  if (phase !== undefined) parts.push(phaseText(phase));
  if (progress !== undefined) parts.push(progressText(progress));
  return parts.join(' | ');
}

/** --json: NDJSON, one task document per change, exactly as the server sent it. */
function jsonView(term: Terminal): WatchView {
  let previous = '';
  return {
    show(_task, body) {
      const line = JSON.stringify(body);
      if (line !== previous) term.out(`${line}\n`);
      previous = line;
    },
    note: (text) => term.err(`${text}\n`),
    stop: () => undefined,
  };
}

/** Not a terminal (a log, a pipe): one line per change. */
export function plainView(term: Terminal): WatchView {
  let previous = '';
  return {
    show(task) {
      const line = statusLine(task);
      if (line !== previous) term.out(`${line}\n`);
      previous = line;
    },
    note: (text) => term.out(`${text}\n`),
    stop: () => undefined,
  };
}

/** A terminal: one bar per partition (bytes, rate, ETA), the state and phase messages printed above the bars. */
function barView(stream: NodeJS.WriteStream): WatchView {
  const bars = new MultiBar({ stream, ...PROGRESS_BAR_OPTIONS }, Presets.shades_classic);
  const byTarget = new Map<string, SingleBar>();
  // The agent works on one partition at a time: once the next one reports, the previous one is complete, even when
  // the snapshot that said so fell between two polls.
  const startBar = (key: string, total: number, values: object): SingleBar => {
    for (const previous of byTarget.values())
      previous.update(previous.getTotal(), { done_text: formatBytes(previous.getTotal()), eta_text: '0s' });
    const bar = bars.create(total, 0, values);
    byTarget.set(key, bar);
    return bar;
  };
  const seen = new Set<string>();
  // Before the first bar, nothing redraws the screen, so lines go straight to it.
  const say = (line: string): void => void (byTarget.size === 0 ? stream.write(`${line}\n`) : bars.log(`${line}\n`));
  const once = (key: string, line: string): void => {
    if (!seen.has(key)) say(line);
    seen.add(key);
  };
  return {
    show(task) {
      once(
        `state ${task.state}`,
        `task ${task.id} ${task.state}${task.state === 'queued' ? ': waiting for the agent' : ''}`,
      );
      const phase = lastPhase(task);
      if (phase !== undefined) once(`phase ${phase.ts} ${phase.message}`, phaseText(phase));
      const progress = lastProgress(task);
      if (progress === undefined) return;
      const values = progressBarValues(progress);
      const key = `${progress.phase} ${progress.target}`;
      const bar = byTarget.get(key) ?? startBar(key, progress.bytesTotal, values);
      bar.setTotal(progress.bytesTotal);
      bar.update(progress.bytesDone, values);
    },
    note: (text) => say(text),
    stop: () => bars.stop(),
  };
}

function isFinal(task: Task): boolean {
  return task.state === 'done' || task.state === 'failed' || task.state === 'cancelled';
}

/** The exit code of a finished task, told to the user: done 0, failed or cancelled 1 with the error. */
function ending(task: Task, context: CommandContext): number {
  if (task.state === 'done') {
    if (!context.json) context.term.out(`task ${task.id} done in ${durationText(task)}\n`);
    return 0;
  }
  const why = task.error === null ? '' : `: ${errorText(task.error)}`;
  context.term.err(`brume task watch: task ${task.id} ${task.state}${why}\n`);
  return 1;
}

/** The next snapshot; a server that stops answering mid-watch is retried, not given up on at once. */
async function poll(
  client: AdminClient,
  id: number,
  view: WatchView,
  missed: { count: number },
): Promise<Answer<Task> | undefined> {
  try {
    const answer = await client.call('taskShow', { params: { id } });
    if (missed.count > 0) view.note('the server answers again');
    missed.count = 0;
    return answer;
  } catch (error) {
    const failure = toBrumeError(error);
    if (!errorTable[failure.code].retryable || missed.count >= MAX_MISSED_POLLS) throw error;
    if (missed.count === 0) view.note(`${failure.message}; retrying every second`);
    missed.count++;
    return undefined;
  }
}

export async function watchTask(id: number, context: CommandContext): Promise<number> {
  // The first look is not retried: a wrong id or server is told at once.
  let answer: Answer<Task> | undefined = await context.client.call('taskShow', { params: { id } });
  const view = context.json
    ? jsonView(context.term)
    : context.term.tty === undefined
      ? plainView(context.term)
      : barView(context.term.tty);
  const missed = { count: 0 };
  try {
    for (;;) {
      if (answer !== undefined) {
        view.show(answer.value, answer.body);
        if (isFinal(answer.value)) break;
      }
      await sleep(context.pollMs, undefined, { signal: context.signal });
      answer = await poll(context.client, id, view, missed);
    }
  } finally {
    view.stop();
  }
  return ending(answer.value, context);
}

export const watch: Command = {
  synopsis: 'task watch ID',
  flags: {},
  prepare(args) {
    const id = taskId(positional(args, 'ID'));
    return (context) => watchTask(id, context);
  },
};
