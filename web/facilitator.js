// Facilitator console (/s/{CODE}/facilitator#{token}): move the group
// through the steps, run the shared countdown, watch progress. Usable on a
// phone. The page only sends commands; the server's messages drive the view.

import {
  ui, t, adoptSessionLang, applyStatic, mountLangToggle, onLangChange, byId, el, setText,
  renderParagraphs, showOnly, pathCode, hashToken, newOpId, syncClock, runCountdown,
  SessionSocket, errorText,
} from './common.js';

const CODE = pathCode();
const TOKEN = hashToken();
const VIEWS = ['view-loading', 'view-message', 'view-console'];

/** {session, step, timer, progress} from the last snapshot and later messages. */
let state = null;
/** 'invalid' | 'not_found' | 'deleted' once the page cannot go on. */
let fatal = null;
let minutesForStep = null;

const socket = new SessionSocket(CODE, {
  first: () => {
    const hello = { type: 'hello', token: TOKEN };
    if (socket.lastSeq !== null) hello.last_seq = socket.lastSeq;
    return hello;
  },
  onMessage: handleMessage,
  onStatus: (status) => {
    showConnection(status);
    renderControls();
  },
  onFatal: (reason) => stop(reason === 'not_found' ? 'not_found' : 'invalid'),
});

function handleMessage(msg) {
  switch (msg.type) {
    case 'snapshot':
      syncClock(msg.server_time);
      state = { session: msg.session, step: msg.step, timer: msg.timer, progress: msg.progress };
      if (msg.session) adoptSessionLang(msg.session.lang);
      render();
      break;
    case 'step':
      if (!state) return;
      state.step = msg.step;
      render();
      break;
    case 'timer':
      if (!state) return;
      syncClock(msg.server_time);
      state.timer = msg.timer;
      renderControls();
      break;
    case 'progress':
      if (!state) return;
      state.progress = msg;
      renderProgress();
      break;
    case 'ack':
      setText(byId('status'), '');
      break;
    case 'error':
      setText(byId('status'), errorText(msg));
      break;
    case 'deleted':
      stop('deleted');
      break;
    default:
      break;
  }
}

function stop(reason) {
  fatal = reason;
  socket.stop();
  render();
}

/** Send a command; say so when there is no connection to send it on. */
function command(fields) {
  const sent = socket.send({ ...fields, op: newOpId() });
  setText(byId('status'), sent ? '' : ui('waiting'));
}

// ---------------------------------------------------------------------------
// Rendering

function showConnection(status) {
  const node = byId('connection');
  node.hidden = status === 'stopped';
  node.dataset.status = status;
  setText(node, ui(status === 'live' ? 'connected' : 'waiting'));
}

function render() {
  if (fatal) {
    showOnly('view-message', VIEWS);
    const title = { invalid: 'invalid_link', not_found: 'session_unknown', deleted: 'session_deleted' }[fatal];
    setText(byId('message-title'), ui(title));
    setText(byId('message-body'), fatal === 'invalid' ? ui('invalid_link_help') : '');
    return;
  }
  if (!state) {
    showOnly('view-loading', VIEWS);
    return;
  }
  showOnly('view-console', VIEWS);
  const { session, step } = state;
  const steps = session.steps || [];

  setText(byId('programme-title'), t(session.programme?.title) || ui('app_name'));
  setText(byId('step-count'), ui('step_of', { n: step.index + 1, m: steps.length }));
  setText(byId('step-title'), t(step.title));
  const notes = t(step.notes);
  renderParagraphs(byId('notes'), notes || ui('no_notes'));
  byId('notes').classList.toggle('muted', !notes);
  renderParagraphs(byId('step-body'), t(step.body));

  byId('step-list').replaceChildren(...steps.map((s, i) => {
    const current = i === step.index;
    return el('li', { class: current ? 'current' : null, 'aria-current': current ? 'step' : null },
      t(s.title), current ? ` ${ui('current_step')}` : null);
  }));

  setText(byId('join-code'), session.code);
  const joinLink = byId('join-link');
  joinLink.href = session.join_url;
  setText(joinLink, session.join_url);
  const projector = byId('projector-link');
  projector.hidden = !session.projector_url;
  if (session.projector_url) projector.href = session.projector_url;

  // Suggest the step's planned minutes once per step, unless being edited.
  const minutes = byId('timer-minutes');
  if (minutesForStep !== step.id && document.activeElement !== minutes) {
    minutesForStep = step.id;
    if (typeof step.minutes === 'number' && step.minutes > 0) minutes.value = String(step.minutes);
  }

  renderControls();
  renderProgress();
}

function renderControls() {
  if (!state) return;
  const offline = !socket.live;
  const last = (state.session.steps || []).length - 1;
  byId('prev').disabled = offline || state.step.index <= 0;
  byId('next').disabled = offline || state.step.index >= last;
  byId('timer-start').disabled = offline;
  byId('timer-stop').disabled = offline || !state.timer;
}

function renderProgress() {
  if (!state) return;
  const p = state.progress || { joined: 0, connected: 0, ready: 0, answers: {} };
  setText(byId('joined'), String(p.joined ?? 0));
  setText(byId('connected'), String(p.connected ?? 0));
  setText(byId('ready'), ui('ready_of', { n: p.ready ?? 0, m: p.joined ?? 0 }));
  const prompts = state.step.prompts || [];
  const list = byId('answer-counts');
  if (prompts.length === 0) {
    list.replaceChildren(el('li', { class: 'muted', text: ui('no_prompts') }));
    return;
  }
  list.replaceChildren(...prompts.map((prompt) => {
    const n = p.answers?.[prompt.id] ?? 0;
    return el('li', {}, el('span', { text: t(prompt.label) }), ' ',
      el('strong', { id: `count-${prompt.id}`, text: ui('answers_count', { n }) }));
  }));
}

// ---------------------------------------------------------------------------
// Wiring

function init() {
  applyStatic();
  mountLangToggle(byId('lang-toggle'));
  onLangChange(() => {
    render();
    if (!socket.stopped) showConnection(socket.live ? 'live' : 'waiting');
  });

  byId('prev').addEventListener('click', () => {
    if (state) command({ type: 'goto', index: state.step.index - 1 });
  });
  byId('next').addEventListener('click', () => {
    if (state) command({ type: 'goto', index: state.step.index + 1 });
  });
  byId('timer-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const minutes = Number(String(byId('timer-minutes').value).replace(',', '.'));
    const valid = Number.isFinite(minutes) && minutes > 0;
    setText(byId('timer-error'), valid ? '' : ui('timer_minutes_invalid'));
    if (valid) command({ type: 'timer_start', seconds: Math.round(minutes * 60) });
  });
  byId('timer-stop').addEventListener('click', () => command({ type: 'timer_stop' }));

  runCountdown(byId('timer'), () => state?.timer ?? null, (left) => {
    byId('timer-none').hidden = left !== null;
    byId('timer').classList.toggle('done', left === 0);
  });

  if (!TOKEN) {
    stop('invalid');
    return;
  }
  render();
  socket.start();
}

init();
