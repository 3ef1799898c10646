// The stakeholder map (influence × gives/drains energy) on all three screens.
//
// Phone: my actors (edit, delete) and a form to add one: a role (with the
// step's categories as quick picks), influence 1–5, effect −2..+2, closeness
// optional. Projector (once revealed): an SVG map, x = effect, y = influence,
// each actor a numbered circle sized by how many named it, with a legend of
// the numbers; actors named by too few are only counted (their words reach the console alone, marked). Facilitator: the same map and a table, merging labels,
// reveal.
//
// Stable ids and test ids:
//   phone        #actor-form, #actor-label, .category-pick, #actor-influence-{1..5},
//                #actor-effect-{m2,m1,0,1,2}, #actor-closeness-{none,1..5}, #actor-save,
//                #actor-cancel, #actor-error, #my-actors li[data-testid=my-actor]
//                (data-key = actor id) with #edit-{a} / #delete-{a}
//   staff        #map-chart [data-testid=map-chart], g.actor-marker[data-label={label}],
//                #map-few, #map-table
//   facilitator  #reveal-toggle, input.actor-pick[value={label}], #merge-label, #merge-apply

import { el, setText, t, ui } from './common.js';
import {
  svg, setAttr, reconcile, fmt, clientId, scrollBox, showWaiting, chartSize, spreadOut, saveStateText,
} from './activity-kit.js';
import { revealButton } from './activity-reflection.js';

const MAX_ACTORS = 30;
const EFFECTS = [-2, -1, 0, 1, 2];
const effectId = (v) => (v < 0 ? `m${-v}` : String(v));
const signed = (v) => (v > 0 ? `+${v}` : v < 0 ? `−${-v}` : '0');

// ---------------------------------------------------------------------------
// Phone

