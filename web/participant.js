// Participant page (/j/{CODE}): join, follow the facilitator's steps, answer
// prompts and take part in the step's activity (activity-*.js). Every answer
// and every activity action goes through the outbox (localStorage) first, so
// nothing typed is lost to a reload, a sleeping phone or a dead connection.
//
// The same page is the facilitator's "preview as participant"
// (/s/{CODE}/preview#{staff token}): it opens with a read-only hello, shows
// exactly what a phone shows, and keeps whatever is tried on it in memory only
// — nothing is stored or sent.

import {
  store, ui, t, getLang, adoptSessionLang, applyStatic, mountLangToggle, onLangChange,
  byId, setText, renderParagraphs, showOnly, askFirst, showConnection, pathCode, hashToken, newOpId, runCountdown,
  SessionSocket, stateMirror, errorText,
} from './common.js';
import { Outbox, overlay, applyToMe } from './outbox.js';
import { views } from './activities.js';
import { saveStateText } from './activity-kit.js';
import { roomCarried, roomShowsCarried } from './carried.js';
import { articlesList } from './articles.js';
import { seatPanel, hostPanel, tableResults, needsSeat } from './tables.js';

const CODE = pathCode();
const PREVIEW = /\/preview\/?$/.test(window.location.pathname);
const TOKEN = PREVIEW ? hashToken() : null;
/** A preview keeps nothing: its storage lives as long as the page. */
const memory = new Map();
const local = PREVIEW ? {
  get: (k, fallback = null) => (memory.has(k) ? memory.get(k) : fallback),
  set: (k, v) => { memory.set(k, v); return true; },
  remove: (k) => { memory.delete(k); },
} : store;
const ME_KEY = `trivsel:${CODE}:me`;
const SNAPSHOT_KEY = `trivsel:${CODE}:snapshot`;
const OUTBOX_KEY = `trivsel:${CODE}:outbox`;
const VIEWS = ['view-loading', 'view-join', 'view-step', 'view-message'];
const TEXT_DEBOUNCE_MS = 600;
const RATE_LIMIT_RETRY_MS = 3000;
/** How long a phone waits before sending again what the server could not save (disk full). */
const STORAGE_RETRY_MS = 10000;
/** An operation not acknowledged this long is said to be kept on the phone, even on a socket that looks live. */
const QUEUED_AFTER_MS = 700;
/** When this page queued each op (`performance.now()`); ops from before a reload are old. */
const queuedAt = new Map();

/** Identity {id, secret, name} or null. */
let me = PREVIEW ? { id: 'preview', secret: '', name: null } : validMe(store.get(ME_KEY));
/** Last snapshot with later step/activity/timer messages and acks folded in (kept in storage). */
let state = me ? local.get(SNAPSHOT_KEY) : null;
const follow = stateMirror(['seq', 'session', 'step', 'timer', 'me', 'activity']);
const outbox = new Outbox(OUTBOX_KEY, local, newOpId);
/** Pending (debounced) answers: key "step/prompt" -> {step, prompt, value, timer}. */
const drafts = new Map();
/** Refusals to show near inputs: key "step/prompt" or "step/ready" -> text. */
const errors = new Map();
/** 'deleted' | 'not_found' once the session is gone. */
let ended = null;
let joinName = null;
let renderedKey = null;
/** The current step's activity view ({update}) or null. */
let view = null;
/** "Det tog vi med fra sidst": what earlier meetings of a series handed on. */
let carriedView = null;
/** "Til forberedelse": what to read before the meeting, on the first step (issue 17). */
let articlesView = null;
/** Where I sit (a session with tables), my table's revealed results, and a host's controls. */
let seatView = null;
let resultsView = null;
let hostView = null;
/** Most carried items a phone shows. */
const CARRIED_MAX = 6;

const socket = new SessionSocket(CODE, {
  first: () => (PREVIEW ? { type: 'hello', token: TOKEN, preview: true } : me
    ? { type: 'resume', participant: me.id, secret: me.secret, last_seq: socket.lastSeq ?? 0 }
    : { type: 'join', name: joinName }),
  onMessage: handleMessage,
  onStatus(status) {
    showConnection(status);
    syncInputs();
  },
  onFatal: handleFatal,
});
if (state && typeof state.seq === 'number') socket.lastSeq = state.seq;

