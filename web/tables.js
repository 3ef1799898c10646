// Tables (issue 16): a session can seat its participants at tables, each table
// with its own card, grid, map, plan and results; the hall (projector,
// console) sees the tables side by side.
//
// Phone: seatPanel — choose a table (or wait to be seated), see where I sit,
// volunteer as the table's host or step down; hostPanel — the host steers the
// table's card, its agreed placements and priorities, and accepts its plan
// rows; tableResults — the table's revealed results, where the facilitator
// lets phones show them. Console: tablesPanel — set tables up, seat people at
// random or one by one, hosts, each table's screen; watchSelect — steer the
// hall or one table. Everything goes through the same commands as the rest
// of the page; the server decides who may do what.
//
// Stable ids: #seat-box, #seat-choose button[data-table], #seat-status, #seat-change,
// #host-volunteer, #host-stop, #seat-error; #host-box, #host-deal-room, #host-deal-turn,
// #host-pass, #host-note-text, #host-note-add, #host-imp-{t}, #host-suc-{t}, #host-place-{t},
// #host-priority-1..3, #host-priorities-save, #host-accept-{row}; #table-results;
// console: #tables-panel, #tables-count, #tables-choose, #tables-phones, #tables-save,
// #tables-size, #tables-shuffle-all, #tables-shuffle-new, #tables-list li[data-table],
// #tables-status, #watch-table.

import { el, setText, t, ui, store } from './common.js';
import { reconcile, fillOptions, fmt } from './activity-kit.js';

/** The session's tables ({count, choose, phones_see_results, screens?}) or null. */
export const tablesOf = (session) => (session && session.tables && session.tables.count > 0 ? session.tables : null);

/** 1..count. */
const numbers = (count) => Array.from({ length: count }, (_, i) => i + 1);

/** Where a phone remembers its table in a series, so the next meeting can seat it again. */
const seriesKey = (session) => {
  const first = session?.series?.codes?.[0];
  return first ? `trivsel:series:${first}:table` : null;
};

// ---------------------------------------------------------------------------
// Phone

/**
 * Where I sit. `ctx`: session(), me(), send(fields) (through the outbox), error(key),
 * pending(type).
 */
export function seatPanel(root, ctx) {
  const heading = el('h2', { id: 'seat-heading', text: ui('seat_choose') });
  const help = el('p', { class: 'muted small', id: 'seat-help' });
  const choose = el('div', { class: 'seat-choose', id: 'seat-choose', role: 'group', 'aria-labelledby': heading.id });
  const status = el('p', { class: 'seat-status', id: 'seat-status', 'aria-live': 'polite' });
  const change = el('button', { type: 'button', class: 'quiet', id: 'seat-change', text: ui('seat_change') });
  const volunteer = el('button', { type: 'button', id: 'host-volunteer', text: ui('host_volunteer') });
  const stop = el('button', { type: 'button', class: 'quiet', id: 'host-stop', text: ui('host_stop') });
  const hostHelp = el('p', { class: 'muted small', id: 'host-help', text: ui('host_help') });
  const error = el('p', { class: 'error', id: 'seat-error', 'aria-live': 'polite' });
  const actions = el('div', { class: 'button-row' }, change, volunteer, stop);
  root.replaceChildren(heading, help, choose, status, actions, hostHelp, error);
  let changing = false;
  let autoSeated = false;
  change.addEventListener('click', () => {
    changing = !changing;
    update();
  });
  choose.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-table]') : null;
    if (!button) return;
    changing = false;
    ctx.send({ type: 'seat', table: Number(button.dataset.table) });
  });
  volunteer.addEventListener('click', () => {
    const me = ctx.me();
    ctx.send({ type: 'host', table: me.table, participant: me.id });
  });
  stop.addEventListener('click', () => ctx.send({ type: 'host', table: ctx.me().table, participant: null }));

  function update() {
    const session = ctx.session();
    const tables = tablesOf(session);
    root.hidden = !tables;
    if (!tables) return;
    const me = ctx.me();
    const seat = Number.isInteger(me.table) ? me.table : null;
    const key = seriesKey(session);
    if (seat !== null && key) store.set(key, seat);
    // A series keeps its tables: the phone sits down where it sat at the last meeting.
    const remembered = key ? store.get(key) : null;
    if (seat === null && tables.choose && !autoSeated && Number.isInteger(remembered) && remembered <= tables.count
      && !ctx.pending('seat')) {
      autoSeated = true;
      ctx.send({ type: 'seat', table: remembered });
    }
    const picking = tables.choose && (seat === null || changing);
    heading.hidden = !picking;
    choose.hidden = !picking;
    setText(help, seat === null ? ui(tables.choose ? 'seat_choose_help' : 'seat_wait') : '');
    help.hidden = seat !== null;
    reconcile(choose, numbers(tables.count), (n) => n, (n) => el('button', {
      type: 'button', class: 'seat-button', 'data-table': String(n),
    }), (button, n) => {
      setText(button, ui('table_n', { n }));
      button.setAttribute('aria-pressed', String(n === seat));
    });
    status.hidden = seat === null;
    setText(status, seat === null ? '' : ui(me.host ? 'seat_at_host' : 'seat_at', { n: seat }));
    change.hidden = seat === null || !tables.choose;
    setText(change, ui(changing ? 'seat_keep' : 'seat_change'));
    // Only a table without a host is offered one.
    const hostless = session.hosted !== true;
    volunteer.hidden = seat === null || Boolean(me.host) || !hostless;
    stop.hidden = !me.host;
    hostHelp.hidden = seat === null || Boolean(me.host) || !hostless;
    const failed = ctx.error('seat') || ctx.error('host');
    setText(error, failed);
  }
  return { update };
}

