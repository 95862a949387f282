import {
  formatBytes,
  formatDuration,
  formatRate,
  type PhaseEvent,
  type ProgressEvent,
  type Task,
} from '@brume/protocol';
import { elapsedSeconds, formatDate, keyValues, percent, table } from './output.ts';

/** How a task reads for people: the table of `task list`, the block of `task show`, the line of `task watch`. */

export function lastProgress(task: Task): ProgressEvent | undefined {
  return task.progress?.type === 'progress' ? task.progress : undefined;
}

export function lastPhase(task: Task): PhaseEvent | undefined {
  return task.phase?.type === 'phase' ? task.phase : undefined;
}

/** d1p2 1.2 GiB / 4.0 GiB (30%) at 120.0 MiB/s, ETA 25s */
export function progressText(progress: ProgressEvent): string {
  const eta = progress.etaSeconds === null ? '' : `, ETA ${formatDuration(progress.etaSeconds)}`;
  return `${progress.target} ${formatBytes(progress.bytesDone)} / ${formatBytes(progress.bytesTotal)} (${percent(progress.bytesDone, progress.bytesTotal)}) at ${formatRate(progress.bytesPerSecond)}${eta}`;
}

export function phaseText(phase: PhaseEvent): string {
  return `${phase.phase}: ${phase.message}`;
}

/** Running time: start to end, or to now while the task runs; a queued task has none yet. */
export function durationText(task: Task, now: Date = new Date()): string {
  if (task.startedAt === null) return '-';
  const seconds = formatDuration(elapsedSeconds(task.startedAt, task.endedAt, now));
  return task.endedAt === null ? `${seconds} so far` : seconds;
}

/** Bytes an ended task moved (from its result), or '-'. */
export function movedText(task: Task): string {
  return task.bytes === null || task.bytes === undefined ? '-' : formatBytes(task.bytes);
}

/** Its average throughput: bytes moved over running time, or '-'. */
export function throughputText(task: Task): string {
  return task.bytesPerSecond === null || task.bytesPerSecond === undefined ? '-' : formatRate(task.bytesPerSecond);
}

export function errorText(error: NonNullable<Task['error']>): string {
  return `${error.message} (${error.code})`;
}

/** The short "where is it" of a task: its error when it failed, else its last progress, else its last phase. */
function stageText(task: Task): string {
  if (task.error !== null) return task.error.code;
  const progress = lastProgress(task);
  if (progress !== undefined && task.state === 'running')
    return `${progress.target} ${percent(progress.bytesDone, progress.bytesTotal)}`;
  return lastPhase(task)?.phase ?? '-';
}

export function taskTable(tasks: readonly Task[], now: Date = new Date()): string {
  return table(tasks, [
    { header: 'ID', value: (task) => String(task.id), align: 'right' },
    { header: 'KIND', value: (task) => task.kind },
    { header: 'HOST', value: (task) => task.hostName },
    { header: 'IMAGE', value: (task) => task.image ?? '-' },
    { header: 'STATE', value: (task) => task.state },
    { header: 'CREATED', value: (task) => formatDate(task.createdAt) },
    { header: 'DURATION', value: (task) => durationText(task, now), align: 'right' },
    { header: 'MOVED', value: movedText, align: 'right' },
    { header: 'RATE', value: throughputText, align: 'right' },
    { header: 'STAGE', value: stageText },
  ]);
}

export function taskBlock(task: Task, now: Date = new Date()): string {
  const progress = lastProgress(task);
  const phase = lastPhase(task);
  const pairs: [string, string][] = [
    ['task', String(task.id)],
    ['kind', task.debug ? `${task.kind} (debug)` : task.kind],
    ['host', task.hostName],
    ['image', task.image ?? '-'],
    ['disk', task.disk ?? "(the agent's choice)"],
    ['state', task.state],
    ['created', formatDate(task.createdAt)],
    ['started', formatDate(task.startedAt)],
    ['ended', formatDate(task.endedAt)],
    ['duration', durationText(task, now)],
    [
      'moved',
      task.bytes === null || task.bytes === undefined
        ? '-'
        : `${movedText(task)} at ${throughputText(task)} on average`,
    ],
    ['heard', formatDate(task.heardAt ?? null)],
    ['phase', phase === undefined ? '-' : `${phaseText(phase)} (${formatDate(phase.ts)})`],
    ['progress', progress === undefined ? '-' : `${progressText(progress)} (${formatDate(progress.ts)})`],
  ];
  if (task.error !== null) pairs.push(['error', errorText(task.error)]);
  if (task.result !== null) pairs.push(['result', JSON.stringify(task.result)]);
  pairs.push(['logs', task.logFiles.length === 0 ? '-' : task.logFiles.join(', ')]);
  return keyValues(pairs);
}
