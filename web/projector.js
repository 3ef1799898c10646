// Projector view (/s/{CODE}/projector#{token}): read-only big screen. Shows
// the join screen (QR, code, count) on the first step or while nobody has
// joined; otherwise the current step, countdown and "N af M er klar", with a
// small QR and code in a corner for latecomers. The step's activity view
// (activity-*.js) shows the card in play, the accepted plan, and the group's
// results once the facilitator reveals them. It never receives one person's
// private answer. In a series, the first step and plan steps also show what
// earlier meetings handed on ("Det tog vi med fra sidst", #carried), beside
// the QR code on the join screen.

import {
  ui, t, getLang, adoptSessionLang, applyStatic, mountLangToggle, onLangChange, byId, setText,
  renderParagraphs, showOnly, pathCode, hashToken, runCountdown, SessionSocket, staffHello, stateMirror,
} from './common.js';
import { views } from './activities.js';
import { roomCarried, roomShowsCarried } from './carried.js';

const CODE = pathCode();
const TOKEN = hashToken();
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
  first: () => staffHello(TOKEN, socket.lastSeq),
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
  const qr = byId('qr');
  const src = `/api/sessions/${encodeURIComponent(code)}/qr.svg`;
  if (qr.getAttribute('src') !== src) qr.setAttribute('src', src);
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
  const total = (session.steps || []).length;
  setText(byId('step-count'), total ? ui('step_of', { n: step.index + 1, m: total }) : '');
  setText(byId('step-title'), t(step.title));
  const key = `${step.id}|${step.index}|${getLang()}`;
  if (key !== viewKey) {
    viewKey = key;
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

/** Smallest share of its full size the step's text may shrink to. */
const FIT_MIN = 0.5;

/**
 * A long instruction must not push the screen into scrolling, on 16:9 or 4:3:
 * the title, instruction, timer and count shrink together (CSS --fit) in 5 %
 * steps until the page fits. All in one task, so the room never sees the steps.
 */
function fitToScreen() {
  const root = document.documentElement;
  const overflows = () => root.scrollHeight > window.innerHeight + 1 || root.scrollWidth > window.innerWidth + 1;
  let fit = 1;
  root.style.setProperty('--fit', '1');
  while (fit > FIT_MIN && overflows()) {
    fit = Math.round((fit - 0.05) * 100) / 100;
    root.style.setProperty('--fit', String(fit));
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
  runCountdown(byId('timer'), () => state?.timer ?? null);
  if (!TOKEN) {
    stop('invalid');
    return;
  }
  render();
  socket.start();
}

init();