/** Whether this phone's participant must sit down before the step's group work. */
export function needsSeat(session, me, kind) {
  return Boolean(tablesOf(session)) && !Number.isInteger(me?.table) && ['cards', 'grid', 'map', 'plan'].includes(kind);
}

/**
 * The host's controls on their phone, for the step's kind: the table's card (deal, pass,
 * note), its agreed placements and priorities, its plan rows to accept. `ctx` is the
 * phone's activity context (act, activity, me, step).
 */
export function hostPanel(root, ctx) {
  const kind = ctx.step.kind;
  const heading = el('h2', { id: 'host-heading', text: ui('host_heading') });
  const body = el('div', { class: 'stack' });
  root.replaceChildren(heading, body);
  const steering = { cards: hostCards, grid: hostGrid, plan: hostPlan }[kind];
  const inner = steering ? steering(body, ctx) : null;
  return {
    update() {
      root.hidden = !inner || !ctx.me().host;
      if (!root.hidden) inner.update();
    },
  };
}

function hostCards(root, ctx) {
  const room = el('button', { type: 'button', class: 'primary', id: 'host-deal-room', text: ui('host_deal_room') });
  const turn = el('button', { type: 'button', id: 'host-deal-turn', text: ui('host_deal_turn') });
  const pass = el('button', { type: 'button', id: 'host-pass', text: ui('cards_pass') });
  room.addEventListener('click', () => ctx.act({ action: 'deal', to: 'room' }));
  turn.addEventListener('click', () => ctx.act({ action: 'deal', to: 'turn' }));
  pass.addEventListener('click', () => ctx.act({ action: 'pass' }));
  const note = el('textarea', { id: 'host-note-text', rows: 2, maxlength: 1000 });
  const add = el('button', { type: 'submit', id: 'host-note-add', text: ui('cards_note_add') });
  const form = el('form', { class: 'stack-form', novalidate: true },
    el('div', { class: 'field' }, el('label', { for: note.id, text: ui('host_note_label') }), note), add);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = note.value.trim();
    if (!text) return;
    ctx.act({ action: 'note', text });
    note.value = '';
  });
  const error = el('p', { class: 'error', 'aria-live': 'polite' });
  root.replaceChildren(el('div', { class: 'button-row' }, room, turn, pass), form, error);
  return {
    update() {
      const current = ctx.activity()?.current ?? null;
      pass.disabled = !current || current.passed;
      add.disabled = !current;
      setText(error, ctx.error('act:deal') || ctx.error('act:pass') || ctx.error('act:note'));
    },
  };
}

