// The dashboard's entry: log in, show the chosen view, keep the tasks live from /dashboard/events.
import { call, whenSessionEnds } from './api.js';
import { loadActions, setUpForms } from './actions.js';
import { loadHosts } from './hosts.js';
import { loadImages } from './images.js';
import { applyFeed, loadTasks } from './tasks.js';

const VIEWS = ['tasks', 'hosts', 'images', 'actions'];
let session = null;
let stream = null;

const byId = (id) => document.getElementById(id);

function currentView() {
  const name = location.hash.slice(1);
  return VIEWS.includes(name) ? name : 'tasks';
}

/** Loads what the current view shows; the tasks are always loaded (the hosts table shows each host's last one). */
async function refresh() {
  const view = currentView();
  for (const name of VIEWS) byId(`${name}-view`).hidden = name !== view;
  for (const link of document.querySelectorAll('nav a'))
    link.classList.toggle('current', link.getAttribute('href') === `#${view}`);
  const loads = [loadTasks()];
  if (view === 'hosts') loads.push(loadHosts());
  if (view === 'images') loads.push(loadImages(session.role));
  if (view === 'actions') loads.push(loadActions());
  await Promise.all(loads).catch((error) => console.error(error));
}

function setLive(on) {
  byId('live').classList.toggle('on', on);
}

/** The live stream: `hello` on every (re)connection reloads the view, so nothing falls between a load and the stream. */
function openStream() {
  stream?.close();
  stream = new EventSource('/dashboard/events');
  stream.addEventListener('hello', () => {
    setLive(true);
    void refresh();
  });
  for (const type of ['task', 'events'])
    stream.addEventListener(
      type,
      (event) => void applyFeed(type, JSON.parse(event.data)).catch((error) => console.error(error)),
    );
  stream.addEventListener('error', () => {
    setLive(false);
    // A refused reconnection (the session ended) closes the stream for good: back to the login form.
    if (stream?.readyState === EventSource.CLOSED) void checkSession();
  });
}

function showApp(who) {
  session = who;
  byId('login-view').hidden = true;
  byId('app').hidden = false;
  byId('app').dataset.role = who.role;
  byId('who').textContent = `${who.name} (${who.role})`;
  openStream();
}

function showLogin(message = '') {
  session = null;
  stream?.close();
  stream = null;
  setLive(false);
  byId('app').hidden = true;
  byId('login-view').hidden = false;
  byId('login-error').textContent = message;
}

async function checkSession() {
  try {
    showApp(await call('GET', '/dashboard/session'));
  } catch {
    showLogin(session === null ? '' : 'Your session has ended: log in again.');
  }
}

function setUpLogin() {
  const form = byId('login');
  const role = () => form.elements.role.value;
  form.addEventListener('change', () => {
    for (const label of form.querySelectorAll('.for-admin')) label.hidden = role() !== 'admin';
    for (const label of form.querySelectorAll('.for-technician')) label.hidden = role() !== 'technician';
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body =
      role() === 'admin'
        ? { token: byId('login-token').value.trim() }
        : { name: byId('login-name').value.trim(), password: byId('login-password').value };
    byId('login-error').textContent = '';
    try {
      const who = await call('POST', '/dashboard/login', body);
      form.reset();
      form.dispatchEvent(new Event('change'));
      showApp(who);
    } catch (error) {
      byId('login-error').textContent = error.status === 400 ? 'Fill in every field.' : error.message;
    }
  });
}

byId('logout').addEventListener('click', async () => {
  await call('POST', '/dashboard/logout').catch(() => undefined);
  showLogin('Logged out.');
});
whenSessionEnds(() => showLogin('Your session has ended: log in again.'));
window.addEventListener('hashchange', () => void (session === null ? undefined : refresh()));
setUpLogin();
setUpForms();
void checkSession();
