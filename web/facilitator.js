// Facilitator console (/s/{CODE}/facilitator#{token}): move the group
// through the steps, run the shared countdown, watch progress, steer the
// step's activity (activity-*.js) and download the exports. Usable on a
// phone. The page only sends commands; the server's messages drive the view.
// A command that is not acknowledged within a few seconds is reported.
//
// Stable ids: #prev, #next, #preview-link, #projector-link, #status, #step-list button.step-jump[data-index],
// #mirror (the projector page, small), #shortcut-hint, #timer-*, #joined, #connected, #ready,
// #people li[data-testid=person] (.person-name, .person-state), #people-anonymous,
// #count-{prompt}, #activity-panel, #activity, #activity-status,
// #export-{docx,html,md,csv,json}, #export-status, #delete-session, #delete-yes, #delete-no,
// #delete-status.
// Preparation (collapsed <details>): #prep-panel, #prep-text, #invitation-subject,
// #invitation-body, #invitation-copy, #invitation-status, #ics-start, #ics-minutes,
// #ics-download, #ics-status, #print-handout, #print-link (the guide), #date-form,
// #meeting-date, #date-save, #date-clear, #date-status (the meeting's day, issue 14).
// Series: #series-panel, #series-position, #series-meetings li[data-code] a,
// #series-export-{docx,html}, #series-export-status.
// Carried items: #carried-panel, #carried-groups section[data-kind] li[data-testid=carried-item]
// (.carried-text, button.carried-suggest on plan steps).
// Follow-up (issue 17): #followup-panel with #follows-note, #followup-date, #followup-programme,
// #followup-create, #followup-status, #followup-link; the series' calendar: #series-ics-time,
// #series-ics-download, #series-ics-status.

import {
  ui, t, getLang, adoptSessionLang, applyStatic, mountLangToggle, onLangChange, byId, el, setText,
  renderParagraphs, showOnly, askFirst, showConnection, pathCode, hashToken, newOpId, runCountdown,
  SessionSocket, staffHello, stateMirror, errorText,
} from './common.js';
import { views } from './activities.js';
import { downloadWithStatus } from './activity-kit.js';
import { carriedOf, groupByKind } from './carried.js';
import { tablesPanel, watchSelect, tablesOf } from './tables.js';
import { articlesText } from './articles.js';
import { formatDate } from './activity-plan.js';

const CODE = pathCode();
const TOKEN = hashToken();
const VIEWS = ['view-loading', 'view-message', 'view-console'];

/** How long a command may go unacknowledged before the console says so. */
const ACK_TIMEOUT_MS = 6000;
const EXPORTS = [
  { format: 'docx', ext: 'docx' },
  { format: 'xlsx', ext: 'xlsx' },
  { format: 'html', ext: 'html' },
  { format: 'md', ext: 'md' },
  { format: 'csv', ext: 'csv' },
  { format: 'json', ext: 'json' },
];

/** {session, step, timer, progress, activity} from the last snapshot and later messages. */
let state = null;
const follow = stateMirror(['session', 'step', 'timer', 'progress', 'activity']);
/** 'invalid' | 'not_found' | 'deleted' once the page cannot go on. */
let fatal = null;
let minutesForStep = null;
/** Commands sent and not yet answered: op id -> {timer, onAck, where}. */
const pending = new Map();
/** The current step's activity view and the step it belongs to. */
let view = null;
let viewKey = null;
/** Every programme and series (GET /api/programmes), or null until loaded. */
let catalog = null;
/** What the preparation, series and carried panels last showed. */
let prepKey = null;
let seriesKey = null;
let carriedKey = null;
/** The step the carried panel was last opened or closed for. */
let carriedStep = null;
/** The table the console steers and shows (issue 16), or null for the hall. */
let watching = null;
/** The console's table panel and its choice of what it steers. */
let tablesView = null;
let watchView = null;
/** Whether the facilitator changed the calendar invitation's length by hand. */
let icsMinutesTouched = false;
let icsStartTouched = false;

const socket = new SessionSocket(CODE, {
  first: () => (watching ? { ...staffHello(TOKEN, socket.lastSeq), table: watching } : staffHello(TOKEN, socket.lastSeq)),
  onMessage: handleMessage,
  onStatus: (status) => {
    showConnection(status);
    renderControls();
  },
  onFatal: (reason) => stop(reason === 'not_found' ? 'not_found' : 'invalid'),
});

/** What the console redraws once a server message changed `state`, by message type. */
const onChange = {
  snapshot(msg) {
    if (msg.session) adoptSessionLang(msg.session.lang);
    render();
    refreshPeople();
  },
  step() {
    render();
    refreshPeople();
  },
  activity() {
    if (view) view.update();
    renderProgress();
  },
  timer: renderControls,
  progress() {
    renderProgress();
    if (tablesView) tablesView.update();
    refreshPeople();
  },
};