const key = (step, prompt) => `${step}/${prompt}`;

function validMe(value) {
  const ok = value && typeof value.id === 'string' && typeof value.secret === 'string';
  return ok ? value : null;
}

function persist() {
  if (state) local.set(SNAPSHOT_KEY, state);
}

function clearLocal() {
  local.remove(ME_KEY);
  local.remove(SNAPSHOT_KEY);
  outbox.clear();
}

// ---------------------------------------------------------------------------
// Server messages

/** What the page does once a server message changed `state`, by message type; it is stored each time. */
const onChange = {
  snapshot(msg) {
    if (msg.me && msg.me.id && !PREVIEW) {
      me = { id: msg.me.id, secret: msg.me.secret, name: msg.me.name ?? null };
      store.set(ME_KEY, me);
    }
    if (msg.session) adoptSessionLang(msg.session.lang);
    persist();
    flushOutbox();
    render();
  },
  step() {
    persist();
    render();
  },
  activity() {
    persist();
    syncInputs();
  },
  timer: persist,
};

function handleMessage(msg) {
  // What is typed belongs to the step it was typed on: send it before the step changes.
  if (msg.type === 'step' && state) commitAllDrafts();
  const next = follow(state, msg);
  if (next) {
    state = next;
    onChange[msg.type](msg);
    return;
  }
  switch (msg.type) {
    case 'ack': {
      const op = outbox.remove(msg.op);
      queuedAt.delete(msg.op);
      if (op && state) {
        applyToMe(state.me, op);
        errors.delete(errorKey(op));
        if (op.type === 'forget_me') forgotten();
        persist();
      }
      syncInputs();
      break;
    }
    case 'error':
      handleError(msg);
      break;
    case 'deleted':
      endSession('deleted');
      break;
    case 'removed':
      // The facilitator removed this phone's participant (issue 13): answers deleted, the
      // secret no longer resumes; nothing is kept here either.
      endSession('removed');
      break;
    default:
      // progress (not kept: see `follow`) and future message types do not concern participants.
      break;
  }
}

function errorKey(op) {
  if (op.type === 'forget_me') return 'forget';
  if (op.type === 'seat' || op.type === 'host') return op.type;
  if (op.type === 'ready') return key(op.step, 'ready');
  // A refused share belongs to its text or list item; other acts to the action.
  if (op.type === 'act' && op.action === 'share') return key(op.step, `act:share:${op.prompt}:${op.item ?? ''}`);
  if (op.type === 'act') return key(op.step, `act:${op.action}`);
  return key(op.step, op.prompt);
}

function handleError(msg) {
  if (msg.code === 'busy' && !me) {
    // Many are joining at once: the connection tries again by itself (see common.js).
    setText(byId('join-status'), errorText(msg));
    return;
  }
  if (msg.op && msg.code === 'rate_limited') {
    // Not a refusal of the content: keep the op and try again shortly.
    window.setTimeout(flushOutbox, RATE_LIMIT_RETRY_MS);
    return;
  }
  if (msg.op && (msg.code === 'storage' || msg.code === 'disk_full')) {
    // The server could not save it: it stays on the phone and is sent again in a while.
    window.setTimeout(flushOutbox, STORAGE_RETRY_MS);
    return;
  }
  const op = msg.op ? outbox.remove(msg.op) : null;
  if (op) {
    errors.set(errorKey(op), errorText(msg));
    syncInputs();
  } else {
    const notice = byId('notice');
    notice.hidden = false;
    setText(notice, errorText(msg));
  }
}

function handleFatal(reason, error) {
  if (reason === 'not_found' || PREVIEW) {
    endSession(reason === 'not_found' ? 'not_found' : 'preview_refused');
    return;
  }
  if (reason === 'refused' && !me) {
    // The join itself was refused (e.g. an invalid name): let the user retry.
    resetJoinForm();
    setText(byId('join-error'), error ? errorText(error) : ui('err_unknown'));
    return;
  }
  // The server does not know (or refuses) this identity: join again. Unsent
  // answers stay in the outbox and are sent (with new ids) for the new identity.
  me = null;
  state = null;
  store.remove(ME_KEY);
  store.remove(SNAPSHOT_KEY);
  byId('rejoin-note').hidden = false;
  resetJoinForm();
  render();
}