export function phone(root, ctx) {
  let editing = null;
  const categories = (ctx.step.categories || []).map((c) => t(c));
  const list = el('ul', { class: 'my-actors', id: 'my-actors', 'aria-live': 'polite' });
  const empty = el('p', { class: 'muted', id: 'my-actors-empty', text: ui('map_none_yet') });

  const label = el('input', { type: 'text', id: 'actor-label', maxlength: 80, autocomplete: 'off', list: 'actor-categories', 'aria-describedby': 'roles-note' });
  const datalist = el('datalist', { id: 'actor-categories' }, ...categories.map((c) => el('option', { value: c })));
  const picks = el('div', { class: 'category-picks', role: 'group', 'aria-label': ui('map_quick_picks') },
    ...categories.map((c) => {
      const b = el('button', { type: 'button', class: 'category-pick chip', text: c });
      b.addEventListener('click', () => {
        label.value = c;
        label.focus();
      });
      return b;
    }));
  const influence = radioRow('actor-influence', ui('map_influence'), [1, 2, 3, 4, 5].map((v) => ({ value: String(v), id: String(v), text: String(v) })),
    `1 = ${ui('map_influence_low')}`, `5 = ${ui('map_influence_high')}`);
  const effect = radioRow('actor-effect', ui('map_effect'), EFFECTS.map((v) => ({ value: String(v), id: effectId(v), text: signed(v), label: `${signed(v)}: ${effectText(v)}` })),
    `−2 = ${ui('map_drains')}`, `+2 = ${ui('map_gives')}`);
  const closeness = radioRow('actor-closeness', ui('map_closeness'), [
    { value: '', id: 'none', text: '–', label: ui('map_closeness_none') },
    ...[1, 2, 3, 4, 5].map((v) => ({ value: String(v), id: String(v), text: String(v) }))],
  `1 = ${ui('map_closeness_low')}`, `5 = ${ui('map_closeness_high')}`);
  const legend = el('legend', { id: 'actor-form-legend' });
  const save = el('button', { type: 'submit', id: 'actor-save', class: 'primary wide' });
  const cancel = el('button', { type: 'button', id: 'actor-cancel', class: 'wide', text: ui('cancel') });
  const error = el('p', { class: 'error', id: 'actor-error', 'aria-live': 'polite' });
  const form = el('form', { id: 'actor-form', class: 'actor-form', novalidate: true },
    el('fieldset', {}, legend,
      el('div', { class: 'field' }, el('label', { for: label.id, text: ui('map_label') }), label, datalist),
      picks, influence.node, effect.node, closeness.node, save, cancel, error));
  root.replaceChildren(
    el('p', { class: 'notice roles-note', id: 'roles-note', text: ui('map_roles_note') }),
    el('h2', { text: ui('map_mine') }), empty, list, form);

  const actors = () => Object.entries(ctx.answers())
    .filter(([, v]) => v && typeof v === 'object' && typeof v.label === 'string')
    .map(([id, v]) => ({ id, ...v }));

  const reset = () => {
    editing = null;
    form.reset();
    closeness.set('');
    setText(error, '');
  };
  cancel.addEventListener('click', () => {
    reset();
    render();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = label.value.trim();
    const inf = influence.get();
    const eff = effect.get();
    let problem = '';
    if (text === '') problem = ui('map_need_label');
    else if (inf === '') problem = ui('map_need_influence');
    else if (eff === '') problem = ui('map_need_effect');
    else if (!editing && actors().length >= MAX_ACTORS) problem = ui('map_full', { n: MAX_ACTORS });
    setText(error, problem);
    if (problem) return;
    const value = { label: text, influence: Number(inf), effect: Number(eff) };
    if (closeness.get() !== '') value.closeness = Number(closeness.get());
    const id = editing || clientId('a-', actors().map((a) => a.id));
    ctx.answer(id, value);
    reset();
    render();
    label.focus();
  });

  const render = () => {
    const mine = actors();
    empty.hidden = mine.length > 0;
    reconcile(list, mine, (a) => a.id, (a) => {
      const edit = el('button', { type: 'button', class: 'quiet', id: `edit-${a.id}` });
      const remove = el('button', { type: 'button', class: 'quiet', id: `delete-${a.id}` });
      edit.addEventListener('click', () => {
        const current = actors().find((x) => x.id === a.id);
        if (!current) return;
        editing = a.id;
        label.value = current.label;
        influence.set(String(current.influence));
        effect.set(String(current.effect));
        closeness.set(current.closeness ? String(current.closeness) : '');
        render();
        form.scrollIntoView({ block: 'start' });
        label.focus();
      });
      remove.addEventListener('click', () => {
        if (editing === a.id) reset();
        ctx.answer(a.id, null);
        render();
      });
      return el('li', { class: 'my-actor', 'data-testid': 'my-actor' },
        el('div', { class: 'actor-text' }, el('strong', { class: 'actor-name' }), el('span', { class: 'actor-meta muted' })),
        el('div', { class: 'actor-buttons' }, edit, remove),
        el('p', { class: 'save-state', 'aria-live': 'polite' }));
    }, (li, a) => {
      setText(li.querySelector('.actor-name'), a.label);
      const meta = [ui('map_influence_n', { n: a.influence }), `${effectText(a.effect)} (${signed(a.effect)})`];
      if (a.closeness) meta.push(ui('map_closeness_n', { n: a.closeness }));
      setText(li.querySelector('.actor-meta'), meta.join(' · '));
      const [edit, remove] = li.querySelectorAll('button');
      setText(edit, ui('edit'));
      setText(remove, ui('delete'));
      setAttr(edit, 'aria-label', ui('edit_named', { name: a.label }));
      setAttr(remove, 'aria-label', ui('delete_named', { name: a.label }));
      const state = ctx.saveState(a.id);
      const line = li.querySelector('.save-state');
      setText(line, state === 'saving' || state === 'queued' ? saveStateText(state) : '');
      line.dataset.state = state;
      li.classList.toggle('editing', editing === a.id);
    });
    setText(legend, ui(editing ? 'map_edit_heading' : 'map_add_heading'));
    setText(save, ui(editing ? 'save_changes' : 'map_add'));
    cancel.hidden = !editing;
    const failed = mineErrors(ctx, actors());
    if (failed) setText(error, failed);
  };
  return { update: render };
}