function handleMessage(msg) {
  const next = follow(state, msg);
  if (next) {
    state = next;
    onChange[msg.type](msg);
    return;
  }
  switch (msg.type) {
    case 'ack': {
      const done = pending.get(msg.op);
      if (done) {
        pending.delete(msg.op);
        window.clearTimeout(done.timer);
        setText(byId(done.where), '');
        if (done.onAck) done.onAck();
      } else {
        setText(byId('status'), '');
      }
      break;
    }
    case 'error': {
      const failed = msg.op ? pending.get(msg.op) : null;
      if (failed) {
        pending.delete(msg.op);
        window.clearTimeout(failed.timer);
      }
      setText(byId(failed ? failed.where : 'status'), errorText(msg));
      break;
    }
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

/**
 * Send a command; say so when there is no connection to send it on, when the
 * server refuses it, or when no acknowledgement comes. `onAck` runs once it
 * is stored; `where` is the id of the line that reports trouble.
 */
function command(fields, onAck = null, where = 'status') {
  const op = newOpId();
  // Watching a table, the step's activity is that table's.
  const at = fields.type === 'act' && watching ? { table: watching } : {};
  const sent = socket.send({ ...fields, ...at, op });
  if (!sent) {
    setText(byId(where), ui('not_sent'));
    return;
  }
  setText(byId(where), '');
  const timer = window.setTimeout(() => {
    if (!pending.delete(op)) return;
    setText(byId(where), ui('not_acked'));
  }, ACK_TIMEOUT_MS);
  pending.set(op, { timer, onAck, where });
}

// ---------------------------------------------------------------------------
// Rendering

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

  // Every step is a button: the facilitator can go straight to any of them.
  byId('step-list').replaceChildren(...steps.map((s, i) => {
    const current = i === step.index;
    const jump = el('button', {
      type: 'button', class: 'step-jump', 'data-index': String(i),
      'aria-label': ui('step_jump_label', { n: i + 1, title: t(s.title) }),
      'aria-current': current ? 'step' : null,
    }, el('span', { class: 'step-name', text: t(s.title) }), current ? el('span', { class: 'step-now', text: ` ${ui('current_step')}` }) : null);
    return el('li', { class: current ? 'current' : null }, jump);
  }));

  setText(byId('join-code'), session.code);
  const joinLink = byId('join-link');
  joinLink.href = session.join_url;
  setText(joinLink, session.join_url);
  const projector = byId('projector-link');
  projector.hidden = !session.projector_url;
  if (session.projector_url) projector.href = session.projector_url;
  // The preview reads with the projector's token: it never needs to steer.
  const preview = byId('preview-link');
  preview.hidden = !session.projector_url;
  if (session.projector_url) preview.href = session.projector_url.replace(/\/projector#/, '/preview#');
  renderMirror();

  // Suggest the step's planned minutes once per step, unless being edited.
  const minutes = byId('timer-minutes');
  if (minutesForStep !== step.id && document.activeElement !== minutes) {
    minutesForStep = step.id;
    if (typeof step.minutes === 'number' && step.minutes > 0) minutes.value = String(step.minutes);
  }

  renderTables();
  renderActivity();
  renderControls();
  renderProgress();
  renderPreparation();
  renderSeries();
  renderCarried();
  renderFollowUp();
}

// ---------------------------------------------------------------------------
// Follow-up (issue 17): the meeting this one follows, and creating the next one

let followUpKey = null;

function renderFollowUp() {
  const { session } = state;
  const key = JSON.stringify([getLang(), session.follows, Boolean(catalog), session.programme?.id]);
  if (key === followUpKey) return;
  followUpKey = key;
  const note = byId('follows-note');
  const follows = session.follows;
  note.hidden = !follows;
  if (follows) {
    setText(note, ui('follows_note', { code: follows.code, title: t(follows.title), date: formatDate(follows.date) }));
  }
  // The programmes a follow-up may use; the built-in follow-up programme first, when there is one.
  const select = byId('followup-programme');
  const programmes = (catalog || []).filter((p) => !Array.isArray(p.series));
  const chosen = select.value;
  select.replaceChildren(...programmes.map((p) => el('option', { value: p.id, text: t(p.title) })));
  const preferred = programmes.find((p) => p.id === chosen) || programmes.find((p) => p.id === 'opfolgning')
    || programmes.find((p) => p.id === session.programme?.id);
  if (preferred) select.value = preferred.id;
  byId('followup-create').disabled = programmes.length === 0;
}

/** A day about three months from now, as `YYYY-MM-DD`. */
function threeMonthsOn() {
  const d = new Date();
  d.setMonth(d.getMonth() + 3);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

async function createFollowUp(event) {
  event.preventDefault();
  const status = byId('followup-status');
  const button = byId('followup-create');
  const programme = byId('followup-programme').value;
  const date = byId('followup-date').value;
  status.classList.remove('error');
  byId('followup-result').hidden = true;
  button.disabled = true;
  setText(status, ui('followup_creating'));
  try {
    const body = { programme, follows: { code: state?.session?.code || CODE, token: TOKEN } };
    if (date) body.date = date;
    const response = await fetch('/api/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const reply = await response.json().catch(() => ({}));
    if (response.ok) {
      setText(status, ui('followup_created'));
      const link = byId('followup-link');
      const url = reply.facilitator_url || `/s/${encodeURIComponent(reply.code)}/facilitator`;
      link.href = url.includes('#') ? url : `${url}#${reply.facilitator_token}`;
      byId('followup-result').hidden = false;
    } else {
      status.classList.add('error');
      setText(status, ui('followup_failed', { msg: reply.error || `HTTP ${response.status}` }));
    }
  } catch {
    status.classList.add('error');
    setText(status, ui('network_error'));
  }
  button.disabled = false;
}

/** Every meeting of the series with a day, in one calendar file (issue 17). */
function downloadSeriesCalendar(event) {
  event.preventDefault();
  const time = byId('series-ics-time').value || '09:00';
  return downloadWithStatus(byId('series-ics-download'), byId('series-ics-status'), () => {
    const code = state?.session?.code || CODE;
    return {
      url: `/api/series/${encodeURIComponent(code)}/invitation.ics?time=${encodeURIComponent(time.slice(0, 5))}`,
      authorization: `Bearer ${TOKEN}`,
      name: `trivsel-serie-${code}.ics`,
    };
  });
}

/** The table panel and the choice of hall or table (issue 16). */
function renderTables() {
  const tables = tablesOf(state.session);
  // What the server shows this console is the truth (a table that is gone: the hall again).
  watching = tables && Number.isInteger(state.session.table) ? state.session.table : null;
  watchView.update(state.session, watching);
  tablesView.update();
  const panel = byId('tables-panel');
  // Open while tables are being set up, before the first step with group work.
  if (panel.dataset.auto !== 'done' && tables) {
    panel.dataset.auto = 'done';
    panel.open = state.step.index === 0;
  }
}

/** Steer and show the hall (null) or table `n`: the server sends a fresh snapshot of it. */
function watch(n) {
  watching = n;
  viewKey = null;
  socket.send({ type: 'watch', table: n });
}

/** (Re)build the activity panel when the step, language or watched table changed; else update it. */
function renderActivity() {
  const { step } = state;
  const key = `${step.id}|${step.index}|${getLang()}|${watching ?? ''}`;
  if (key !== viewKey) {
    viewKey = key;
    const module = views[step.kind];
    const root = byId('activity');
    root.replaceChildren();
    setText(byId('activity-status'), '');
    byId('activity-panel').hidden = !module;
    byId('activity-panel').dataset.kind = step.kind;
    setText(byId('activity-heading'), ui(`kind_${step.kind}`));
    view = module ? module.facilitator(root, {
      step,
      code: state.session.code,
      token: TOKEN,
      session: () => state.session,
      activity: () => (state.step.index === step.index ? state.activity : null),
      command: (fields, onAck) => command(fields, onAck, 'activity-status'),
    }) : null;
  }
  if (view) view.update();
}

// ---------------------------------------------------------------------------
// Preparation, invitation, calendar file and print

/** The programme's entry in the catalogue, or null. */
function catalogEntry(id) {
  return (catalog || []).find((p) => p.id === id && !Array.isArray(p.series)) || null;
}

/** Fill {link} and {code} in an invitation text. */
function fillInvitation(text, session) {
  return String(text || '').replaceAll('{link}', session.join_url || '').replaceAll('{code}', session.code || '');
}

function renderPreparation() {
  const { session } = state;
  const key = JSON.stringify([getLang(), session.code, session.join_url, session.lang, session.programme?.id,
    session.preparation, session.invitation, session.articles, Boolean(catalog)]);
  if (key === prepKey) return;
  prepKey = key;

  const preparation = t(session.preparation);
  renderParagraphs(byId('prep-text'), preparation || ui('prep_none'));
  byId('prep-text').classList.toggle('muted', !preparation);

  const invitation = session.invitation;
  const has = Boolean(invitation && (t(invitation.subject) || t(invitation.body)));
  byId('invitation').hidden = !has;
  byId('invitation-none').hidden = has;
  byId('invitation-copy').disabled = !has;
  setText(byId('invitation-subject'), has ? fillInvitation(t(invitation.subject), session) : '');
  // What to read before the meeting goes at the end of the invitation (issue 17).
  renderParagraphs(byId('invitation-body'), has ? `${fillInvitation(t(invitation.body), session)}${articlesText(session)}` : '');

  // The paper versions of this session's programme (with the cards, topics and categories it
  // was created with): the participants' hand-out and the facilitator's guide.
  const id = session.programme?.id;
  byId('print-links').hidden = !id;
  for (const [link, version] of [[byId('print-handout'), 'handout'], [byId('print-link'), 'guide']]) {
    if (id) link.href = `/api/sessions/${encodeURIComponent(CODE)}/print?version=${version}&lang=${session.lang === 'en' ? 'en' : 'da'}`;
  }

  // The programme's suggested length, unless the facilitator typed another.
  const minutes = catalogEntry(id)?.minutes;
  if (!icsMinutesTouched && typeof minutes === 'number' && minutes > 0) byId('ics-minutes').value = String(minutes);
  // The day set for the meeting (issue 14), at 09:00, unless the facilitator typed another time.
  if (!icsStartTouched && /^\d{4}-\d{2}-\d{2}$/.test(session.date || '')) byId('ics-start').value = `${session.date}T09:00`;
  // The day itself, unless it is being changed.
  if (!dateTouched) byId('meeting-date').value = session.date || '';
}

/** Whether the facilitator is changing the meeting's day in its field. */
let dateTouched = false;

/** A `YYYY-MM-DD` day written out in the page's language ("19. januar 2027"). */
function writtenDay(iso) {
  const [year, month, day] = iso.split('-').map(Number);
  const locale = getLang() === 'en' ? 'en-GB' : 'da-DK';
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(Date.UTC(year, month - 1, day)));
}

/** Sets the meeting's day (or clears it, `day` null): what its exports and file name carry. */
async function saveDate(day) {
  const status = byId('date-status');
  status.classList.add('error');
  if (day !== null && !/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    setText(status, ui('set_date_need'));
    byId('meeting-date').focus();
    return;
  }
  for (const button of [byId('date-save'), byId('date-clear')]) button.disabled = true;
  try {
    const response = await fetch(`/api/sessions/${encodeURIComponent(CODE)}/date`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ date: day }),
    });
    if (response.ok) {
      const saved = await response.json();
      dateTouched = false;
      byId('meeting-date').value = saved.date || '';
      if (!icsStartTouched && saved.date) byId('ics-start').value = `${saved.date}T09:00`;
      status.classList.remove('error');
      setText(status, ui(saved.date ? 'set_date_saved' : 'set_date_cleared', { date: writtenDay(saved.meeting_date) }));
    } else {
      const body = await response.json().catch(() => ({}));
      setText(status, ui('set_date_failed', { msg: body.error || `HTTP ${response.status}` }));
    }
  } catch {
    setText(status, ui('network_error'));
  } finally {
    for (const button of [byId('date-save'), byId('date-clear')]) button.disabled = false;
  }
}