function hostGrid(root, ctx) {
  const rows = el('div', { class: 'agreed-rows', id: 'host-agreed' });
  const priorities = [1, 2, 3].map((n) => {
    const select = el('select', { id: `host-priority-${n}` });
    return { select, field: el('div', { class: 'field' }, el('label', { for: select.id, text: ui('priority_n', { n }) }), select) };
  });
  const save = el('button', { type: 'submit', id: 'host-priorities-save', text: ui('priorities_save') });
  const priorityForm = el('form', { class: 'stack-form', novalidate: true }, ...priorities.map((p) => p.field), save);
  const error = el('p', { class: 'error', 'aria-live': 'polite' });
  priorityForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = priorities.map((p) => p.select.value).filter((v) => v !== '');
    if (new Set(chosen).size !== chosen.length) {
      setText(error, ui('priorities_distinct'));
      return;
    }
    ctx.act({ action: 'prioritise', topics: chosen });
  });
  root.replaceChildren(
    el('h3', { text: ui('host_place_heading') }), el('p', { class: 'muted small', text: ui('grid_agreed_help') }), rows,
    el('h3', { text: ui('host_priorities_heading') }), priorityForm, error);
  let priorityKey = null;
  return {
    update() {
      const activity = ctx.activity() || {};
      const topics = Array.isArray(activity.topics) ? activity.topics : [];
      const max = activity.scale_max || 5;
      const levels = [{ value: '', label: '–' }, ...numbers(max).map((v) => ({ value: String(v), label: String(v) }))];
      reconcile(rows, topics, (tp) => tp.id, (tp) => {
        const imp = el('select', { id: `host-imp-${tp.id}` });
        const suc = el('select', { id: `host-suc-${tp.id}` });
        const set = el('button', { type: 'submit', id: `host-place-${tp.id}`, text: ui('agreed_set') });
        const form = el('form', { class: 'agreed-row inline-form', novalidate: true, 'data-topic': tp.id },
          el('p', { class: 'agreed-topic' }),
          el('div', { class: 'field' }, el('label', { for: imp.id, text: ui('grid_importance_short') }), imp),
          el('div', { class: 'field' }, el('label', { for: suc.id, text: ui('grid_success_short') }), suc), set);
        form.addEventListener('submit', (event) => {
          event.preventDefault();
          if (imp.value && suc.value) ctx.act({ action: 'place', topic: tp.id, position: [Number(imp.value), Number(suc.value)] });
        });
        return form;
      }, (form, tp, i) => {
        setText(form.querySelector('.agreed-topic'), `${i + 1}. ${t(tp.text)}`);
        const [imp, suc] = form.querySelectorAll('select');
        fillOptions(imp, levels);
        fillOptions(suc, levels);
        const a = (activity.agreed || {})[tp.id];
        const stamp = JSON.stringify(a ?? null);
        if (form.dataset.agreed !== stamp && !form.contains(document.activeElement)) {
          imp.value = Array.isArray(a) ? String(a[0]) : '';
          suc.value = Array.isArray(a) ? String(a[1]) : '';
          form.dataset.agreed = stamp;
        }
      });
      const options = [{ value: '', label: '–' }, ...topics.map((tp, i) => ({ value: tp.id, label: `${i + 1}. ${t(tp.text)}` }))];
      const key = JSON.stringify(activity.priorities || []);
      priorities.forEach((p, i) => {
        fillOptions(p.select, options);
        if (priorityKey !== key && document.activeElement !== p.select) p.select.value = (activity.priorities || [])[i] || '';
      });
      priorityKey = key;
      const failed = ctx.error('act:place') || ctx.error('act:prioritise');
      if (failed) setText(error, failed);
    },
  };
}

function hostPlan(root, ctx) {
  const list = el('ul', { class: 'host-proposals', id: 'host-proposals' });
  const none = el('p', { class: 'muted', text: ui('host_no_proposals') });
  const error = el('p', { class: 'error', 'aria-live': 'polite' });
  root.replaceChildren(el('p', { class: 'muted small', text: ui('host_plan_help') }), none, list, error);
  return {
    update() {
      const rows = (ctx.activity()?.rows || []).filter((r) => !r.accepted);
      none.hidden = rows.length > 0;
      reconcile(list, rows, (r) => r.id, (r) => {
        const button = el('button', { type: 'button', id: `host-accept-${r.id}`, class: 'primary small' });
        button.addEventListener('click', () => ctx.act({ action: 'accept_row', id: r.id, accepted: true }));
        return el('li', { class: 'host-proposal' }, el('span', { class: 'proposal-text' }), ' ', button);
      }, (li, r) => {
        setText(li.querySelector('.proposal-text'), r.action);
        const button = li.querySelector('button');
        setText(button, ui('host_accept'));
        button.setAttribute('aria-label', ui('host_accept_label', { text: r.action.slice(0, 80) }));
      });
      setText(error, ctx.error('act:accept_row'));
    },
  };
}

