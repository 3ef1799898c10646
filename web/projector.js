// Projector view (/s/{CODE}/projector#{token}): read-only big screen. Shows
// the join screen (QR, code, count) on the first step or while nobody has
// joined; otherwise the current step, countdown and "N af M er klar", with a
// small QR and code in a corner for latecomers. The step's activity view
// (activity-*.js) shows the card in play, the accepted plan, and the group's
// results once the facilitator reveals them. It never receives one person's
// private answer. In a series, the first step and plan steps also show what
// earlier meetings handed on ("Det tog vi med fra sidst", #carried), beside
// the QR code on the join screen. Nothing is cut off and nothing is small:
// text keeps to a floor of 28 px at 1920×1080 (in proportion elsewhere), the
// step shrinks toward it, and long lists go in pages that turn by themselves.

import {
  ui, t, getLang, adoptSessionLang, applyStatic, mountLangToggle, onLangChange, byId, setText,
  renderParagraphs, showOnly, pathCode, hashToken, runCountdown, SessionSocket, staffHello, stateMirror,
} from './common.js';
import { views } from './activities.js';
import { roomCarried, roomShowsCarried } from './carried.js';

const CODE = pathCode();
const TOKEN = hashToken();
/** A table's screen (/s/{CODE}/bord/{n}#{token}, issue 16) shows that table, not the hall. */
const TABLE = Number((window.location.pathname.match(/\/bord\/(\d+)\/?$/) || [])[1]) || null;
const VIEWS = ['view-message', 'view-screen'];

/** {session, step, timer, progress, activity} from the last snapshot and later messages. */
let state = null;
const follow = stateMirror(['session', 'step', 'timer', 'progress', 'activity']);
let fatal = null;
/** The current step's activity view and the step it belongs to. */
let view = null;
let viewKey = null;
/** The "Det tog vi med fra sidst" list. */
let carriedView = null;
/** Most carried items the room sees at once. */
const CARRIED_MAX = 8;

const socket = new SessionSocket(CODE, {
  first: () => (TABLE ? { ...staffHello(TOKEN, socket.lastSeq), table: TABLE } : staffHello(TOKEN, socket.lastSeq)),
  onMessage: handleMessage,
  onStatus: showConnection,
  onFatal: (reason) => stop(reason === 'not_found' ? 'not_found' : 'invalid'),
});

/** Every change the room can see shows at once: the screen is drawn again. */
function handleMessage(msg) {
  if (msg.type === 'deleted') {
    stop('deleted');
    return;
  }
  const next = follow(state, msg);
  if (!next) return;
  state = next;
  if (msg.type === 'snapshot' && msg.session) adoptSessionLang(msg.session.lang);
  render();
}

function stop(reason) {
  fatal = reason;
  socket.stop();
  render();
}

function showConnection(status) {
  const node = byId('connection');
  node.dataset.status = status;
  // The room does not need to read "connected"; only trouble is shown.
  node.hidden = status !== 'waiting';
  setText(node, ui('waiting'));
}

/** The join code whose QR picture is shown or on its way. */
let qrFor = null;

/**
 * Shows the QR picture of `code`, fetched with the projector token: a request that proves it
 * belongs is never slowed by someone guessing codes from the same address (a town hall behind
 * one NAT address). A failed fetch is tried again at the next render.
 */