function endSession(reason) {
  ended = reason;
  socket.stop();
  if (reason === 'deleted' || reason === 'removed') clearLocal();
  render();
}

// ---------------------------------------------------------------------------
// Outbox

function flushOutbox() {
  if (PREVIEW) return;
  for (const op of outbox.list()) {
    if (!socket.send(op)) break;
  }
}

function queue(fields) {
  const op = outbox.add(fields);
  queuedAt.set(op.op, performance.now());
  // Unanswered by then, the op is shown as kept on the phone.
  window.setTimeout(syncInputs, QUEUED_AFTER_MS + 50);
  errors.delete(errorKey(op));
  if (!PREVIEW) socket.send(op);
  syncInputs();
}

function shown() {
  return overlay(state?.me, outbox.list());
}

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Keep a typed value for a moment and send it when typing pauses. */
function onDraft(step, prompt, value) {
  const k = key(step, prompt);
  const old = drafts.get(k);
  if (old) window.clearTimeout(old.timer);
  const timer = window.setTimeout(() => {
    commitDraft(k);
    syncInputs();
  }, TEXT_DEBOUNCE_MS);
  drafts.set(k, { step, prompt, value, timer });
  errors.delete(k);
  syncInputs();
}

function commitDraft(k) {
  const draft = drafts.get(k);
  if (!draft) return;
  window.clearTimeout(draft.timer);
  drafts.delete(k);
  const current = shown().answers[draft.step]?.[draft.prompt];
  if (same(current, draft.value)) {
    syncInputs();
    return;
  }
  queue({ type: 'answer', step: draft.step, prompt: draft.prompt, value: draft.value });
}

/** An answer sent at once (a tap); a pending draft for the same prompt is dropped. */
function answerNow(step, prompt, value) {
  const k = key(step, prompt);
  const old = drafts.get(k);
  if (old) {
    window.clearTimeout(old.timer);
    drafts.delete(k);
  }
  queue({ type: 'answer', step, prompt, value });
}

/** Send what is typed and wait (at most `ms`) until the outbox is empty. */
function settle(ms = 5000) {
  commitAllDrafts();
  if (PREVIEW) return Promise.resolve();
  const deadline = Date.now() + ms;
  return new Promise((resolve) => {
    const check = () => {
      if (outbox.list().length === 0 || Date.now() > deadline) resolve();
      else window.setTimeout(check, 100);
    };
    check();
  });
}

/** What an activity view may use: the current step, its activity and my inputs. */
function phoneContext(step) {
  const mine = () => shown();
  return {
    step,
    code: CODE,
    me: () => me || {},
    session: () => state?.session || {},
    activity: () => (state?.step?.index === step.index ? state.activity : null),
    answers: () => mine().answers[step.id] || {},
    value(prompt) {
      const draft = drafts.get(key(step.id, prompt));
      return draft ? draft.value : mine().answers[step.id]?.[prompt];
    },
    drafting: (prompt) => drafts.has(key(step.id, prompt)),
    answer: (prompt, value) => answerNow(step.id, prompt, value),
    draft: (prompt, value) => onDraft(step.id, prompt, value),
    commit: (prompt) => commitDraft(key(step.id, prompt)),
    commitAll: commitAllDrafts,
    settle,
    act: (fields) => queue({ type: 'act', step: step.id, ...fields }),
    shares: () => mine().shares.filter((s) => s.step === step.id),
    votes: () => mine().votes[step.id] || [],
    planShared: () => mine().planShared.has(step.id),
    pendingAct: (action) => outbox.list().some((op) => op.type === 'act' && op.step === step.id && op.action === action),
    pendingActs: (action) => outbox.list().filter((op) => op.type === 'act' && op.step === step.id && op.action === action),
    saveState: (prompt) => saveState(step.id, prompt),
    error: (name) => errors.get(key(step.id, name)) || '',
  };
}

function commitAllDrafts() {
  for (const k of [...drafts.keys()]) commitDraft(k);
}

/** Delete everything I answered, shared and voted, and my name (after a second press). */
function forgetMe() {
  for (const draft of drafts.values()) window.clearTimeout(draft.timer);
  drafts.clear();
  queue({ type: 'forget_me' });
  // The copy kept on this phone goes at once, even before the server confirms (the outbox
  // still holds the request until it does).
  if (state?.me) {
    applyToMe(state.me, { type: 'forget_me' });
    persist();
  }
  setText(byId('forget-status'), ui('forget_pending'));
}

