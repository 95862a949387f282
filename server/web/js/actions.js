// The forms: a task of any kind the server declares (GET /task-kinds) for a host or a group; a multicast session for an
// image and a room.
import { call } from './api.js';
import { el, fillSelect, showMessage } from './dom.js';

/** Shows the labels of a form that fit its current choices: data-for names a kind, a target or image-makes|reads. */
function showChoices(form) {
  const kind = form.elements.kind?.selectedOptions[0];
  const chosen = new Set([
    kind?.value,
    form.elements.target.value,
    kind === undefined ? undefined : `image-${kind.dataset.image}`,
  ]);
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
  const [{ hosts }, { groups }, { images }, { sessions }, { kinds }] = await Promise.all([
    call('GET', '/hosts'),
    call('GET', '/groups'),
    call('GET', '/images'),
    call('GET', '/multicast'),
    call('GET', '/task-kinds'),
  ]);
  renderKinds(document.getElementById('task-form'), kinds);
  const hostNames = hosts.map((host) => host.name);
  const groupNames = groups.map((group) => group.name);
  const imageNames = images.map((image) => image.name);
  for (const form of [document.getElementById('task-form'), document.getElementById('multicast-form')]) {
    if (form.elements.host !== undefined) fillSelect(form.elements.host, hostNames);
    if (form.elements.hosts !== undefined) fillSelect(form.elements.hosts, hostNames);
    fillSelect(
      form.elements.group,
      groupNames,
      groups.map((group) => `${group.name} (${group.hosts.length})`),
    );
    fillSelect(form.elements.image, imageNames);
  }
  document.getElementById('multicast-rows').replaceChildren(...sessions.slice(0, 10).map(sessionRow));
}

/** The task form's kinds and, per kind, one field per flag of its declaration (a choice where the flag has choices). */
function renderKinds(form, kinds) {
  const select = form.elements.kind;
  const current = select.value || 'deploy';
  select.replaceChildren(
    ...kinds.map((kind) =>
      el(
        'option',
        {
          value: kind.kind,
          selected: kind.kind === current,
          title: kind.title,
          dataset: { image: kind.needsImage === false ? 'none' : kind.needsImage },
        },
        kind.kind,
      ),
    ),
  );
  const fields = kinds.flatMap((kind) =>
    kind.flags.map((flag) =>
      el(
        'label',
        { dataset: { for: kind.kind, kind: kind.kind, flag: flag.name, param: flag.param }, title: flag.help },
        `${flag.name} `,
        flag.choices === undefined
          ? el('input', { name: `${kind.kind}-${flag.name}`, placeholder: flag.placeholder, value: flag.initial })
          : el(
              'select',
              { name: `${kind.kind}-${flag.name}` },
              flag.choices.map((choice) =>
                el('option', { value: choice.value, selected: choice.value === flag.initial }, choice.label),
              ),
            ),
      ),
    ),
  );
  form.querySelector('.kind-fields').replaceChildren(...fields);
  showChoices(form);
}

/** The request a task form asks for: POST /tasks for a host, POST /tasks/batch for a group. */
function taskRequest(form) {
  const { kind, target, host, group, image, newImage } = form.elements;
  const body = { kind: kind.value };
  const needsImage = kind.selectedOptions[0]?.dataset.image;
  if (needsImage === 'reads') body.image = image.value;
  if (needsImage === 'makes') body.image = newImage.value.trim();
  const params = {};
  for (const label of form.querySelectorAll(`.kind-fields [data-kind="${kind.value}"]`)) {
    const value = label.querySelector('input, select').value.trim();
    if (value !== '') params[label.dataset.param] = value;
  }
  if (Object.keys(params).length > 0) body.params = params;
  if (target.value === 'group') return { path: '/tasks/batch', body: { ...body, group: group.value } };
  return { path: '/tasks', body: { ...body, host: host.value } };
}

async function createTask(form) {
  const result = form.querySelector('.result');
  const { path, body } = taskRequest(form);
  try {
    const created = await call('POST', path, body);
    const made = created.tasks ?? [created];
    showMessage(
      result,
      `Created ${made.map(({ task }) => `task ${task.id} (${task.kind} on ${task.hostName})`).join(', ')}`,
    );
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
    showMessage(
      result,
      `Multicast session ${started.session.id}: ${started.tasks.length} PC(s) will receive ${started.session.image}`,
    );
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
    el(
      'td',
      {},
      el('span', { class: `badge ${session.state}` }, session.state),
      session.error === null ? undefined : el('div', { class: 'error' }, session.error),
    ),
    el('td', {}, session.receivers.map((receiver) => receiver.host).join(', ')),
    el('td', {}, active ? el('button', { type: 'button', class: 'small', onclick: cancel }, 'Cancel') : undefined),
  );
}