async function showQr(code) {
  if (qrFor === code) return;
  qrFor = code;
  try {
    const response = await fetch(`/api/sessions/${encodeURIComponent(code)}/qr.svg`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    if (!response.ok) throw new Error(`QR: ${response.status}`);
    const svg = await response.text();
    byId('qr').setAttribute('src', `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
  } catch {
    qrFor = null;
  }
}

function render() {
  if (fatal) {
    showOnly('view-message', VIEWS);
    const title = { invalid: 'invalid_link', not_found: 'session_unknown', deleted: 'session_deleted' }[fatal];
    setText(byId('message-title'), ui(title));
    setText(byId('message-body'), '');
    return;
  }
  showOnly('view-screen', VIEWS);
  const code = state?.session?.code || CODE;
  showQr(code);
  setText(byId('join-code'), code);
  if (!state) return;

  const { session, step, progress } = state;
  const joined = progress?.joined ?? 0;
  const joining = step.index === 0 || joined === 0;
  const screen = byId('view-screen');
  screen.classList.toggle('joining', joining);
  screen.classList.toggle('stepping', !joining);

  setText(byId('join-url'), session.join_url || '');
  setText(byId('joined'), ui('participants', { n: joined }));
  // A table's screen says which table; the hall says how many sit where (issue 16).
  const badge = byId('table-badge');
  badge.hidden = !TABLE;
  if (TABLE) setText(badge, ui('table_n', { n: TABLE }));
  const tablesLine = byId('tables-line');
  const counts = Array.isArray(progress?.tables) ? progress.tables : null;
  tablesLine.hidden = !counts || TABLE !== null;
  if (counts) {
    const parts = counts.length <= 12
      ? counts.map((c) => ui('table_count', { n: c.table, m: c.members }))
      : [ui('tables_total', { n: counts.length })];
    if (progress.unseated > 0) parts.push(ui('tables_unseated', { n: progress.unseated }));
    setText(tablesLine, parts.join(' · '));
  }
  const total = (session.steps || []).length;
  setText(byId('step-count'), total ? ui('step_of', { n: step.index + 1, m: total }) : '');
  setText(byId('step-title'), t(step.title));
  const key = `${step.id}|${step.index}|${getLang()}`;
  if (key !== viewKey) {
    viewKey = key;
    pageOf.clear();
    renderParagraphs(byId('step-body'), t(step.body));
    screen.dataset.kind = step.kind;
    screen.classList.remove('has-results');
    const module = views[step.kind];
    const root = byId('activity');
    root.replaceChildren();
    view = module ? module.projector(root, {
      step,
      session: () => state.session,
      activity: () => (state.step.index === step.index ? state.activity : null),
      setResults: (on) => screen.classList.toggle('has-results', on),
    }) : null;
  }
  const showCarried = roomShowsCarried(session, step);
  screen.classList.toggle('with-carried', showCarried);
  byId('step-body').hidden = joining;
  byId('activity').hidden = joining;
  if (view && !joining) view.update();

  const ready = byId('ready');
  ready.hidden = joining || step.kind === 'end' || step.kind === 'cards';
  setText(ready, ui('ready_of', { n: progress?.ready ?? 0, m: progress?.connected ?? 0 }));

  fitToScreen();
  // Last, once everything else is laid out: the list takes the room that is left.
  carriedView.update(session, showCarried, `${window.innerWidth}x${window.innerHeight}|${screen.className}`);
}

/** Smallest share of its full size the step's text may shrink to (never below the CSS --floor). */
const FIT_MIN = 0.5;
/** How long one page of a long list stays up before the next turns by itself. */
const PAGE_MS = 9000;
/** The page each pageable region shows, by region id; turned by a timer. */
const pageOf = new Map();
let pageTimer = null;

/** Regions of the step whose items may be shown in pages ("Side 1 af 2"). */
function pageRegions() {
  return Array.from(document.querySelectorAll('#activity [data-page-items]')).filter((r) => r.getClientRects().length > 0);
}

const overflowsBox = (node) => node.scrollHeight > node.clientHeight + 1 || node.scrollWidth > node.clientWidth + 1;

/**
 * Nothing the room should see is cut off, on 16:9 or 4:3: first the title,
 * instruction, timer, count and the step's content shrink together (CSS
 * --fit) in 5 % steps, never below the legible floor (CSS --floor); what still
 * does not fit is shown in pages that say so and turn by themselves. All in
 * one task, so the room never sees the steps.
 */
function fitToScreen() {
  const root = document.documentElement;
  const regions = pageRegions();
  for (const region of regions) showPage(region, null);
  const boxes = ['.stage', '#activity', '#step-body'].map((s) => document.querySelector(s)).filter(Boolean);
  const overflows = () => root.scrollHeight > window.innerHeight + 1 || root.scrollWidth > window.innerWidth + 1
    || boxes.some((b) => b.getClientRects().length > 0 && overflowsBox(b))
    || regions.some(overflowsBox);
  let fit = 1;
  root.style.setProperty('--fit', '1');
  while (fit > FIT_MIN && overflows()) {
    fit = Math.round((fit - 0.05) * 100) / 100;
    root.style.setProperty('--fit', String(fit));
  }
  for (const region of regions) paginate(region);
  // Charts draw for the box they were given, once the rest is laid out.
  if (view && view.layout) view.layout();
  const paged = regions.some((r) => Number(r.dataset.pages) > 1);
  if (paged && !pageTimer) pageTimer = window.setInterval(turnPages, PAGE_MS);
  if (!paged && pageTimer) {
    window.clearInterval(pageTimer);
    pageTimer = null;
  }
}

/** The region's pager line ("Side 1 af 2"), made on first use. */
function pagerOf(region) {
  let pager = region.querySelector(':scope > .pager');
  if (!pager) {
    pager = document.createElement('p');
    pager.className = 'pager';
    pager.setAttribute('data-testid', 'pager');
    region.prepend(pager);
  }
  return pager;
}

/**
 * Split the region's items into pages that fit it (greedily, in order) and
 * show the current one. The page boundaries are kept on the items.
 */
function paginate(region) {
  const items = Array.from(region.querySelectorAll(region.dataset.pageItems));
  const pager = pagerOf(region);
  region.dataset.pages = '1';
  pager.hidden = true;
  if (!overflowsBox(region) || items.length < 2) return;
  // The pager takes its room on every page.
  pager.hidden = false;
  setText(pager, ui('page_of', { n: 9, m: 9 }));
  items.forEach((item) => { item.hidden = true; });
  syncGroups(region);
  let page = 0;
  let onPage = 0;
  for (const item of items) {
    item.hidden = false;
    syncGroups(region);
    if (onPage > 0 && overflowsBox(region)) {
      // Starts the next page: the items of this one step aside.
      for (const other of items) if (other.dataset.page === String(page)) other.hidden = true;
      page += 1;
      onPage = 0;
      syncGroups(region);
    }
    item.dataset.page = String(page);
    onPage += 1;
  }
  region.dataset.pages = String(page + 1);
  const key = region.id || region.className;
  const current = (pageOf.get(key) ?? 0) % (page + 1);
  pageOf.set(key, current);
  showPage(region, current);
}

/** Show page `n` of the region's items (null: all of them, no pager). */
function showPage(region, n) {
  const items = region.querySelectorAll(region.dataset.pageItems);
  for (const item of items) item.hidden = n !== null && item.dataset.page !== String(n);
  syncGroups(region);
  const pager = region.querySelector(':scope > .pager');
  if (n === null) {
    region.dataset.pages = '1';
    if (pager) pager.hidden = true;
    return;
  }
  if (pager) {
    pager.hidden = Number(region.dataset.pages) < 2;
    setText(pager, ui('page_of', { n: n + 1, m: Number(region.dataset.pages) }));
  }
}

/** A group (e.g. a heading and its items) shows while one of its items does. */
function syncGroups(region) {
  const selector = region.dataset.pageItems;
  for (const group of region.querySelectorAll('[data-page-group]')) {
    group.hidden = !Array.from(group.querySelectorAll(selector)).some((i) => !i.hidden);
  }
}

/** The next page of every paged region. */
function turnPages() {
  for (const region of pageRegions()) {
    const pages = Number(region.dataset.pages);
    if (pages < 2) continue;
    const key = region.id || region.className;
    const next = ((pageOf.get(key) ?? 0) + 1) % pages;
    pageOf.set(key, next);
    showPage(region, next);
  }
}

/** Whether the carried list is whole on the screen: not cut off, not past the stage or the screen. */
function carriedFits() {
  const section = byId('carried');
  const stage = section.closest('.stage');
  const bottom = Math.min(window.innerHeight, stage ? stage.getBoundingClientRect().bottom : window.innerHeight);
  const clipped = section.scrollHeight > section.clientHeight + 1;
  const stageClipped = stage ? stage.scrollHeight > stage.clientHeight + 1 : false;
  return !clipped && !stageClipped && section.getBoundingClientRect().bottom <= bottom + 1;
}

function init() {
  applyStatic();
  mountLangToggle(byId('lang-toggle'));
  onLangChange(render);
  carriedView = roomCarried(byId('carried'), { max: CARRIED_MAX, fits: carriedFits });
  window.addEventListener('resize', () => {
    if (state && !fatal) render();
  });
  // The countdown shows, hides or changes width by itself: the screen fits itself again then.
  let timerShape = '';
  runCountdown(byId('timer'), () => state?.timer ?? null, () => {
    const node = byId('timer');
    const shape = `${node.hidden}|${node.textContent.length}`;
    if (shape === timerShape) return;
    timerShape = shape;
    if (state && !fatal) render();
  });
  if (!TOKEN) {
    stop('invalid');
    return;
  }
  render();
  socket.start();
}

init();