/** The table's revealed results on a member's phone, where the facilitator allows it. */
export function tableResults(root) {
  const heading = el('h2', { id: 'table-results-heading', text: ui('table_results_heading') });
  const list = el('ul', { class: 'table-results' });
  root.replaceChildren(heading, list);
  return {
    update(step, activity) {
      const lines = resultLines(step, activity);
      root.hidden = lines === null;
      if (lines === null) return;
      reconcile(list, lines, (_, i) => i, () => el('li'), (li, line) => setText(li, line));
    },
  };
}

/** The lines a phone reads for the table's results, or null when it has none to show. */
function resultLines(step, activity) {
  if (!activity) return null;
  if (Array.isArray(activity.results)) {
    const topics = activity.topics || [];
    return topics.map((tp) => {
      const r = activity.results.find((x) => x.topic === tp.id);
      if (!r || !r.importance || !r.success) return `${t(tp.text)}: ${ui('too_few_short')}`;
      return `${t(tp.text)}: ${ui('table_result_grid', { i: fmt(r.importance.mean), s: fmt(r.success.mean), n: r.raters })}`;
    });
  }
  if (Array.isArray(activity.scales)) {
    const prompts = step.prompts || [];
    const lines = activity.scales.map((s) => {
      const prompt = prompts.find((p) => p.id === s.prompt);
      const label = prompt ? t(prompt.label) : s.prompt;
      if (!Array.isArray(s.counts)) return `${label}: ${ui('too_few_short')}`;
      const min = prompt?.min ?? 1;
      const mean = s.counts.reduce((sum, c, i) => sum + c * (min + i), 0) / Math.max(1, s.n);
      return `${label}: ${ui('table_result_scale', { mean: fmt(mean), n: s.n })}`;
    });
    const shared = (activity.shared || []).map((item) => item.text);
    return [...lines, ...shared];
  }
  if (Array.isArray(activity.actors)) {
    return activity.actors.map((a) => `${a.label}: ${ui('table_result_actor', { n: a.named_by })}`);
  }
  return null;
}

// ---------------------------------------------------------------------------
// Console

/**
 * The console's table panel: set tables up, seat everyone at random, each table's screen,
 * and (from the participant list over HTTP) who sits where and who hosts. `ctx`: session(),
 * progress(), people() (the participant list, or null), command(fields, onAck).
 */