/** The invitation as plain text: subject, blank line, body. */
function invitationText() {
  const { session } = state;
  const invitation = session.invitation || {};
  return `${fillInvitation(t(invitation.subject), session)}\n\n${fillInvitation(t(invitation.body), session)}${articlesText(session)}`;
}

async function copyInvitation() {
  const status = byId('invitation-status');
  if (!state?.session?.invitation) return;
  try {
    if (!navigator.clipboard || !window.isSecureContext) throw new Error('no clipboard');
    await navigator.clipboard.writeText(invitationText());
    setText(status, ui('invitation_copied'));
  } catch {
    // No clipboard (plain http on a LAN address, or refused): select the text so
    // Ctrl+C copies it, and try the old copy command on the selection.
    const selection = window.getSelection();
    selection.selectAllChildren(byId('invitation'));
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch {
      copied = false;
    }
    setText(status, ui(copied ? 'invitation_copied' : 'invitation_selected'));
  }
}

/** Tomorrow at 09:00 in the browser's time zone, as a datetime-local value. */
function tomorrowMorning() {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T09:00`;
}

async function downloadCalendar(event) {
  event.preventDefault();
  const status = byId('ics-status');
  const start = byId('ics-start').value.slice(0, 16);
  const minutes = Number(byId('ics-minutes').value);
  status.classList.add('error');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(start)) {
    setText(status, ui('ics_need_start'));
    byId('ics-start').focus();
    return;
  }
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > 1440) {
    setText(status, ui('ics_minutes_invalid'));
    byId('ics-minutes').focus();
    return;
  }
  await downloadWithStatus(byId('ics-download'), status, () => {
    const code = state?.session?.code || CODE;
    const query = `start=${encodeURIComponent(start)}&minutes=${minutes}`;
    return {
      url: `/api/sessions/${encodeURIComponent(code)}/invitation.ics?${query}`,
      authorization: `Bearer ${TOKEN}`,
      name: `trivsel-${code}.ics`,
    };
  });
}

// ---------------------------------------------------------------------------
// The series this meeting belongs to

function renderSeries() {
  const series = state.session.series;
  const panel = byId('series-panel');
  panel.hidden = !series;
  if (!series) return;
  const key = JSON.stringify([getLang(), series, Boolean(catalog)]);
  if (key === seriesKey) return;
  seriesKey = key;
  const codes = Array.isArray(series.codes) ? series.codes : [];
  setText(byId('series-position'), ui('series_position', {
    n: series.position + 1, m: codes.length, title: t(series.title),
  }));
  const meetings = (catalog || []).find((p) => p.id === series.id && Array.isArray(p.series))?.series || [];
  byId('series-meetings').replaceChildren(...codes.map((code, i) => {
    const title = t(catalogEntry(meetings[i])?.title);
    const n = i + 1;
    const name = title ? ui('meeting_n', { n, title }) : ui('meeting_plain', { n });
    const here = i === series.position;
    return el('li', { 'data-code': code, class: here ? 'current' : null, 'aria-current': here ? 'true' : null },
      el('span', { text: name }), ' ',
      here
        ? el('span', { class: 'muted', text: ui('series_this') })
        : el('a', {
          href: `/s/${encodeURIComponent(code)}/facilitator#${TOKEN}`, 'aria-label': ui('series_open_console_label', { n }),
          text: ui('series_open_console'),
        }));
  }));
}

