// Start page (/): list the programmes, create a session and go to its
// facilitator console; or jump to a session by its join code.

import { ui, t, getLang, applyStatic, mountLangToggle, onLangChange, byId, el, setText } from './common.js';

/** Programmes from the server, or null until loaded. */
let programmes = null;

async function loadProgrammes() {
  const box = byId('programmes');
  box.replaceChildren(el('p', { text: ui('loading') }));
  try {
    const response = await fetch('/api/programmes', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = await response.json();
    // A series (several meetings at once) is created elsewhere; this form makes one session.
    programmes = Array.isArray(data) ? data.filter((p) => !Array.isArray(p.series)) : [];
    renderProgrammes();
  } catch {
    programmes = null;
    const retry = el('button', { type: 'button', text: ui('retry') });
    retry.addEventListener('click', loadProgrammes);
    box.replaceChildren(el('p', { class: 'error', text: ui('programmes_error') }), retry);
  }
}

function renderProgrammes() {
  if (programmes === null) return;
  const box = byId('programmes');
  const selected = new FormData(byId('create-form')).get('programme');
  if (programmes.length === 0) {
    box.replaceChildren(el('p', { text: ui('no_programmes') }));
    return;
  }
  box.replaceChildren(...programmes.map((p, i) => {
    const checked = selected ? selected === p.id : i === 0;
    const steps = Array.isArray(p.steps) ? p.steps.length : 0;
    return el('label', { class: 'choice programme' },
      el('input', { type: 'radio', name: 'programme', value: p.id, checked }),
      el('span', { class: 'choice-text' },
        el('span', { class: 'choice-title', text: t(p.title) }),
        el('span', { class: 'muted', text: ui('steps_count', { n: steps }) })));
  }));
}

async function createSession(event) {
  event.preventDefault();
  const form = byId('create-form');
  const status = byId('create-status');
  const data = new FormData(form);
  const programme = data.get('programme');
  const minGroup = Number(data.get('min_group'));
  if (!programme) {
    setText(status, ui('create_error', { msg: ui('programme_legend') }));
    return;
  }
  if (!Number.isInteger(minGroup) || minGroup < 1) {
    setText(status, ui('create_error', { msg: ui('min_group_label') }));
    byId('min-group').focus();
    return;
  }

  const button = byId('create-button');
  button.disabled = true;
  setText(status, ui('creating'));
  try {
    const response = await fetch('/api/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ programme, lang: data.get('lang') || 'da', min_group: minGroup }),
    });
    const body = await response.json().catch(() => ({}));
    if (response.status === 201 || response.ok) {
      window.location.assign(facilitatorUrl(body));
      return;
    }
    setText(status, ui('create_error', { msg: body.error || `HTTP ${response.status}` }));
  } catch {
    setText(status, ui('network_error'));
  }
  button.disabled = false;
}

/** The facilitator URL with the token in its fragment (added if missing). */
function facilitatorUrl(body) {
  const url = body.facilitator_url || `/s/${encodeURIComponent(body.code)}/facilitator`;
  return url.includes('#') ? url : `${url}#${body.facilitator_token}`;
}

function goToCode(event) {
  event.preventDefault();
  const code = byId('code-input').value.replace(/\s+/g, '').toUpperCase();
  if (code) window.location.assign(`/j/${encodeURIComponent(code)}`);
}

function init() {
  applyStatic();
  mountLangToggle(byId('lang-toggle'));
  onLangChange(() => {
    if (programmes === null) loadProgrammes();
    else renderProgrammes();
  });
  // The new session's language follows the UI language by default.
  for (const radio of document.querySelectorAll('input[name="lang"]')) {
    radio.checked = radio.value === getLang();
  }
  byId('create-form').addEventListener('submit', createSession);
  byId('code-form').addEventListener('submit', goToCode);
  loadProgrammes();
}

init();