function mineErrors(ctx, actors) {
  for (const a of actors) {
    const e = ctx.error(a.id);
    if (e) return e;
  }
  return '';
}

function effectText(v) {
  if (v <= -2) return ui('map_drains_much');
  if (v === -1) return ui('map_drains_some');
  if (v === 0) return ui('map_neutral');
  if (v === 1) return ui('map_gives_some');
  return ui('map_gives_much');
}

/** A row of radio buttons under a legend; options [{value, id, text, label?}]. */
function radioRow(name, legendText, options, low, high) {
  const endsId = `ends-${name}`;
  const row = el('div', { class: 'scale-options' });
  for (const o of options) {
    const id = `${name}-${o.id}`;
    const input = el('input', { type: 'radio', class: 'visually-hidden', id, name, value: o.value });
    // The visible text is short (a number); the spoken one says what it means.
    row.append(el('label', { class: 'scale-option', for: id }, input,
      el('span', {}, el('span', { 'aria-hidden': o.label ? 'true' : null, text: o.text }),
        o.label ? el('span', { class: 'visually-hidden', text: o.label }) : null)));
  }
  const node = el('fieldset', { class: 'prompt scale', 'aria-describedby': endsId },
    el('legend', { text: legendText }),
    el('div', { class: 'scale-ends', id: endsId }, el('span', { class: 'scale-min', text: low }), el('span', { class: 'scale-max', text: high })),
    row);
  return {
    node,
    get: () => node.querySelector(`input[name="${name}"]:checked`)?.value ?? '',
    set: (value) => {
      for (const input of node.querySelectorAll(`input[name="${name}"]`)) input.checked = input.value === value;
    },
  };
}

// ---------------------------------------------------------------------------
// The map chart (projector and facilitator)

/** The facilitator's map: a wide box the browser scales to its width. */
const FALLBACK = { w: 1200, h: 790, fs: 34 };

/** Where the plot goes in a w×h map with text of size fs (names above it, ticks and titles outside). */
function mapFrame({ w, h, fs }) {
  const b = { x0: fs * 3.1, x1: w - fs * 0.5, y0: fs * 1.7, y1: h - fs * 2.9 };
  // Values keep off the frame by a marker's size, so no marker reaches past it.
  const pad = fs * 1.2;
  b.px = (effect) => b.x0 + pad + ((effect + 2) / 4) * (b.x1 - b.x0 - 2 * pad);
  b.py = (influence) => b.y1 - pad - ((influence - 1) / 4) * (b.y1 - b.y0 - 2 * pad);
  return b;
}

/**
 * Builds the SVG map, its numbered legend and table; `update(activity)`
 * redraws in place. Each actor is a numbered circle sized by how many named
 * it, the number keyed to the legend, so overlapping actors stay apart and no
 * name sits under a marker. `fit` (projector): drawn in its box's pixels (see
 * `chartSize`); `layout()` redraws after the box changed.
 */