function exportSeries(format, button) {
  return downloadWithStatus(button, byId('series-export-status'), () => {
    const code = state?.session?.code || CODE;
    return {
      url: `/api/series/${encodeURIComponent(code)}/export?format=${format}`,
      authorization: `Bearer ${TOKEN}`,
      name: `trivsel-serie-${code}.${format}`,
    };
  });
}

// ---------------------------------------------------------------------------
// What earlier meetings of the series handed on

/** What "Foreslå som række" puts into the new row: priorities and actors are what it answers to. */
function suggestedRow(item) {
  const answers = item.kind === 'priority' || item.kind === 'actor' ? item.text.slice(0, 100) : '';
  return { action: item.text.slice(0, 500), answers };
}

function renderCarried() {
  const { session, step } = state;
  const carried = carriedOf(session);
  const panel = byId('carried-panel');
  panel.hidden = carried.length === 0;
  const plan = step.kind === 'plan';
  // Open where the group looks back (the first step) or plans; closed, out of the way, elsewhere.
  // Within a step, the facilitator's own choice stands.
  if (carriedStep !== step.index) {
    carriedStep = step.index;
    panel.open = step.index === 0 || plan;
  }
  const key = JSON.stringify([getLang(), carried, plan]);
  if (key === carriedKey) return;
  carriedKey = key;
  setText(byId('carried-help'), plan ? `${ui('carried_help')} ${ui('carried_help_plan')}` : ui('carried_help'));
  byId('carried-groups').replaceChildren(...groupByKind(carried).map((group) => {
    const label = group.kind === 'other' ? ui('carried_heading') : ui(`carried_kind_${group.kind}`);
    const heading = el('h3', { id: `carried-kind-${group.kind}`, text: label });
    return el('section', { class: 'carried-group', 'data-kind': group.kind, 'aria-labelledby': heading.id },
      heading,
      ...group.parts.flatMap((part) => [
        part.from ? el('p', { class: 'carried-from small', text: ui('carried_from', { title: t(part.from) }) }) : null,
        el('ul', { class: 'carried-items' }, ...part.items.map(({ item }) => {
          const li = el('li', { 'data-testid': 'carried-item', 'data-kind': item.kind },
            el('span', { class: 'carried-text', text: item.text }));
          if (plan) {
            const short = item.text.length > 60 ? `${item.text.slice(0, 58)}…` : item.text;
            const button = el('button', {
              type: 'button', class: 'quiet carried-suggest', text: ui('carried_suggest'),
              'aria-label': ui('carried_suggest_label', { text: short }),
            });
            button.addEventListener('click', () => {
              if (view && typeof view.prefill === 'function') view.prefill(suggestedRow(item));
            });
            li.append(button);
          }
          return li;
        })),
      ].filter(Boolean)));
  }));
}

