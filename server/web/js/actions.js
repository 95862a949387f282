// The forms: a capture, deploy or wipe task for a host or a group; a multicast session for an image and a room.
import { call } from './api.js';
import { el, fillSelect, showMessage } from './dom.js';

/** Shows the labels of a form that fit its current choices: data-for names a kind or a target. */
function showChoices(form) {
  const chosen = new Set([form.elements.kind?.value, form.elements.target.value]);
  for (const label of form.querySelectorAll('[data-for]')) label.hidden = !chosen.has(label.dataset.for);
}

export function setUpForms() {
  const taskForm = document.getElementById('task-form');
  const multicastForm = document.getElementById('multicast-form');
  for (const form of [taskForm, multicastForm]) {
    form.addEventListener('change', () => showChoices(form));
    showChoices(form);
  }
  taskForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void createTask(taskForm);
  });
  multicastForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void startMulticast(multicastForm);
  });
}

export async function loadActions() {
  const [{ hosts }, { groups }, { images }, { sessions }] = await Promise.all([call('GET', '/hosts'), call('GET', '/groups'), call('GET', '/images'), call('GET', '/multicast')]);
  const hostNames = hosts.map((host) => host.name);
  const groupNames = groups.map((group) => group.name);
  const imageNames = images.map((image) => image.name);
  for (const form of [document.getElementById('task-form'), document.getElementById('multicast-form')]) {
    if (form.elements.host !== undefined) fillSelect(form.elements.host, hostNames);
    if (form.elements.hosts !== undefined) fillSelect(form.elements.hosts, hostNames);
    fillSelect(form.elements.group, groupNames, groups.map((group) => `${group.name} (${group.hosts.length})`));
    fillSelect(form.elements.image, imageNames);
  }
  document.getElementById('multicast-rows').replaceChildren(...sessions.slice(0, 10).map(sessionRow));
}

/** The request a task form asks for: POST /tasks for a host, POST /tasks/batch for a group. */
function taskRequest(form) {
  const { kind, target, host, group, image, newImage, mode } = form.elements;
  const body = { kind: kind.value };
  if (kind.value === 'deploy') body.image = image.value;
  if (kind.value === 'capture') body.image = newImage.value.trim();
  if (kind.value === 'wipe') body.params = { mode: mode.value };
  if (target.value === 'group') return { path: '/tasks/batch', body: { ...body, group: group.value } };
  return { path: '/tasks', body: { ...body, host: host.value } };
}

async function createTask(form) {
  const result = form.querySelector('.result');
  const { path, body } = taskRequest(form);
  try {
    const created = await call('POST', path, body);
    const made = created.tasks ?? [created];
    showMessage(result, `Created ${made.map(({ task }) => `task ${task.id} (${task.kind} on ${task.hostName})`).join(', ')}`);
  } catch (error) {
    showMessage(result, error.message, 'error');
  }
}

async function startMulticast(form) {
  const result = form.querySelector('.result');
  const { image, target, group, hosts, maxBitrate } = form.elements;
  const body = { image: image.value };
  if (target.value === 'group') body.group = group.value;
  else body.hosts = [...hosts.selectedOptions].map((option) => option.value);
  if (maxBitrate.value.trim() !== '') body.maxBitrate = maxBitrate.value.trim();
  try {
    const started = await call('POST', '/multicast', body);
    showMessage(result, `Multicast session ${started.session.id}: ${started.tasks.length} PC(s) will receive ${started.session.image}`);
    await loadActions();
  } catch (error) {
    showMessage(result, error.message, 'error');
  }
}

function sessionRow(session) {
  const active = session.state === 'waiting' || session.state === 'sending';
  const cancel = async () => {
    try {
      await call('POST', `/multicast/${session.id}/cancel`);
      await loadActions();
    } catch (error) {
      alert(`Session ${session.id}: ${error.message}`);
    }
  };
  return el(
    'tr',
    { dataset: { session: session.id } },
    el('td', {}, session.id),
    el('td', {}, session.image),
    el('td', {}, el('span', { class: `badge ${session.state}` }, session.state), session.error === null ? undefined : el('div', { class: 'error' }, session.error)),
    el('td', {}, session.receivers.map((receiver) => receiver.host).join(', ')),
    el('td', {}, active ? el('button', { type: 'button', class: 'small', onclick: cancel }, 'Cancel') : undefined),
  );
}
