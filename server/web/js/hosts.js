// The hosts table: name, MACs, groups, the newest inventory in one line, the last task and its state (kept live).
import { call, eachLimited } from './api.js';
import { el } from './dom.js';
import { inventoryLine } from './format.js';
import { onTaskChange } from './tasks.js';

export let hosts = [];
const lastTasks = new Map();

onTaskChange((task) => {
  const known = lastTasks.get(task.hostName);
  if (known !== undefined && known !== null && known.id > task.id) return;
  lastTasks.set(task.hostName, task);
  const cell = document.querySelector(`#host-rows tr[data-host="${task.hostName}"] td.last-task`);
  if (cell !== null) cell.replaceChildren(...lastTaskCell(task));
});

export async function loadHosts() {
  ({ hosts } = await call('GET', '/hosts'));
  document.getElementById('host-rows').replaceChildren(...hosts.map(hostRow));
  // One host's details at a time per worker: its newest inventory and its last task, filled in as they arrive.
  await eachLimited(hosts, 4, async (host) => {
    const [
      detail,
      {
        tasks: [last],
      },
    ] = await Promise.all([call('GET', `/hosts/${host.name}`), call('GET', `/tasks?host=${host.name}&limit=1`)]);
    const row = document.querySelector(`#host-rows tr[data-host="${host.name}"]`);
    if (row === null) return;
    row.querySelector('td.inventory').textContent = inventoryLine(detail.inventories[0]?.inventory);
    const known = lastTasks.get(host.name);
    const newest =
      last === undefined ? known : known === undefined || known === null || last.id >= known.id ? last : known;
    lastTasks.set(host.name, newest ?? null);
    row.querySelector('td.last-task').replaceChildren(...lastTaskCell(newest));
  });
}

function lastTaskCell(task) {
  if (task === undefined || task === null) return ['—'];
  return [
    `#${task.id} ${task.kind}${task.image === null ? '' : ` ${task.image}`} `,
    el('span', { class: `badge ${task.state}` }, task.state),
  ];
}

function hostRow(host) {
  return el(
    'tr',
    { dataset: { host: host.name } },
    el('td', {}, el('strong', {}, host.name)),
    el('td', { class: 'mono' }, host.macs.join(' ')),
    el('td', {}, host.groups.join(', ')),
    el('td', { class: 'inventory muted' }, '…'),
    el('td', { class: 'last-task' }, ...lastTaskCell(lastTasks.get(host.name))),
  );
}