/** The server deleted it: the page shows empty answers, and my name is gone here too. */
function forgotten() {
  if (me && !PREVIEW) {
    me = { ...me, name: null };
    store.set(ME_KEY, me);
  }
  renderedKey = null;
  render();
  setText(byId('forget-status'), ui('forget_done'));
  byId('forget-confirm').hidden = true;
  byId('forget-button').hidden = false;
}

// ---------------------------------------------------------------------------
// Rendering

function render() {
  if (ended) {
    showOnly('view-message', VIEWS);
    const [title, body] = {
      deleted: ['session_deleted', null],
      removed: ['removed_title', 'removed_body'],
      not_found: ['session_unknown', 'session_unknown_help'],
      preview_refused: ['preview_refused', 'preview_refused_help'],
    }[ended];
    setText(byId('message-title'), ui(title));
    setText(byId('message-body'), body ? ui(body) : '');
  } else if (!me) {
    showOnly('view-join', VIEWS);
  } else if (!state || !state.step) {
    showOnly('view-loading', VIEWS);
  } else {
    showOnly('view-step', VIEWS);
    renderStep();
  }
}

function renderStep() {
  const step = state.step;
  const renderKey = `${step.id}|${step.index}|${getLang()}`;
  if (renderKey !== renderedKey) {
    renderedKey = renderKey;
    const total = state.session?.steps?.length;
    setText(byId('step-count'), total ? ui('step_of', { n: step.index + 1, m: total }) : '');
    setText(byId('step-title'), t(step.title));
    renderParagraphs(byId('step-body'), t(step.body));
    const module = views[step.kind];
    const prompts = byId('prompts');
    const activity = byId('activity');
    prompts.replaceChildren();
    activity.replaceChildren();
    view = module ? module.phone(step.kind === 'reflection' ? prompts : activity, phoneContext(step)) : null;
    // The host's controls read the server's `me` (my table, whether I host it).
    hostView = hostPanel(byId('host-box'), { ...phoneContext(step), me: () => state?.me || {} });
    const note = byId('private-note');
    const group = step.kind === 'grid' || step.kind === 'map';
    const own = step.kind === 'personal_plan'
      || ((step.kind === 'reflection' || step.kind === 'evaluation') && (step.prompts || []).length > 0);
    note.hidden = !group && !own;
    // Where the step has group results, the one sentence about privacy also says from how many.
    const results = state.session?.participants !== 'one'
      && (group || (step.kind === 'reflection' && (step.prompts || []).some((p) => p.kind === 'scale')));
    const minGroup = state.session?.min_group;
    const from = results && Number.isInteger(minGroup) ? ` ${ui('results_from_n', { n: minGroup })}` : '';
    setText(note, `${ui(group ? 'private_note_group' : 'private_note')}${from}`);
    byId('thanks').hidden = step.kind !== 'end';
    byId('ready-box').hidden = step.kind === 'end';
  }
  carriedView.update(state.session, roomShowsCarried(state.session, step));
  articlesView.update(state.session, step.index === 0);
  syncInputs();
}

/** Put the displayed answers, ready flag and save states into the inputs. */
function syncInputs() {
  if (!state || !state.step || ended || !me) return;
  const step = state.step;
  if (view) view.update();
  // A session with tables: where I sit, and the group work waits until I do.
  seatView.update();
  const seatless = needsSeat(state.session, state.me, step.kind);
  byId('seat-needed').hidden = !seatless;
  byId('activity').hidden = seatless;
  resultsView.update(step, seatless ? null : state.activity);
  if (hostView) hostView.update();
  const ready = shown().ready.has(step.id);
  const button = byId('ready-button');
  button.setAttribute('aria-pressed', String(ready));
  setText(button, ui(ready ? 'ready_done' : 'ready_button'));
  const readyOp = outbox.list().find((op) => op.type === 'ready' && op.step === step.id);
  const savedReady = byId('saved-ready');
  const readyState = readyOp ? pendingState(readyOp) : 'none';
  setText(savedReady, saveStateText(readyState));
  savedReady.dataset.state = readyState;
  setText(byId('error-ready'), errors.get(key(step.id, 'ready')) || '');
}