export function mapChart({ tableVisible = false, fit = false } = {}) {
  const drainText = svg('text', { class: 'quadrant-label', 'text-anchor': 'start' });
  const giveText = svg('text', { class: 'quadrant-label', 'text-anchor': 'end' });
  const xTitle = svg('text', { class: 'axis-title', 'text-anchor': 'middle' });
  const yTitle = svg('text', { x: 0, y: 0, class: 'axis-title', 'text-anchor': 'middle' });
  const drain = svg('rect', { class: 'quadrant q-drain' });
  const give = svg('rect', { class: 'quadrant q-give' });
  const frame = svg('rect', { class: 'plot-frame' });
  const mid = svg('line', { class: 'mid-line' });
  const ticks = svg('g', { class: 'ticks' });
  const markers = svg('g', { class: 'markers' });
  const chart = svg('svg', {
    id: 'map-chart', class: 'map-chart', 'data-testid': 'map-chart', viewBox: `0 0 ${FALLBACK.w} ${FALLBACK.h}`,
    role: 'img', preserveAspectRatio: 'xMidYMid meet',
  }, drain, give, frame, mid, ticks, drainText, giveText, xTitle, yTitle, markers);
  const legend = el('ol', { class: 'grid-legend map-legend', id: 'map-legend' });
  const few = el('p', { class: 'map-few', id: 'map-few' });
  const wait = el('p', { class: 'map-few waiting', id: 'map-waiting', 'data-testid': 'waiting' });
  const held = el('p', { class: 'map-few held', id: 'map-held', 'data-testid': 'held', text: ui('results_held') });
  held.hidden = true;
  const table = el('table', { class: 'data-table', id: 'map-table' },
    el('caption', { id: 'map-table-caption' }), el('thead', {}, el('tr')), el('tbody'));
  const chartBox = el('div', { class: 'chart-box' }, chart);
  const node = el('div', { class: 'map-result' }, chartBox,
    el('div', { class: 'legend-box', id: 'map-legend-box', 'data-page-items': '#map-legend > li' }, legend, few, wait, held),
    scrollBox(tableVisible, table, 'map-table-caption'));
  let size = FALLBACK;
  let drawn = null;
  let last = null;

  const drawFrame = () => {
    const key = `${size.w}x${size.h}x${size.fs}`;
    if (drawn === key) return;
    drawn = key;
    const { w, h, fs } = size;
    const b = mapFrame(size);
    const pw = b.x1 - b.x0;
    const ph = b.y1 - b.y0;
    setAttr(chart, 'viewBox', `0 0 ${w} ${h}`);
    chart.style.setProperty('--chart-fs', `${fs}px`);
    const box = (node, x, y, width, height) => {
      for (const [k, v] of Object.entries({ x, y, width, height })) setAttr(node, k, v.toFixed(1));
    };
    box(drain, b.x0, b.y0, pw / 2, ph);
    box(give, b.x0 + pw / 2, b.y0, pw / 2, ph);
    box(frame, b.x0, b.y0, pw, ph);
    for (const [k, v] of Object.entries({ x1: b.x0 + pw / 2, x2: b.x0 + pw / 2, y1: b.y0, y2: b.y1 })) setAttr(mid, k, v.toFixed(1));
    setAttr(drainText, 'x', b.x0.toFixed(1));
    setAttr(giveText, 'x', b.x1.toFixed(1));
    for (const label of [drainText, giveText]) setAttr(label, 'y', (b.y0 - fs * 0.45).toFixed(1));
    setAttr(xTitle, 'x', ((b.x0 + b.x1) / 2).toFixed(1));
    setAttr(xTitle, 'y', (b.y1 + fs * 2.45).toFixed(1));
    setAttr(yTitle, 'transform', `translate(${fs.toFixed(1)} ${((b.y0 + b.y1) / 2).toFixed(1)}) rotate(-90)`);
    const parts = [];
    for (const v of EFFECTS) {
      parts.push(svg('text', { x: b.px(v).toFixed(1), y: (b.y1 + fs * 1.1).toFixed(1), class: 'tick', 'text-anchor': 'middle' }, signed(v)));
    }
    for (let v = 1; v <= 5; v += 1) {
      parts.push(svg('text', { x: (b.x0 - fs * 0.35).toFixed(1), y: (b.py(v) + fs * 0.35).toFixed(1), class: 'tick', 'text-anchor': 'end' }, String(v)));
    }
    ticks.replaceChildren(...parts);
  };

  const draw = (activity) => {
    last = activity;
    drawFrame();
    const { fs } = size;
    const b = mapFrame(size);
    const { px, py } = b;
    setText(drainText, ui('map_drains'));
    setText(giveText, ui('map_gives'));
    setText(xTitle, ui('map_x_axis'));
    setText(yTitle, ui('map_y_axis'));
    setAttr(chart, 'aria-label', ui('map_chart_label'));
    const all = Array.isArray(activity?.actors) ? activity.actors : [];
    const shown = all.filter((a) => a.influence && a.effect);
    const most = Math.max(1, ...shown.map((a) => a.named_by));
    const base = fs * 0.8;
    const radiusOf = (a) => base * (0.9 + 0.45 * Math.sqrt(a.named_by / most));
    const inset = base * 1.35;
    const moved = spreadOut(shown.map((a) => ({ x: px(a.effect.mean), y: py(a.influence.mean) })), base * 2.7,
      { x0: b.x0 + inset, x1: b.x1 - inset, y0: b.y0 + inset, y1: b.y1 - inset });
    const number = new Map(shown.map((a, i) => [a.label.toLowerCase(), i + 1]));
    reconcile(markers, shown, (a) => a.label.toLowerCase(), (a) => svg('g', { class: 'actor-marker', 'data-label': a.label },
      svg('circle', { class: 'actor-dot' }),
      svg('text', { class: 'actor-count', 'text-anchor': 'middle' })), (g, a, i) => {
      setAttr(g, 'transform', `translate(${moved[i].x.toFixed(1)} ${moved[i].y.toFixed(1)})`);
      setAttr(g, 'data-label', a.label);
      const [circle, count] = g.children;
      setAttr(circle, 'r', radiusOf(a).toFixed(1));
      setAttr(count, 'y', (fs * 0.35).toFixed(1));
      setText(count, String(number.get(a.label.toLowerCase())));
    });
    reconcile(legend, shown, (a) => a.label.toLowerCase(), (a) => el('li', { 'data-label': a.label },
      el('span', { class: 'legend-number', 'aria-hidden': 'true' }),
      el('span', { class: 'legend-text' }, el('span', { class: 'legend-topic' }), el('span', { class: 'legend-meta' }))), (li, a) => {
      setText(li.querySelector('.legend-number'), String(number.get(a.label.toLowerCase())));
      setText(li.querySelector('.legend-topic'), a.label);
      // In the hall of a session with tables: at how many tables it was named (issue 16).
      const at = Number.isInteger(a.tables) ? ` · ${ui(a.tables === 1 ? 'actor_tables_one' : 'actor_tables', { n: a.tables })}` : '';
      setText(li.querySelector('.legend-meta'), `${ui('map_named_by', { n: a.named_by })}${at}`);
    });
    // Actors named by too few: the room is told how many, never their words (issue 13); only
    // the console gets their labels, marked as not shown to the room.
    const named = all.filter((a) => a.hidden);
    const count = Number(activity?.too_few ?? 0) || all.filter((a) => !a.influence || !a.effect).length;
    let fewText = '';
    if (named.length) fewText = ui('map_few_console', { list: named.map((a) => a.label).join(', ') });
    else if (count) fewText = ui(count === 1 ? 'map_few_count_one' : 'map_few_count', { n: count });
    few.hidden = fewText === '';
    setText(few, fewText);
    showWaiting(wait, activity?.waiting);
    setText(held, ui('results_held'));
    held.hidden = activity?.held !== true;

    setText(table.querySelector('caption'), ui('map_table_caption'));
    const heads = ['map_col_actor', 'map_col_named', 'map_col_influence', 'map_col_effect'];
    reconcile(table.querySelector('thead tr'), heads, (k) => k, () => el('th', { scope: 'col' }), (th, k) => setText(th, ui(k)));
    reconcile(table.querySelector('tbody'), all, (a) => a.label.toLowerCase(), () => el('tr', {}, el('th', { scope: 'row' }), el('td'), el('td'), el('td')), (tr, a) => {
      const stat = (s) => (s ? ui('mean_sd', { mean: fmt(s.mean), sd: fmt(s.sd) }) : ui('too_few_short'));
      const label = a.hidden ? `${a.label} (${ui('map_not_shown')})` : a.label;
      const cells = [label, String(a.named_by), stat(a.influence), stat(a.effect)];
      Array.from(tr.children).forEach((cell, i) => setText(cell, cells[i]));
    });
  };

  return {
    node,
    update: draw,
    /** Fit the map to its box again (projector); cheap when the box kept its size. */
    layout() {
      const next = chartSize(chartBox, fit, FALLBACK);
      if (next.w === size.w && next.h === size.h && next.fs === size.fs) return;
      size = next;
      if (last) draw(last);
    },
  };
}

