// The images table: sizes, partitions, and the last verification this browser ran (the server keeps no verify state).
import { call } from './api.js';
import { el } from './dom.js';
import { bytes, time } from './format.js';

export let images = [];
const VERIFIED_KEY = 'brume.verified';

/** name@createdAt → { ok, at, problems }: an image deleted and made again under its name starts unverified. */
function verifications() {
  try {
    return JSON.parse(localStorage.getItem(VERIFIED_KEY) ?? '{}');
  } catch {
    return {};
  }
}

export async function loadImages(role) {
  ({ images } = await call('GET', '/images'));
  const known = verifications();
  document
    .getElementById('image-rows')
    .replaceChildren(...images.map((image) => imageRow(image, known[`${image.name}@${image.createdAt}`], role)));
}

function verifyText(result) {
  if (result === undefined) return 'not checked';
  if (result === 'running') return 'verifying…';
  return result.ok ? `ok · ${time(result.at)}` : `${result.problems} problem(s) · ${time(result.at)}`;
}

function imageRow(image, verified, role) {
  const state = el(
    'span',
    { class: `verify-state ${verified === undefined ? '' : verified.ok ? 'ok' : 'bad'}` },
    verifyText(verified),
  );
  const verify = el(
    'button',
    { type: 'button', class: 'small verify', onclick: () => verifyImage(image, state, verify) },
    'Verify',
  );
  const remove =
    role === 'admin'
      ? el('button', { type: 'button', class: 'small danger', onclick: () => deleteImage(image) }, 'Delete')
      : undefined;
  return el(
    'tr',
    { dataset: { image: image.name } },
    el('td', {}, el('strong', {}, image.name)),
    el('td', {}, time(image.createdAt)),
    el('td', {}, image.sourceHost),
    el('td', {}, image.partitions),
    el('td', {}, bytes(image.rawBytes)),
    el('td', {}, bytes(image.storedBytes)),
    el('td', {}, state),
    el('td', {}, verify, remove),
  );
}

async function verifyImage(image, state, button) {
  button.disabled = true;
  state.textContent = verifyText('running');
  state.className = 'verify-state';
  try {
    const result = await call('POST', `/images/${image.name}/verify`);
    const record = { ok: result.ok, at: new Date().toISOString(), problems: result.problems.length };
    localStorage.setItem(
      VERIFIED_KEY,
      JSON.stringify({ ...verifications(), [`${image.name}@${image.createdAt}`]: record }),
    );
    state.textContent = verifyText(record);
    state.className = `verify-state ${record.ok ? 'ok' : 'bad'}`;
  } catch (error) {
    state.textContent = error.message;
    state.className = 'verify-state bad';
  } finally {
    button.disabled = false;
  }
}

async function deleteImage(image) {
  if (!confirm(`Delete image ${image.name}? This cannot be undone.`)) return;
  try {
    await call('DELETE', `/images/${image.name}`);
    document.querySelector(`#image-rows tr[data-image="${image.name}"]`)?.remove();
  } catch (error) {
    alert(`Image ${image.name}: ${error.message}`);
  }
}