export function tablesPanel(root, ctx) {
  const count = el('input', { type: 'number', id: 'tables-count', min: 1, max: 200, value: 4, inputmode: 'numeric' });
  const chooseBox = el('input', { type: 'checkbox', id: 'tables-choose' });
  const phonesBox = el('input', { type: 'checkbox', id: 'tables-phones' });
  const save = el('button', { type: 'submit', id: 'tables-save', class: 'primary' });
  const off = el('button', { type: 'button', id: 'tables-off', class: 'quiet', text: ui('tables_off') });
  const status = el('p', { class: 'error', id: 'tables-status', role: 'status', 'aria-live': 'polite' });
  const setup = el('form', { class: 'stack-form', id: 'tables-form', novalidate: true },
    el('div', { class: 'field narrow-field' }, el('label', { for: count.id, text: ui('tables_count_label') }), count),
    el('label', { class: 'check' }, chooseBox, ' ', ui('tables_choose_label')),
    el('label', { class: 'check' }, phonesBox, ' ', ui('tables_phones_label')),
    el('div', { class: 'button-row' }, save, off));
  const settings = () => ({ choose: chooseBox.checked, phones_see_results: phonesBox.checked });
  setup.addEventListener('submit', (event) => {
    event.preventDefault();
    const n = Number(count.value);
    if (!Number.isInteger(n) || n < 1 || n > 200) {
      setText(status, ui('tables_count_invalid'));
      count.focus();
      return;
    }
    ctx.command({ type: 'tables', count: n, ...settings() }, null, 'tables-status');
  });
  off.addEventListener('click', () => ctx.command({ type: 'tables', count: 0, ...settings() }, null, 'tables-status'));

  const size = el('input', { type: 'number', id: 'tables-size', min: 2, max: 50, value: 6, inputmode: 'numeric' });
  const all = el('button', { type: 'button', id: 'tables-shuffle-all', text: ui('tables_shuffle_all') });
  const fresh = el('button', { type: 'button', id: 'tables-shuffle-new', text: ui('tables_shuffle_new') });
  const shuffle = (everyone) => {
    const n = Number(size.value);
    if (!Number.isInteger(n) || n < 2 || n > 50) {
      setText(status, ui('tables_size_invalid'));
      size.focus();
      return;
    }
    ctx.command({ type: 'shuffle', size: n, all: everyone }, null, 'tables-status');
  };
  all.addEventListener('click', () => shuffle(true));
  fresh.addEventListener('click', () => shuffle(false));
  const shuffleBox = el('div', { class: 'stack-form' },
    el('h3', { text: ui('tables_shuffle_heading') }),
    el('div', { class: 'field narrow-field' }, el('label', { for: size.id, text: ui('tables_size_label') }), size),
    el('div', { class: 'button-row' }, fresh, all));
  const list = el('ul', { class: 'tables-list', id: 'tables-list' });
  const unseated = el('p', { class: 'muted small', id: 'tables-unseated' });
  root.replaceChildren(setup, shuffleBox, unseated, list, status);
  let formKey = null;

  return {
    update() {
      const session = ctx.session();
      const tables = tablesOf(session);
      const stamp = JSON.stringify(tables ? [tables.count, tables.choose, tables.phones_see_results] : null);
      if (stamp !== formKey && !setup.contains(document.activeElement)) {
        formKey = stamp;
        if (tables) {
          count.value = String(tables.count);
          chooseBox.checked = Boolean(tables.choose);
          phonesBox.checked = Boolean(tables.phones_see_results);
        }
      }
      setText(save, ui(tables ? 'tables_save' : 'tables_create'));
      off.hidden = !tables;
      shuffleBox.hidden = false;
      const progress = ctx.progress() || {};
      const counts = Array.isArray(progress.tables) ? progress.tables : [];
      unseated.hidden = !tables;
      setText(unseated, tables ? ui('tables_unseated', { n: progress.unseated ?? 0 }) : '');
      const people = ctx.people() || [];
      const screens = tables?.screens || [];
      reconcile(list, tables ? numbers(tables.count) : [], (n) => n, (n) => {
        const link = el('a', { class: 'table-screen-link', target: '_blank', rel: 'noopener' });
        return el('li', { 'data-table': String(n) },
          el('strong', { class: 'table-name' }), ' ', el('span', { class: 'table-meta muted' }), ' ', link);
      }, (li, n) => {
        const c = counts.find((x) => x.table === n) || {};
        const host = people.find((p) => p.id === c.host);
        setText(li.querySelector('.table-name'), ui('table_n', { n }));
        const meta = [ui('table_members', { n: c.members ?? 0 })];
        if (c.host) meta.push(ui('table_host', { who: host?.name || ui('person_number', { n: host?.number ?? '?' }) }));
        setText(li.querySelector('.table-meta'), `(${meta.join(', ')})`);
        const link = li.querySelector('a');
        link.hidden = !screens[n - 1];
        if (screens[n - 1]) link.href = screens[n - 1];
        setText(link, ui('table_screen_link'));
        link.setAttribute('aria-label', ui('table_screen_label', { n }));
      });
    },
  };
}

/** The console's choice of what it steers: the hall, or one table. */
export function watchSelect(select, ctx) {
  select.addEventListener('change', () => {
    const n = select.value === '' ? null : Number(select.value);
    ctx.watch(n);
  });
  return {
    update(session, watching) {
      const tables = tablesOf(session);
      select.closest('.watch-field').hidden = !tables;
      if (!tables) return;
      fillOptions(select, [{ value: '', label: ui('watch_hall') },
        ...numbers(tables.count).map((n) => ({ value: String(n), label: ui('table_n', { n }) }))]);
      if (document.activeElement !== select) select.value = watching === null ? '' : String(watching);
    },
  };
}