// ---------------------------------------------------------------------------
// Projector

export function projector(root, ctx) {
  const chart = mapChart({ fit: true });
  const waiting = el('p', { class: 'activity-note', id: 'map-waiting', 'aria-live': 'polite' });
  root.replaceChildren(waiting, chart.node);
  return {
    layout: () => chart.layout(),
    update() {
      const activity = ctx.activity();
      const revealed = Boolean(activity?.revealed) && Array.isArray(activity?.actors);
      chart.node.hidden = !revealed;
      waiting.hidden = revealed;
      ctx.setResults(revealed);
      if (revealed) chart.update(activity);
      else setText(waiting, ui('map_contributors', { n: activity?.contributors ?? 0 }));
    },
  };
}

// ---------------------------------------------------------------------------
// Facilitator

export function facilitator(root, ctx) {
  const reveal = revealButton(ctx);
  const contributors = el('p', { class: 'muted', id: 'map-contributors', 'aria-live': 'polite' });
  const chart = mapChart({ tableVisible: false });
  const picks = el('ul', { class: 'actor-picks', id: 'actor-picks' });
  const into = el('input', { type: 'text', id: 'merge-label', maxlength: 80, autocomplete: 'off' });
  const mergeError = el('p', { class: 'error', id: 'merge-error', 'aria-live': 'polite' });
  const mergeForm = el('form', { class: 'inline-form', novalidate: true },
    el('div', { class: 'field' }, el('label', { for: into.id, text: ui('merge_label') }), into),
    el('button', { type: 'submit', id: 'merge-apply', class: 'primary', text: ui('merge_apply') }));
  mergeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const labels = Array.from(picks.querySelectorAll('input:checked'), (i) => i.value);
    const text = into.value.trim();
    const problem = labels.length < 2 ? ui('merge_pick') : (text === '' ? ui('merge_need_label') : '');
    setText(mergeError, problem);
    if (problem) return;
    ctx.command({ type: 'act', step: ctx.step.id, action: 'merge', labels, into: text }, () => {
      into.value = '';
      picks.querySelectorAll('input:checked').forEach((i) => { i.checked = false; });
    });
  });
  const later = el('p', { class: 'muted small', id: 'results-later', text: ui('results_private_note') });
  // On a wide screen: the chart beside the merge controls, each list scrolling in its own region.
  const mergeHeading = el('h3', { id: 'merge-heading', text: ui('merge_heading') });
  root.replaceChildren(
    el('div', { class: 'fac-head' }, reveal.node, contributors),
    el('div', { class: 'fac-scroll fac-results', tabindex: '0', role: 'region', 'aria-label': ui('results_heading') }, later, chart.node),
    el('div', { class: 'fac-side' },
      el('section', { class: 'merge-section' }, mergeHeading, el('p', { class: 'muted small', text: ui('merge_help') }),
        el('div', { class: 'fac-scroll', tabindex: '0', role: 'region', 'aria-labelledby': mergeHeading.id }, picks),
        mergeForm, mergeError)),
  );
  return {
    update() {
      const activity = ctx.activity() || {};
      reveal.update(activity.revealed);
      setText(contributors, ui('map_contributors', { n: activity.contributors ?? 0 }));
      chart.node.hidden = activity.published === false;
      chart.update(activity);
      const actors = Array.isArray(activity.actors) ? activity.actors : [];
      reconcile(picks, actors, (a) => a.label.toLowerCase(), (a) => {
        const id = `pick-actor-${Math.random().toString(36).slice(2, 8)}`;
        return el('li', {}, el('input', { type: 'checkbox', class: 'actor-pick', id, value: a.label }),
          el('label', { for: id, class: 'actor-pick-label' }));
      }, (li, a) => {
        li.querySelector('input').value = a.label;
        const stats = a.influence && a.effect
          ? ui('map_pick_stats', { n: a.named_by, i: fmt(a.influence.mean), e: fmt(a.effect.mean) })
          : ui('map_pick_few', { n: a.named_by });
        const mark = a.hidden ? ` — ${ui('map_not_shown')}` : '';
        setText(li.querySelector('label'), `${a.label} — ${stats}${mark}`);
      });
    },
  };
}
