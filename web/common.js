// Shared helpers for all pages: storage, language, DOM building (textContent
// only), server-clock countdowns, the reconnecting WebSocket client and the
// page's copy of the session that the server's messages keep up to date.
// Nothing here touches the DOM or storage at import time.

import { strings } from './i18n.js';

// ---------------------------------------------------------------------------
// Storage: JSON in localStorage, never throwing (private mode, full quota).

export const store = {
  get(key, fallback = null) {
    try {
      const raw = window.localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch {
      return false;
    }
  },
  remove(key) {
    try {
      window.localStorage.removeItem(key);
    } catch {
      // Nothing to do: storage is unavailable.
    }
  },
};

// ---------------------------------------------------------------------------
// Language

const LANG_KEY = 'trivsel:lang';
const LANGS = ['da', 'en'];
let lang = null;
const langListeners = [];

/** The current UI language: the stored choice, else Danish. */
export function getLang() {
  if (lang === null) {
    const stored = store.get(LANG_KEY);
    lang = LANGS.includes(stored) ? stored : 'da';
  }
  return lang;
}

/** Switch language; `remember` stores the choice for the next visit. */
export function setLang(next, remember = true) {
  if (!LANGS.includes(next)) return;
  if (remember) store.set(LANG_KEY, next);
  if (next === getLang()) return;
  lang = next;
  applyStatic();
  for (const fn of langListeners) fn(lang);
}

/** Use the session's language unless the user has chosen one explicitly. */
export function adoptSessionLang(sessionLang) {
  if (!LANGS.includes(store.get(LANG_KEY))) setLang(sessionLang, false);
}

export function onLangChange(fn) {
  langListeners.push(fn);
}

/** A UI string by key, with {placeholders} filled from `vars`. */
export function ui(key, vars = {}) {
  const table = strings[getLang()] || strings.da;
  let text = table[key];
  if (vars.n === 1 && table[`${key}_one`] !== undefined) text = table[`${key}_one`];
  if (text === undefined) text = strings.da[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Pick the current language out of a content object `{da, en}`. */
export function t(obj) {
  if (obj === null || obj === undefined) return '';
  if (typeof obj === 'string') return obj;
  return obj[getLang()] ?? obj.da ?? obj.en ?? '';
}

/**
 * Fill static page text: `data-i18n="key"` sets textContent,
 * `data-i18n-attr="alt:key;aria-label:key"` sets attributes.
 */
export function applyStatic(root = document) {
  document.documentElement.lang = getLang();
  for (const node of root.querySelectorAll('[data-i18n]')) {
    node.textContent = ui(node.dataset.i18n);
  }
  for (const node of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of node.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) node.setAttribute(attr, ui(key));
    }
  }
}

/** Wire a <button> that toggles between Danish and English. */
export function mountLangToggle(button) {
  const label = () => {
    button.textContent = ui('lang_toggle');
    button.lang = getLang() === 'da' ? 'en' : 'da';
    button.setAttribute('aria-label', ui('lang_toggle_label'));
  };
  button.addEventListener('click', () => setLang(getLang() === 'da' ? 'en' : 'da'));
  onLangChange(label);
  label();
}

// ---------------------------------------------------------------------------
// DOM helpers. Text always goes in via textContent / text nodes.

/**
 * Create an element. `attrs` may hold `class`, `text`, `hidden`, boolean
 * properties (`checked`, `disabled`) and plain attributes. Children are nodes
 * or strings (inserted as text nodes).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name === 'checked' || name === 'disabled' || name === 'hidden') node[name] = true;
    else if (name.startsWith('on')) throw new Error('use addEventListener');
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

/** Set text only when it changed (keeps screen readers quiet). */
export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

/** Replace the children of `node` with one <p> per blank-line-separated paragraph. */
export function renderParagraphs(node, text) {
  const parts = String(text || '')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  node.replaceChildren(...parts.map((p) => el('p', { text: p })));
}

/** Show one of several mutually exclusive sections (by id); hide the rest. */
export function showOnly(visibleId, ids) {
  for (const id of ids) {
    const node = byId(id);
    if (node) node.hidden = id !== visibleId;
  }
}

/**
 * The connection line (#connection) of the console and the phones: "connected"
 * or "waiting" by a `SessionSocket` status, hidden once the socket stopped.
 */
export function showConnection(status) {
  const node = byId('connection');
  node.hidden = status === 'stopped';
  node.dataset.status = status;
  setText(node, ui(status === 'live' ? 'connected' : 'waiting'));
}

/**
 * A button that asks before it acts: `ask` hides itself and shows `confirm`
 * (the question with its `yes` and `no` buttons), moving focus to `focus`;
 * `no` hides the question again and gives focus back to `ask`; `yes` runs
 * `onYes`.
 */
export function askFirst({ ask, confirm, yes, no, focus = no, onYes }) {
  ask.addEventListener('click', () => {
    ask.hidden = true;
    confirm.hidden = false;
    focus.focus();
  });
  no.addEventListener('click', () => {
    confirm.hidden = true;
    ask.hidden = false;
    ask.focus();
  });
  yes.addEventListener('click', onYes);
}

// ---------------------------------------------------------------------------
// URL bits

/** The join code: the second path segment of /j/{CODE} and /s/{CODE}/... */
export function pathCode() {
  const segment = window.location.pathname.split('/')[2] || '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The staff token from the URL fragment, without '#'. */
export function hashToken() {
  return window.location.hash.replace(/^#/, '');
}

/**
 * A unique operation id. crypto.randomUUID only exists on https/localhost;
 * a workshop server on a LAN address over plain http still needs ids.
 */
export function newOpId() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') {
    return window.crypto.randomUUID();
  }
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// ---------------------------------------------------------------------------
// Time: countdowns follow the server clock.

let clockOffset = 0;

/** Remember server_time − local time from a message that carries server_time. */
export function syncClock(serverTime) {
  if (typeof serverTime === 'number') clockOffset = serverTime - Date.now();
}

/** Milliseconds left on a timer `{ends_at}`, clamped at 0; null without a timer. */
export function remainingMs(timer) {
  if (!timer || typeof timer.ends_at !== 'number') return null;
  return Math.max(0, timer.ends_at - (Date.now() + clockOffset));
}

/** mm:ss, rounding up so a fresh 5-minute timer shows 05:00 and 00:00 means done. */
export function formatCountdown(ms) {
  const total = Math.ceil(Math.max(0, ms) / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`;
}

/**
 * Keep a timer element up to date every 250 ms. `getTimer` returns the current
 * timer or null. The element is hidden when there is no timer; `onChange` gets
 * the remaining ms after each update (null without a timer).
 */
export function runCountdown(node, getTimer, onChange = () => {}) {
  const tick = () => {
    const left = remainingMs(getTimer());
    node.hidden = left === null;
    setText(node, left === null ? '' : formatCountdown(left));
    node.classList.toggle('done', left === 0);
    onChange(left);
  };
  tick();
  return window.setInterval(tick, 250);
}

// ---------------------------------------------------------------------------
// WebSocket client with reconnect.

const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_NOT_FOUND = 4404;
const CLOSE_TOO_SLOW = 4408;
const CLOSE_PROTOCOL = 4400;
const HANDSHAKE_TIMEOUT_MS = 10000;
const SLEEP_RECONNECT_MS = 30000;

/**
 * A session connection that reconnects by itself.
 *
 * - `first()` returns the first message to send after each open
 *   (hello / join / resume); it is called on every (re)connect and may use
 *   `socket.lastSeq`.
 * - `onMessage(msg)` gets every parsed server message.
 * - `onStatus(status)` gets 'waiting' | 'live' | 'stopped'. 'live' means a
 *   snapshot has arrived on the current socket.
 * - `onFatal(reason, error)` gets 'unauthorized' (close 4401), 'not_found'
 *   (close 4404) or 'refused' (close 4400 right after an `error` reply to
 *   the first message; `error` is that message). The client stops and can
 *   be restarted with `start()`.
 */
export class SessionSocket {
  constructor(code, { first, onMessage, onStatus = () => {}, onFatal = () => {} }) {
    this.url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/sessions/${encodeURIComponent(code)}/ws`;
    this.first = first;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.onFatal = onFatal;
    this.ws = null;
    this.live = false;
    this.stopped = true;
    this.attempt = 0;
    this.retryTimer = null;
    this.handshakeTimer = null;
    this.lastSeq = null;
    this.openingError = null;

    // Retry at once when the network or the page comes back. A phone that
    // slept for a while probably holds a dead socket: replace it.
    const kick = () => {
      if (!this.stopped && !this.live && this.retryTimer !== null) this.connectNow();
    };
    let hiddenAt = null;
    window.addEventListener('online', kick);
    // Losing the network leaves an open socket looking alive for a long time: drop it now, so
    // the page says it is waiting and answers stay in the outbox until a new socket confirms.
    window.addEventListener('offline', () => {
      if (!this.stopped) this.connectNow();
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') {
        hiddenAt = Date.now();
        return;
      }
      const slept = hiddenAt !== null && Date.now() - hiddenAt > SLEEP_RECONNECT_MS;
      hiddenAt = null;
      if (slept && !this.stopped) this.connectNow();
      else kick();
    });
  }

  start() {
    this.stopped = false;
    this.attempt = 0;
    this.connectNow();
  }

  /** Stop for good (session deleted, bad link). */
  stop() {
    this.stopped = true;
    this.clearTimers();
    this.live = false;
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000);
    }
    this.onStatus('stopped');
  }

  /** Send an operation; returns false when not live (caller keeps it). */
  send(msg) {
    if (!this.live || !this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  clearTimers() {
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.handshakeTimer);
    this.retryTimer = null;
    this.handshakeTimer = null;
  }

  connectNow() {
    this.clearTimers();
    if (this.ws) {
      const old = this.ws;
      this.ws = null;
      old.close();
    }
    this.live = false;
    this.onStatus('waiting');

    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    // Give up on a socket that neither opens nor delivers a snapshot in time.
    this.handshakeTimer = window.setTimeout(() => {
      if (this.ws === ws && !this.live) ws.close();
    }, HANDSHAKE_TIMEOUT_MS);

    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      this.openingError = null;
      ws.send(JSON.stringify(this.first()));
    });
    ws.addEventListener('message', (event) => {
      if (this.ws !== ws) return;
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!msg || typeof msg.type !== 'string') return;
      if (typeof msg.seq === 'number') {
        this.lastSeq = msg.type === 'snapshot' ? msg.seq : Math.max(this.lastSeq ?? 0, msg.seq);
      }
      if (msg.type === 'error' && !this.live) this.openingError = msg;
      if (msg.type === 'snapshot') {
        window.clearTimeout(this.handshakeTimer);
        this.attempt = 0;
        this.live = true;
        this.onStatus('live');
      }
      this.onMessage(msg);
    });
    ws.addEventListener('close', (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.live = false;
      if (this.stopped) return;
      // A refused first message (4400 after an error reply) will be refused
      // again; a 4400 without one (e.g. a hello that arrived too late) will not,
      // nor will a join refused as `busy` (many joining at once): both try again.
      const busy = this.openingError?.code === 'busy';
      const refused = event.code === CLOSE_PROTOCOL && this.openingError !== null && !busy;
      if (event.code === CLOSE_UNAUTHORIZED || event.code === CLOSE_NOT_FOUND || refused) {
        this.stopped = true;
        this.clearTimers();
        this.onStatus('stopped');
        const reason = refused ? 'refused' : (event.code === CLOSE_UNAUTHORIZED ? 'unauthorized' : 'not_found');
        this.onFatal(reason, this.openingError);
        return;
      }
      this.onStatus('waiting');
      if (event.code === CLOSE_TOO_SLOW) {
        this.attempt = 0;
        this.retryTimer = window.setTimeout(() => this.connectNow(), 50);
      } else {
        this.scheduleRetry();
      }
    });
  }

  /** Back off 0.5 s, doubling to 5 s, with jitter (half fixed, half random). */
  scheduleRetry() {
    const base = Math.min(5000, 500 * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base / 2 + Math.random() * (base / 2);
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => this.connectNow(), delay);
  }
}

