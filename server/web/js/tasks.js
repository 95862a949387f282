// The task table, kept live: a row per task, updated in place from the server's event stream.
import { call } from './api.js';
import { el } from './dom.js';
import { progressLine, time } from './format.js';

const ACTIVE = new Set(['queued', 'running']);
/** Warnings shown per task: the newest few; the whole story is in the task's logs. */
const WARNINGS_KEPT = 3;

/** Every task the page knows, by id, with the warnings the stream brought (the API keeps only the last events). */
export const tasks = new Map();
const listeners = new Set();
/** Someone else (the hosts table) wants to hear when a task changes. */
export const onTaskChange = (listener) => listeners.add(listener);

export async function loadTasks() {
  const { tasks: list } = await call('GET', '/tasks?limit=200');
  // The list replaces what the page held (a wall screen runs for days), keeping the warnings the stream brought.
  const fresh = list.map((task) => ({ ...task, warnings: tasks.get(task.id)?.warnings ?? [] }));
  tasks.clear();
  for (const task of fresh) tasks.set(task.id, task);
  renderAll();
}

/** A message from /dashboard/events: a whole task, or the news of its agent's last event batch. */
export async function applyFeed(type, message) {
  if (type === 'task') return upsert({ ...message.task, warnings: tasks.get(message.task.id)?.warnings ?? [] });
  let task = tasks.get(message.taskId);
  if (task === undefined) {
    // Made before this page loaded its list, or beyond its first page: ask for it once.
    task = { ...(await call('GET', `/tasks/${message.taskId}`)), warnings: [] };
  }
  const state = ACTIVE.has(task.state) ? 'running' : task.state;
  upsert({
    ...task,
    state,
    startedAt: task.startedAt ?? message.at,
    progress: message.progress ?? task.progress,
    phase: message.phase ?? task.phase,
    warnings: [...task.warnings, ...message.warnings].slice(-WARNINGS_KEPT),
  });
}

function upsert(task) {
  tasks.set(task.id, task);
  const body = document.getElementById('task-rows');
  const row = body.querySelector(`tr[data-task-id="${task.id}"]`);
  const fresh = taskRow(task);
  if (row !== null) row.replaceWith(fresh);
  else body.prepend(fresh);
  document.getElementById('no-tasks').hidden = true;
  summarise();
  for (const listener of listeners) listener(task);
}

/** One line readable from across the room: how many tasks are in each state (of those the page holds). */
function summarise() {
  const counts = new Map();
  for (const task of tasks.values()) counts.set(task.state, (counts.get(task.state) ?? 0) + 1);
  const order = ['running', 'queued', 'failed', 'done', 'cancelled'];
  document
    .getElementById('task-summary')
    .replaceChildren(
      ...order
        .filter((state) => counts.has(state))
        .map((state) => el('span', { class: `badge ${state}` }, `${counts.get(state)} ${state}`)),
    );
}

function renderAll() {
  const sorted = [...tasks.values()].sort((a, b) => b.id - a.id);
  document.getElementById('task-rows').replaceChildren(...sorted.map(taskRow));
  document.getElementById('no-tasks').hidden = sorted.length > 0;
  summarise();
  for (const task of sorted) for (const listener of listeners) listener(task);
}

function percent(task) {
  if (task.state === 'done') return 100;
  const progress = task.progress;
  if (progress === null || progress.bytesTotal === 0) return 0;
  return Math.min(100, (100 * progress.bytesDone) / progress.bytesTotal);
}

function taskRow(task) {
  const share = percent(task);
  const problems = [
    task.error === null ? undefined : `${task.error.code}: ${task.error.message}`,
    ...task.warnings.map((event) => event.message),
  ].filter(Boolean);
  // A running task asked to stop runs until its agent confirms (a few seconds): no second button meanwhile.
  const stopping = task.state === 'running' && typeof task.cancelRequestedAt === 'string';
  const cancel = stopping
    ? el('span', { class: 'muted' }, 'stopping…')
    : ACTIVE.has(task.state)
      ? el('button', { type: 'button', class: 'small', onclick: () => cancelTask(task.id) }, 'Cancel')
      : undefined;
  return el(
    'tr',
    { dataset: { taskId: task.id, state: task.state } },
    el('td', {}, task.id),
    el('td', {}, task.kind, task.batch === null ? undefined : el('span', { class: 'muted' }, ` (batch ${task.batch})`)),
    el('td', {}, task.hostName),
    el('td', {}, task.image ?? ''),
    el('td', {}, el('span', { class: `badge ${task.state}` }, task.state)),
    el('td', { class: 'phase' }, task.phase?.message ?? task.phase?.phase ?? ''),
    el(
      'td',
      { class: 'progress' },
      el(
        'div',
        {
          class: 'bar',
          role: 'progressbar',
          'aria-valuemin': 0,
          'aria-valuemax': 100,
          'aria-valuenow': Math.round(share),
        },
        el('div', { class: 'fill', style: { width: `${share.toFixed(1)}%` } }),
      ),
      el(
        'div',
        { class: 'figures' },
        progressLine(task.progress) ||
          (task.endedAt === null ? `made ${time(task.createdAt)}` : `ended ${time(task.endedAt)}`),
      ),
    ),
    el(
      'td',
      { class: 'problems' },
      problems.map((text) => el('div', {}, text)),
    ),
    el('td', {}, cancel),
  );
}

async function cancelTask(id) {
  try {
    await call('POST', `/tasks/${id}/cancel`);
  } catch (error) {
    alert(`Task ${id}: ${error.message}`);
  }
}