async function loadCatalog() {
  try {
    const response = await fetch('/api/programmes', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = await response.json();
    catalog = Array.isArray(data) ? data : [];
  } catch {
    // Without it the panels use plain "Møde N" and a default length.
    catalog = [];
  }
  if (state && !fatal) render();
}

function exportAs({ format, ext }, button) {
  return downloadWithStatus(button, byId('export-status'), () => {
    const code = state?.session?.code || CODE;
    // Watching a table, its own outcome; else the hall's (issue 16).
    const table = watching ? `&table=${watching}` : '';
    return {
      url: `/api/sessions/${encodeURIComponent(code)}/export?format=${format}${table}`,
      authorization: `Bearer ${TOKEN}`,
      name: watching ? `trivsel-${code}-bord-${watching}.${ext}` : `trivsel-${code}.${ext}`,
    };
  });
}

// ---------------------------------------------------------------------------
// The live mirror: the projector page itself, small (same origin, projector token)

/** The width the projector page is laid out at inside the mirror, in CSS pixels. */
const MIRROR_WIDTH = 1280;
const MIRROR_HEIGHT = 720;

/** Load the projector page into the mirror once it is on screen (not on a phone, where it is hidden). */
function renderMirror() {
  const frame = byId('mirror');
  const url = state?.session?.projector_url;
  const shown = Boolean(url) && byId('mirror-box').getClientRects().length > 0;
  frame.hidden = !shown;
  if (shown && frame.dataset.src !== url) {
    frame.dataset.src = url;
    frame.src = url;
  }
  scaleMirror();
}

function scaleMirror() {
  const box = byId('mirror-box');
  const frame = byId('mirror');
  const scale = box.clientWidth / MIRROR_WIDTH;
  if (!(scale > 0)) return;
  // CSSOM, not a style attribute: allowed under the page's CSP.
  frame.style.width = `${MIRROR_WIDTH}px`;
  frame.style.height = `${MIRROR_HEIGHT}px`;
  frame.style.transform = `scale(${scale})`;
  box.style.height = `${Math.round(MIRROR_HEIGHT * scale)}px`;
}

// ---------------------------------------------------------------------------
// Keyboard shortcuts: → / Page Down next, ← / Page Up back, R reveal or hide

/** Where a key belongs to what has the focus: typing, choosing, or scrolling a region. */
function keyIsTaken(target, key) {
  if (!(target instanceof Element)) return false;
  if (target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]')) return true;
  // A focused scroll region (a wide table, a long list) scrolls with the arrow and page keys.
  return key !== 'r' && key !== 'R' && target.matches('.table-scroll, .fac-scroll, .people-scroll, .notes-panel');
}

function onShortcut(event) {
  if (!state || fatal || event.defaultPrevented) return;
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (keyIsTaken(event.target, event.key)) return;
  const target = {
    ArrowRight: 'next', PageDown: 'next', ArrowLeft: 'prev', PageUp: 'prev', r: 'reveal-toggle', R: 'reveal-toggle',
  }[event.key];
  if (!target) return;
  const button = byId(target);
  event.preventDefault();
  if (button && !button.disabled && button.getClientRects().length > 0) button.click();
}

function renderControls() {
  if (!state) return;
  const offline = !socket.live;
  const last = (state.session.steps || []).length - 1;
  byId('prev').disabled = offline || state.step.index <= 0;
  byId('next').disabled = offline || state.step.index >= last;
  for (const jump of byId('step-list').querySelectorAll('button.step-jump')) {
    jump.disabled = offline || Number(jump.dataset.index) === state.step.index;
  }
  // The closing step has no countdown.
  byId('timer-start').disabled = offline || state.step.kind === 'end';
  byId('timer-stop').disabled = offline || !state.timer;
}

function renderProgress() {
  if (!state) return;
  const p = state.progress || { joined: 0, connected: 0, ready: 0, answers: {} };
  setText(byId('joined'), String(p.joined ?? 0));
  setText(byId('connected'), String(p.connected ?? 0));
  setText(byId('ready'), ui('ready_of', { n: p.ready ?? 0, m: p.connected ?? 0 }));
  renderDoor(Boolean(p.closed), Boolean(p.full));
  const prompts = state.step.prompts || [];
  const list = byId('answer-counts');
  const a = state.activity || {};
  const summary = {
    grid: () => ui('grid_raters', { n: a.raters ?? 0 }),
    map: () => ui('map_contributors', { n: a.contributors ?? 0 }),
    cards: () => (a.deck_size ? ui('cards_count', { n: a.dealt_count ?? 0, m: a.deck_size }) : ''),
    plan: () => ui('plan_rows_count', { n: (a.rows || []).length }),
    review: () => ui('review_count', { n: (a.rows || []).filter((r) => r.status).length, m: (a.rows || []).length }),
    personal_plan: () => ui('personal_shared_count', { n: (a.shared || []).length }),
  }[state.step.kind];
  if (summary) {
    list.replaceChildren(el('li', { id: 'activity-count', text: summary() }));
    return;
  }
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

/** Deletes the session and everything in it; every screen is told (the socket's `deleted`). */
async function deleteSession() {
  const button = byId('delete-yes');
  button.disabled = true;
  setText(byId('delete-status'), '');
  await stopAskingPeople();
  try {
    const response = await fetch(`/api/sessions/${encodeURIComponent(CODE)}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    if (response.ok || response.status === 404) {
      stop('deleted');
      return;
    }
    setText(byId('delete-status'), ui('delete_failed', { msg: `HTTP ${response.status}` }));
  } catch {
    setText(byId('delete-status'), ui('network_error'));
  }
  peopleDone = false;
  button.disabled = false;
}

/**
 * Who is here: the named participants from GET /api/sessions/{code} (the
 * socket only carries counts). Asked again at most every PEOPLE_EVERY_MS
 * while counts change, so a big room costs one request now and then.
 */
let people = null;
let peopleAsked = 0;
let peopleTimer = null;
/** The request under way, if any (a deletion waits for it, so it cannot answer 404). */
let peopleAsking = Promise.resolve();
/** Set when the session is being deleted or has ended: no more asking. */
let peopleDone = false;
const PEOPLE_EVERY_MS = 2000;

function refreshPeople() {
  if (peopleTimer !== null || peopleDone || fatal) return;
  const wait = Math.max(0, peopleAsked + PEOPLE_EVERY_MS - Date.now());
  peopleTimer = window.setTimeout(() => {
    peopleTimer = null;
    if (peopleDone || fatal) return;
    peopleAsked = Date.now();
    peopleAsking = askPeople();
  }, wait);
}

async function askPeople() {
  try {
    const ask = (path) => fetch(`/api/sessions/${encodeURIComponent(CODE)}${path}`, {
      headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'application/json' },
    });
    // Who gave a name, and (issue 13) everyone in by number, for "Fjern".
    const [info, list] = await Promise.all([ask(''), ask('/participants')]);
    if (info.ok && list.ok) {
      people = { ...(await info.json()).participants, everyone: (await list.json()).everyone };
      renderPeople();
    }
  } catch {
    // Offline: the socket reports it; the list is refreshed on the next change.
  }
}

/** No more questions about who is here; resolves once the last one was answered. */
function stopAskingPeople() {
  peopleDone = true;
  if (peopleTimer !== null) window.clearTimeout(peopleTimer);
  peopleTimer = null;
  return peopleAsking;
}

/** The participant whose removal is being asked about, if any. */
let confirming = null;

/**
 * The door (issue 13): closed, new joins are refused; those already in resume as before. Full
 * (as many joined as the server lets in), the badge says so too.
 */
function renderDoor(closed, full) {
  const button = byId('door-toggle');
  button.dataset.closed = closed ? 'true' : 'false';
  button.setAttribute('aria-pressed', closed ? 'true' : 'false');
  setText(button, ui(closed ? 'door_open' : 'door_close'));
  const badge = byId('door-state');
  badge.hidden = !closed && !full;
  setText(badge, closed ? ui('door_closed_state') : full ? ui('room_full_state') : '');
}

function renderPeople() {
  if (!people) return;
  const named = people.named || [];
  // Everyone in, by number (issue 13): a name when one was given, and "Fjern" with a question first.
  const everyone = people.everyone || [];
  byId('people').replaceChildren(...everyone.map((person) => {
    const here = person.connected ? 'people_online' : 'people_offline';
    const remove = el('button', { type: 'button', class: 'person-remove small', id: `remove-${person.id}`,
      'aria-label': ui('person_remove_label', { n: person.number }), text: ui('person_remove') });
    const yes = el('button', { type: 'button', class: 'danger small person-remove-yes', id: `remove-yes-${person.id}`, text: ui('person_remove_yes') });
    const no = el('button', { type: 'button', class: 'small person-remove-no', text: ui('person_remove_no') });
    const confirm = el('span', { class: 'person-confirm', hidden: true },
      el('span', { text: ui('person_remove_ask', { n: person.number }) }), ' ', yes, ' ', no);
    // The list is drawn again as counts change: a question being answered stays open.
    const asking = (on) => {
      confirming = on ? person.id : null;
      remove.hidden = on;
      confirm.hidden = !on;
    };
    if (confirming === person.id) asking(true);
    remove.addEventListener('click', () => { asking(true); no.focus(); });
    no.addEventListener('click', () => { asking(false); remove.focus(); });
    yes.addEventListener('click', () => {
      yes.disabled = true;
      confirming = null;
      command({ type: 'remove', participant: person.id }, () => refreshPeople(), 'door-status');
    });
    return el('li', { class: person.connected ? 'person online' : 'person offline',
      'data-testid': person.name === null ? 'person-anonymous' : 'person', 'data-id': person.id },
      el('span', { class: 'person-text' },
        el('span', { class: 'person-number', text: ui('person_number', { n: person.number }) }), ' ',
        el('span', { class: person.name === null ? 'person-name muted' : 'person-name', text: person.name ?? ui('person_no_name') }), ' ',
        el('span', { class: 'person-state', text: `(${ui(here)}${person.ready ? `, ${ui('people_ready')}` : ''})` })),
      seatControls(person), remove, confirm);
  }));
  const anonymous = people.joined - named.length;
  const anonymousHere = people.connected - named.filter((p) => p.connected).length;
  setText(byId('people-anonymous'), anonymous > 0 ? ui('people_anonymous', { n: anonymous, m: anonymousHere }) : '');
}

/**
 * In a session with tables (issue 16): where a participant sits (a list, no dragging) and
 * whether they host their table.
 */
function seatControls(person) {
  const tables = tablesOf(state?.session);
  if (!tables) return null;
  const select = el('select', { id: `seat-${person.id}`, class: 'person-seat small',
    'aria-label': ui('person_table_label', { n: person.number }) },
  el('option', { value: '', text: ui('no_table') }),
  ...Array.from({ length: tables.count }, (_, i) => el('option', { value: String(i + 1), text: ui('table_n', { n: i + 1 }) })));
  select.value = Number.isInteger(person.table) ? String(person.table) : '';
  select.addEventListener('change', () => {
    const table = select.value === '' ? null : Number(select.value);
    command({ type: 'seat', participant: person.id, table }, () => refreshPeople(), 'door-status');
  });
  const host = el('button', { type: 'button', class: 'small person-host', id: `host-${person.id}`,
    'aria-pressed': person.host ? 'true' : 'false', text: ui('host_label'),
    'aria-label': ui('person_host_label', { n: person.number }) });
  host.disabled = !Number.isInteger(person.table);
  host.addEventListener('click', () => {
    command({ type: 'host', table: person.table, participant: person.host ? null : person.id }, () => refreshPeople(), 'door-status');
  });
  return el('span', { class: 'person-seating' }, select, host);
}

// ---------------------------------------------------------------------------
// Wiring

function init() {
  applyStatic();
  mountLangToggle(byId('lang-toggle'));
  tablesView = tablesPanel(byId('tables-body'), {
    session: () => state?.session || {},
    progress: () => state?.progress || {},
    people: () => people?.everyone || null,
    command,
  });
  watchView = watchSelect(byId('watch-table'), { watch });
  onLangChange(() => {
    render();
    renderPeople();
    if (!socket.stopped) showConnection(socket.live ? 'live' : 'waiting');
  });

  byId('prev').addEventListener('click', () => {
    if (state) command({ type: 'goto', index: state.step.index - 1 });
  });
  byId('next').addEventListener('click', () => {
    if (state) command({ type: 'goto', index: state.step.index + 1 });
  });
  byId('step-list').addEventListener('click', (event) => {
    const jump = event.target instanceof Element ? event.target.closest('button.step-jump') : null;
    if (jump && state) command({ type: 'goto', index: Number(jump.dataset.index) });
  });
  document.addEventListener('keydown', onShortcut);
  if (typeof ResizeObserver === 'function') new ResizeObserver(() => { if (state) renderMirror(); }).observe(byId('mirror-box'));
  byId('timer-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const minutes = Number(String(byId('timer-minutes').value).replace(',', '.'));
    const valid = Number.isFinite(minutes) && minutes > 0;
    setText(byId('timer-error'), valid ? '' : ui('timer_minutes_invalid'));
    if (valid) command({ type: 'timer_start', seconds: Math.round(minutes * 60) });
  });
  byId('timer-stop').addEventListener('click', () => command({ type: 'timer_stop' }));
  byId('door-toggle').addEventListener('click', (event) => {
    const closed = event.currentTarget.dataset.closed === 'true';
    command({ type: 'door', open: closed }, null, 'door-status');
  });
  byId('export-buttons').replaceChildren(...EXPORTS.map((spec) => {
    const button = el('button', { type: 'button', id: `export-${spec.format}`, 'data-i18n': `export_${spec.format}`, text: ui(`export_${spec.format}`) });
    button.addEventListener('click', () => exportAs(spec, button));
    return button;
  }));

  // "Nej" has the focus first: deleting cannot be undone.
  askFirst({
    ask: byId('delete-session'), confirm: byId('delete-confirm'), yes: byId('delete-yes'), no: byId('delete-no'),
    onYes: deleteSession,
  });

  byId('invitation-copy').addEventListener('click', copyInvitation);
  byId('ics-form').addEventListener('submit', downloadCalendar);
  byId('meeting-date').addEventListener('input', () => { dateTouched = true; });
  byId('date-form').addEventListener('submit', (event) => {
    event.preventDefault();
    saveDate(byId('meeting-date').value);
  });
  byId('date-clear').addEventListener('click', () => saveDate(null));
  byId('ics-minutes').addEventListener('input', () => { icsMinutesTouched = true; });
  byId('ics-start').addEventListener('input', () => { icsStartTouched = true; });
  byId('ics-start').value = tomorrowMorning();
  byId('series-export-docx').addEventListener('click', (event) => exportSeries('docx', event.currentTarget));
  byId('series-export-html').addEventListener('click', (event) => exportSeries('html', event.currentTarget));
  byId('series-ics-form').addEventListener('submit', downloadSeriesCalendar);
  byId('followup-form').addEventListener('submit', createFollowUp);
  byId('followup-date').value = threeMonthsOn();

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
  loadCatalog();
}

init();