// ---------------------------------------------------------------------------
// The page's copy of the session, folded from server messages.

/**
 * A fold of server messages into a page's state: the last `snapshot`'s
 * `fields` (of seq, session, step, timer, progress, me, activity) with the
 * later `step`, `activity`, `timer` and `progress` messages folded in, the
 * clock synced from each message that carries `server_time`. Returns
 * `follow(state, msg)`, which gives the state after `msg` — a new object for a
 * snapshot, else `state` changed in place — or null when `msg` changes none of
 * it: another type of message, no snapshot yet, another step's activity, or a
 * field the page does not keep. With `seq` kept, every folded message renews
 * it.
 */
export function stateMirror(fields) {
  const keeps = new Set(fields);
  return function follow(state, msg) {
    if (msg.type === 'snapshot') {
      syncClock(msg.server_time);
      const next = {};
      for (const field of fields) next[field] = field === 'activity' ? msg.activity ?? null : msg[field];
      return next;
    }
    if (!state) return null;
    switch (msg.type) {
      case 'step':
        state.step = msg.step;
        state.activity = msg.activity ?? null;
        break;
      case 'activity':
        if (!state.step || msg.index !== state.step.index) return null;
        state.activity = msg.activity ?? null;
        break;
      case 'timer':
        syncClock(msg.server_time);
        state.timer = msg.timer;
        break;
      case 'progress':
        if (!keeps.has('progress')) return null;
        state.progress = msg;
        break;
      default:
        return null;
    }
    if (keeps.has('seq')) state.seq = msg.seq;
    return state;
  };
}

/**
 * The first message of a staff screen (console, projector): `hello` with its
 * token and, after a reconnect, the last `seq` it saw.
 */
export function staffHello(token, lastSeq) {
  const hello = { type: 'hello', token };
  if (lastSeq !== null) hello.last_seq = lastSeq;
  return hello;
}

/** Text for a server `error` message: ours by code, else the server's message. */
export function errorText(msg) {
  const key = `err_${msg.code}`;
  const text = ui(key);
  if (text !== key) return text;
  return msg.message || ui('err_unknown');
}