/** Offline: no live socket, or the browser knows it has no network. */
function offline() {
  return !socket.live || navigator.onLine === false;
}

/**
 * A queued op is 'saving' for a moment on a live connection, then 'queued': it is in the
 * outbox on the phone and goes to the server as soon as it can. Offline it is 'queued' at once.
 */
function pendingState(op) {
  const at = queuedAt.get(op.op);
  const fresh = at !== undefined && performance.now() - at < QUEUED_AFTER_MS;
  return !offline() && fresh ? 'saving' : 'queued';
}

/** 'saving' while typed or just sent, 'queued' while kept on the phone, 'saved' once the server has it, else 'none'. */
function saveState(step, prompt) {
  const k = key(step, prompt);
  if (PREVIEW) return 'none';
  if (drafts.has(k)) return 'saving';
  const op = outbox.pendingFor(step, prompt);
  if (op) return pendingState(op);
  if (state?.me?.answers?.[step]?.[prompt] !== undefined) return 'saved';
  return 'none';
}

/**
 * A reload without a network still opens this page: a service worker (web/sw.js, scope /j/)
 * keeps the page and the files it loaded, network first. What the page shows then comes from
 * this phone's storage (the last snapshot and the outbox), as after any reload.
 */
function keepForOffline() {
  if (PREVIEW || !('serviceWorker' in navigator)) return;
  const own = (url) => {
    try {
      const u = new URL(url);
      return u.origin === window.location.origin && u.pathname.startsWith('/static/');
    } catch {
      return false;
    }
  };
  const urls = performance.getEntriesByType('resource').map((e) => e.name).filter(own);
  navigator.serviceWorker.register('/static/sw.js', { scope: '/j/' })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => registration.active?.postMessage({ type: 'keep', urls }))
    .catch(() => {
      // No worker (e.g. plain http on a LAN address): the page works as before, online.
    });
}

function resetJoinForm() {
  const button = byId('join-button');
  button.disabled = false;
  setText(byId('join-status'), '');
  setText(byId('join-error'), '');
}

// ---------------------------------------------------------------------------
// Wiring

function init() {
  if (state?.session) adoptSessionLang(state.session.lang);
  if (PREVIEW) {
    byId('preview-banner').hidden = false;
    document.body.classList.add('preview');
  }
  applyStatic();
  mountLangToggle(byId('lang-toggle'));
  carriedView = roomCarried(byId('carried'), { max: CARRIED_MAX });
  articlesView = articlesList(byId('articles'));
  seatView = seatPanel(byId('seat-box'), {
    session: () => state?.session || {},
    me: () => state?.me || {},
    send: (fields) => queue(fields),
    error: (name) => errors.get(name) || '',
    pending: (type) => outbox.list().some((op) => op.type === type),
  });
  resultsView = tableResults(byId('table-results'));
  onLangChange(() => {
    renderedKey = null;
    render();
    if (socket.stopped) return;
    showConnection(socket.live ? 'live' : 'waiting');
  });

  byId('join-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const name = byId('join-name').value.trim().slice(0, 60);
    joinName = name === '' ? null : name;
    byId('join-button').disabled = true;
    setText(byId('join-error'), '');
    setText(byId('join-status'), ui('joining'));
    if (outbox.list().length > 0) outbox.renewIds();
    socket.start();
  });

  askFirst({
    ask: byId('forget-button'), confirm: byId('forget-confirm'), yes: byId('forget-yes'), no: byId('forget-no'),
    focus: byId('forget-yes'), onYes: forgetMe,
  });

  byId('ready-button').addEventListener('click', () => {
    if (!state?.step) return;
    const ready = shown().ready.has(state.step.id);
    queue({ type: 'ready', step: state.step.id, ready: !ready });
  });

  // A phone that locks or a tab that closes must not lose a pending draft.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') commitAllDrafts();
  });
  window.addEventListener('pagehide', commitAllDrafts);
  // The browser's own word on the network: save states say at once where an answer is.
  window.addEventListener('offline', syncInputs);
  window.addEventListener('online', syncInputs);

  runCountdown(byId('timer'), () => state?.timer ?? null, (left) => {
    byId('timer-box').hidden = left === null;
    setText(byId('timer-label'), ui(left === 0 ? 'time_up' : 'timer_label'));
  });

  render();
  if (me) socket.start();
  keepForOffline();
}

init();
