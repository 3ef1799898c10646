// The prioritisation grid (importance × how well we succeed) on all three screens.
//
// Phone: per topic two radio scales 1..scale_max (tap, no dragging), saved per
// topic; "Tilføj emne" when participants may add topics; a three-dot vote when
// it is open. Projector (once revealed): an SVG 2×2 grid with each topic at
// (success mean, importance mean), a spread ellipse (sd on each axis), a
// numbered marker keyed to a legend, agreed positions as diamonds, priorities
// ringed, plus a visually hidden table. Facilitator: the same grid with a
// visible table, reveal, allow topics, add topic, agreed positions,
// priorities, and the dot vote switch.
//
// Stable ids and test ids:
//   phone        section[data-testid=grid-topic][data-topic={t}], radios
//                #imp-{t}-{v} / #suc-{t}-{v} (names imp-{t} / suc-{t}), #saved-{t},
//                #grid-progress, #topic-new + #topic-add, #vote-box, #dots-left,
//                #vote-plus-{t}, #vote-minus-{t}, #vote-count-{t}
//   staff        #grid-chart [data-testid=grid-chart], g.topic-marker[data-topic={t}],
//                g.agreed-marker[data-topic={t}], #grid-legend li[data-topic={t}],
//                #grid-table
//   facilitator  #reveal-toggle, #allow-topics, #fac-topic-new + #fac-topic-add,
//                #vote-toggle, #agreed-imp-{t}, #agreed-suc-{t}, #agreed-set-{t},
//                #agreed-clear-{t}, #priority-1..3, #priorities-save

import { el, setText, t, ui } from './common.js';
import {
  svg, setAttr, reconcile, fmt, showSaveState, fillOptions, checkbox, scrollBox, showWaiting, chartSize, spreadOut,
} from './activity-kit.js';
import { revealButton } from './activity-reflection.js';

const DOTS = 3;

const topicsOf = (activity) => (Array.isArray(activity?.topics) ? activity.topics : []);
const resultOf = (activity, id) => (activity?.results || []).find((r) => r.topic === id) || null;

// ---------------------------------------------------------------------------
// Phone

export function phone(root, ctx) {
  const progress = el('p', { class: 'muted', id: 'grid-progress', 'aria-live': 'polite' });
  const topicsBox = el('div', { class: 'grid-topics' });
  const addInput = el('input', { type: 'text', id: 'topic-new', maxlength: 300, autocomplete: 'off' });
  const addForm = el('form', { class: 'add-item', id: 'topic-form', novalidate: true },
    el('label', { for: addInput.id, text: ui('grid_add_topic_label') }),
    el('div', { class: 'add-row' }, addInput, el('button', { type: 'submit', id: 'topic-add', text: ui('grid_add_topic') })),
    el('p', { class: 'error', id: 'topic-error', 'aria-live': 'polite' }));
  addForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = addInput.value.trim();
    if (!text) return;
    ctx.act({ action: 'add_topic', text });
    addInput.value = '';
  });
  const dotsLeft = el('p', { id: 'dots-left', class: 'dots-left', 'aria-live': 'polite' });
  const voteList = el('ul', { class: 'vote-list' });
  const voteBox = el('section', { id: 'vote-box', class: 'vote-box', 'aria-labelledby': 'vote-heading' },
    el('h2', { id: 'vote-heading', text: ui('vote_heading') }),
    el('p', { class: 'muted small', text: ui('vote_help', { n: DOTS }) }), dotsLeft, voteList,
    el('p', { class: 'error', id: 'vote-error', 'aria-live': 'polite' }));
  root.replaceChildren(progress, voteBox, topicsBox, addForm);

  const rating = (id) => {
    const value = ctx.value(id);
    return value && typeof value === 'object' ? value : {};
  };
  const rate = (id, axis, v) => {
    const next = { ...rating(id), [axis]: v };
    const clean = {};
    if (Number.isInteger(next.importance)) clean.importance = next.importance;
    if (Number.isInteger(next.success)) clean.success = next.success;
    ctx.answer(id, clean);
  };
  const vote = (topics) => ctx.act({ action: 'vote', topics });

  const createTopic = (topic) => {
    const max = ctx.activity()?.scale_max || ctx.step.scale_max || 5;
    const heading = el('h2', { class: 'topic-title', id: `topic-title-${topic.id}` });
    const node = el('section', { class: 'grid-topic', 'data-testid': 'grid-topic', 'data-topic': topic.id, 'aria-labelledby': heading.id },
      heading,
      radioScale(`imp-${topic.id}`, ui('grid_importance'), max, ui('grid_importance_low'), ui('grid_importance_high'), (v) => rate(topic.id, 'importance', v)),
      radioScale(`suc-${topic.id}`, ui('grid_success'), max, ui('grid_success_low'), ui('grid_success_high'), (v) => rate(topic.id, 'success', v)),
      el('p', { class: 'save-state', id: `saved-${topic.id}`, 'aria-live': 'polite' }),
      el('p', { class: 'error', id: `error-${topic.id}`, 'aria-live': 'polite' }));
    return node;
  };
  const updateTopic = (node, topic) => {
    setText(node.querySelector('.topic-title'), t(topic.text));
    for (const sr of node.querySelectorAll('.legend-topic-sr')) setText(sr, `: ${t(topic.text)}`);
    const value = rating(topic.id);
    for (const radio of node.querySelectorAll(`input[name="imp-${topic.id}"]`)) radio.checked = Number(radio.value) === value.importance;
    for (const radio of node.querySelectorAll(`input[name="suc-${topic.id}"]`)) radio.checked = Number(radio.value) === value.success;
    showSaveState(node.querySelector(`#saved-${CSS.escape(topic.id)}`), ctx.saveState(topic.id));
    setText(node.querySelector(`#error-${CSS.escape(topic.id)}`), ctx.error(topic.id));
  };

  const createVote = (topic) => {
    const name = el('span', { class: 'vote-topic', id: `vote-name-${topic.id}` });
    const minus = el('button', { type: 'button', class: 'dot-button', id: `vote-minus-${topic.id}`, text: '−' });
    const count = el('span', { class: 'dot-count', id: `vote-count-${topic.id}`, 'data-testid': 'dot-count' });
    const dots = el('span', { class: 'dot-marks', 'aria-hidden': 'true' });
    const plus = el('button', { type: 'button', class: 'dot-button', id: `vote-plus-${topic.id}`, text: '+' });
    minus.addEventListener('click', () => {
      const mine = ctx.votes();
      const at = mine.lastIndexOf(topic.id);
      if (at >= 0) vote(mine.filter((_, i) => i !== at));
    });
    plus.addEventListener('click', () => {
      const mine = ctx.votes();
      if (mine.length < DOTS) vote([...mine, topic.id]);
    });
    return el('li', { class: 'vote-row' }, name, el('span', { class: 'vote-controls' }, minus, count, dots, plus));
  };
  const updateVote = (li, topic) => {
    const mine = ctx.votes();
    const n = mine.filter((x) => x === topic.id).length;
    const text = t(topic.text);
    setText(li.querySelector('.vote-topic'), text);
    setText(li.querySelector('.dot-count'), String(n));
    setText(li.querySelector('.dot-marks'), '●'.repeat(n));
    const [minus, plus] = li.querySelectorAll('button');
    minus.disabled = n === 0;
    plus.disabled = mine.length >= DOTS;
    setAttr(minus, 'aria-label', ui('vote_minus', { topic: text }));
    setAttr(plus, 'aria-label', ui('vote_plus', { topic: text }));
  };

  return {
    update() {
      const activity = ctx.activity();
      const topics = topicsOf(activity);
      reconcile(topicsBox, topics, (tp) => tp.id, createTopic, updateTopic);
      const done = topics.filter((tp) => {
        const r = rating(tp.id);
        return Number.isInteger(r.importance) && Number.isInteger(r.success);
      }).length;
      setText(progress, ui('grid_progress', { n: done, m: topics.length }));
      addForm.hidden = !activity?.participant_topics;
      setText(addForm.querySelector('.error'), ctx.error('act:add_topic'));
      voteBox.hidden = !activity?.voting;
      if (activity?.voting) {
        const left = DOTS - ctx.votes().length;
        setText(dotsLeft, ui('dots_left', { n: left }));
        reconcile(voteList, topics, (tp) => tp.id, createVote, updateVote);
        setText(voteBox.querySelector('#vote-error'), ctx.error('act:vote'));
      }
    },
  };
}

/** A radio scale 1..max under a legend, with end labels (like prompts.js). */
function radioScale(name, legend, max, low, high, onPick) {
  const endsId = `ends-${name}`;
  // The legend names the topic too, for screen readers that announce only the group.
  const fieldset = el('fieldset', { class: 'prompt scale', 'aria-describedby': endsId },
    el('legend', {}, legend, el('span', { class: 'visually-hidden legend-topic-sr' })));
  const row = el('div', { class: 'scale-options' });
  for (let v = 1; v <= max; v += 1) {
    const id = `${name}-${v}`;
    const input = el('input', { type: 'radio', class: 'visually-hidden', id, name, value: v });
    input.addEventListener('change', () => {
      if (input.checked) onPick(v);
    });
    row.append(el('label', { class: 'scale-option', for: id }, input, el('span', { text: String(v) })));
  }
  fieldset.append(el('div', { class: 'scale-ends', id: endsId },
    el('span', { class: 'scale-min', text: `1 = ${low}` }),
    el('span', { class: 'scale-max', text: `${max} = ${high}` })), row);
  return fieldset;
}

// ---------------------------------------------------------------------------
// The grid chart (projector and facilitator)

/** The facilitator's grid: a square the browser scales to its box. */
const FALLBACK = { w: 1000, h: 1000, fs: 40 };

/**
 * Where the plot goes in a w×h chart with text of size fs: the quadrant names
 * above and below the plot (never under a marker), ticks and axis titles
 * outside it.
 */
function gridFrame({ w, h, fs }) {
  const b = { x0: fs * 3.1, x1: w - fs * 0.5, y0: fs * 1.7, y1: h - fs * 4.2 };
  // Values keep off the frame by a marker's size, so no marker reaches past it.
  const pad = fs * 1.25;
  b.px = (v, max) => b.x0 + pad + ((v - 1) / (max - 1)) * (b.x1 - b.x0 - 2 * pad);
  b.py = (v, max) => b.y1 - pad - ((v - 1) / (max - 1)) * (b.y1 - b.y0 - 2 * pad);
  return b;
}

/**
 * Builds the SVG grid and its legend and table; `update(activity)` redraws in
 * place. `fit` (projector): the SVG takes its box's size in pixels, so it fills
 * the region and its text is legible; `layout()` redraws after the box changed.
 */
export function gridChart({ tableVisible = false, fit = false } = {}) {
  const quadrantLabels = [
    ['grid_q_focus', 'start', 'top'], ['grid_q_keep', 'end', 'top'],
    ['grid_q_low', 'start', 'bottom'], ['grid_q_over', 'end', 'bottom'],
  ].map(([key, anchor, side]) => ({ key, anchor, side, node: svg('text', { class: 'quadrant-label', 'text-anchor': anchor, 'data-i18n-key': key }) }));
  const quadrants = ['q-focus', 'q-keep', 'q-low', 'q-over'].map((cls) => svg('rect', { class: `quadrant ${cls}` }));
  const frame = svg('rect', { class: 'plot-frame' });
  const ticks = svg('g', { class: 'ticks' });
  const spreads = svg('g', { class: 'spreads' });
  const links = svg('g', { class: 'links' });
  const agreedLayer = svg('g', { class: 'agreed' });
  // The hall of a session with tables (issue 16): every table's agreed placements on one grid.
  const tableLayer = svg('g', { class: 'table-agreed' });
  const markers = svg('g', { class: 'markers' });
  const xTitle = svg('text', { class: 'axis-title', 'text-anchor': 'middle' });
  const yTitle = svg('text', { x: 0, y: 0, class: 'axis-title', 'text-anchor': 'middle' });
  const chart = svg('svg', {
    id: 'grid-chart', class: 'grid-chart', 'data-testid': 'grid-chart', viewBox: '0 0 1000 1000',
    role: 'img', preserveAspectRatio: 'xMidYMid meet',
  },
  ...quadrants, frame, ...quadrantLabels.map((q) => q.node),
  ticks, xTitle, yTitle, spreads, links, agreedLayer, tableLayer, markers);
  const legend = el('ol', { class: 'grid-legend', id: 'grid-legend' });
  const tableList = el('ul', { class: 'table-decisions', id: 'table-decisions' });
  const few = el('p', { class: 'grid-few', id: 'grid-few' });
  const wait = el('p', { class: 'grid-few waiting', id: 'grid-waiting', 'data-testid': 'waiting' });
  // Someone deleted their answers: the results stay as shown until more changed theirs (issue 13).
  const held = el('p', { class: 'grid-few held', id: 'grid-held', 'data-testid': 'held', text: ui('results_held') });
  held.hidden = true;
  const table = el('table', { class: 'data-table', id: 'grid-table' });
  const chartBox = el('div', { class: 'chart-box' }, chart);
  const node = el('div', { class: 'grid-result' },
    chartBox,
    el('div', { class: 'legend-box', id: 'grid-legend-box', 'data-page-items': '#grid-legend > li, #table-decisions > li' }, legend, tableList, few, wait, held),
    scrollBox(tableVisible, table, 'grid-table-caption'));
  let size = FALLBACK;
  let drawn = null;
  let last = null;

  const drawFrame = (max) => {
    const key = `${size.w}x${size.h}x${size.fs}x${max}`;
    if (drawn === key) return;
    drawn = key;
    const { w, h, fs } = size;
    const b = gridFrame(size);
    const pw = b.x1 - b.x0;
    const ph = b.y1 - b.y0;
    setAttr(chart, 'viewBox', `0 0 ${w} ${h}`);
    chart.style.setProperty('--chart-fs', `${fs}px`);
    [[b.x0, b.y0], [b.x0 + pw / 2, b.y0], [b.x0, b.y0 + ph / 2], [b.x0 + pw / 2, b.y0 + ph / 2]].forEach(([x, y], i) => {
      for (const [k, v] of Object.entries({ x, y, width: pw / 2, height: ph / 2 })) setAttr(quadrants[i], k, v.toFixed(1));
    });
    for (const [k, v] of Object.entries({ x: b.x0, y: b.y0, width: pw, height: ph })) setAttr(frame, k, v.toFixed(1));
    for (const q of quadrantLabels) {
      setAttr(q.node, 'x', (q.anchor === 'start' ? b.x0 : b.x1).toFixed(1));
      setAttr(q.node, 'y', (q.side === 'top' ? b.y0 - fs * 0.45 : b.y1 + fs * 2.45).toFixed(1));
    }
    setAttr(xTitle, 'x', ((b.x0 + b.x1) / 2).toFixed(1));
    setAttr(xTitle, 'y', (b.y1 + fs * 3.75).toFixed(1));
    setAttr(yTitle, 'transform', `translate(${(fs * 1.0).toFixed(1)} ${((b.y0 + b.y1) / 2).toFixed(1)}) rotate(-90)`);
    const parts = [];
    for (let v = 1; v <= max; v += 1) {
      const x = b.px(v, max);
      const y = b.py(v, max);
      parts.push(svg('text', { x: x.toFixed(1), y: (b.y1 + fs * 1.1).toFixed(1), class: 'tick', 'text-anchor': 'middle' }, String(v)));
      parts.push(svg('text', { x: (b.x0 - fs * 0.35).toFixed(1), y: (y + fs * 0.35).toFixed(1), class: 'tick', 'text-anchor': 'end' }, String(v)));
    }
    ticks.replaceChildren(...parts);
  };

  const draw = (activity) => {
    last = activity;
    const max = activity?.scale_max || 5;
    drawFrame(max);
    const { fs } = size;
    const b = gridFrame(size);
    for (const q of quadrantLabels) setText(q.node, ui(q.key));
    setText(xTitle, ui('grid_x_axis'));
    setText(yTitle, ui('grid_y_axis'));
    const px = (v) => b.px(v, max);
    const py = (v) => b.py(v, max);
    const topics = topicsOf(activity);
    const number = new Map(topics.map((tp, i) => [tp.id, i + 1]));
    const priorities = activity?.priorities || [];
    const agreed = activity?.agreed || {};
    const radius = fs * 0.85;
    const rated = [];
    for (const tp of topics) {
      const r = resultOf(activity, tp.id);
      if (!r || !r.importance || !r.success) continue;
      rated.push({ tp, r, x: px(r.success.mean), y: py(r.importance.mean), rank: priorities.indexOf(tp.id) + 1 });
    }
    // Markers that would sit on top of each other are nudged apart, inside the plot.
    const inset = radius * 1.3;
    const moved = spreadOut(rated, radius * 2.15, { x0: b.x0 + inset, x1: b.x1 - inset, y0: b.y0 + inset, y1: b.y1 - inset });
    const shown = rated.map((s, i) => ({ ...s, x: moved[i].x, y: moved[i].y }));
    // The spread of the answers, as thin outlines, only where it tells the room something:
    // the prioritised topics, or every topic while there are few.
    const spreadOf = shown.filter((s) => (priorities.length > 0 ? s.rank > 0 : shown.length <= 6));
    reconcile(spreads, spreadOf, (s) => s.tp.id, () => svg('ellipse', { class: 'spread' }), (e, s) => {
      setAttr(e, 'cx', s.x.toFixed(1));
      setAttr(e, 'cy', s.y.toFixed(1));
      setAttr(e, 'rx', Math.max(6, px(1 + s.r.success.sd) - px(1)).toFixed(1));
      setAttr(e, 'ry', Math.max(6, py(1) - py(1 + s.r.importance.sd)).toFixed(1));
    });
    reconcile(markers, shown, (s) => s.tp.id, (s) => svg('g', { class: 'topic-marker', 'data-topic': s.tp.id },
      svg('circle', { class: 'priority-ring' }),
      svg('circle', { class: 'marker-dot' }),
      svg('text', { class: 'marker-number', 'text-anchor': 'middle' })), (g, s) => {
      setAttr(g, 'transform', `translate(${s.x.toFixed(1)} ${s.y.toFixed(1)})`);
      g.classList.toggle('priority', s.rank > 0);
      const [ring, dot, text] = g.children;
      setAttr(ring, 'r', (radius * 1.3).toFixed(1));
      setAttr(dot, 'r', radius.toFixed(1));
      setAttr(text, 'y', (fs * 0.35).toFixed(1));
      setText(text, String(number.get(s.tp.id)));
    });
    const agreedList = topics.filter((tp) => Array.isArray(agreed[tp.id]));
    const half = radius * 0.85;
    reconcile(agreedLayer, agreedList, (tp) => tp.id, (tp) => svg('g', { class: 'agreed-marker', 'data-topic': tp.id },
      svg('rect', { transform: 'rotate(45)', class: 'agreed-shape' }),
      svg('text', { class: 'marker-number', 'text-anchor': 'middle' })), (g, tp) => {
      const [imp, suc] = agreed[tp.id];
      setAttr(g, 'transform', `translate(${px(suc).toFixed(1)} ${py(imp).toFixed(1)})`);
      const [shape, text] = g.children;
      for (const [k, v] of Object.entries({ x: -half, y: -half, width: half * 2, height: half * 2 })) setAttr(shape, k, v.toFixed(1));
      setAttr(text, 'y', (fs * 0.35).toFixed(1));
      setText(text, String(number.get(tp.id)));
    });
    const linked = agreedList.map((tp) => ({ tp, from: shown.find((s) => s.tp.id === tp.id) })).filter((l) => l.from);
    reconcile(links, linked, (l) => l.tp.id, () => svg('line', { class: 'agreed-link' }), (line, l) => {
      const [imp, suc] = agreed[l.tp.id];
      setAttr(line, 'x1', l.from.x.toFixed(1));
      setAttr(line, 'y1', l.from.y.toFixed(1));
      setAttr(line, 'x2', px(suc).toFixed(1));
      setAttr(line, 'y2', py(imp).toFixed(1));
    });

    // Each table's placements (a small square with the table's number) and priorities.
    const tables = Array.isArray(activity?.tables) ? activity.tables : [];
    const tablePoints = tables.flatMap((tb) => Object.entries(tb.agreed || {})
      .filter(([id, a]) => number.has(id) && Array.isArray(a))
      .map(([id, a]) => ({ key: `${tb.table}:${id}`, table: tb.table, id, a })));
    const small = radius * 0.85;
    reconcile(tableLayer, tablePoints, (p) => p.key, (p) => svg('g', { class: 'table-marker', 'data-table': String(p.table), 'data-topic': p.id },
      svg('rect', { class: 'table-shape' }),
      svg('text', { class: 'table-number', 'text-anchor': 'middle' })), (g, p) => {
      const [imp, suc] = p.a;
      setAttr(g, 'transform', `translate(${px(suc).toFixed(1)} ${py(imp).toFixed(1)})`);
      const [shape, text] = g.children;
      for (const [k, v] of Object.entries({ x: -small, y: -small, width: small * 2, height: small * 2 })) setAttr(shape, k, v.toFixed(1));
      setAttr(text, 'y', (fs * 0.3).toFixed(1));
      setText(text, String(p.table));
    });
    reconcile(tableList, tables, (tb) => tb.table, () => el('li', {}, el('strong', { class: 'table-name' }), ' ',
      el('span', { class: 'table-what' })), (li, tb) => {
      setText(li.querySelector('.table-name'), `${ui('table_n', { n: tb.table })}:`);
      const placed = Object.entries(tb.agreed || {}).filter(([id]) => number.has(id))
        .map(([id, a]) => ui('table_placed', { nr: number.get(id), i: a[0], s: a[1] }));
      const first = (tb.priorities || []).filter((id) => number.has(id)).map((id) => String(number.get(id)));
      const parts = [];
      if (first.length > 0) parts.push(ui('table_priorities', { list: first.join(', ') }));
      if (placed.length > 0) parts.push(placed.join(', '));
      setText(li.querySelector('.table-what'), parts.length > 0 ? parts.join(' · ') : ui('table_nothing_yet'));
    });
    tableList.hidden = tables.length === 0;
    legend.classList.toggle('many', topics.length > 7);
    reconcile(legend, topics, (tp) => tp.id, (tp) => el('li', { 'data-topic': tp.id },
      el('span', { class: 'legend-number', 'aria-hidden': 'true' }),
      el('span', { class: 'legend-text' }, el('span', { class: 'legend-topic' }), el('span', { class: 'legend-meta' }))), (li, tp) => {
      const r = resultOf(activity, tp.id);
      const rank = priorities.indexOf(tp.id) + 1;
      const meta = [ui('raters_count', { n: r?.raters ?? 0 })];
      if (r && r.dots > 0) meta.push(ui('dots_count', { n: r.dots }));
      if (!r || !r.importance) meta.push(ui('too_few_short'));
      if (Array.isArray(agreed[tp.id])) meta.push(ui('agreed_short', { i: agreed[tp.id][0], s: agreed[tp.id][1] }));
      if (rank > 0) meta.unshift(ui('priority_n', { n: rank }));
      setText(li.querySelector('.legend-number'), String(number.get(tp.id)));
      setText(li.querySelector('.legend-topic'), t(tp.text));
      setText(li.querySelector('.legend-meta'), meta.join(' · '));
      li.classList.toggle('priority', rank > 0);
      li.classList.toggle('few', !r || !r.importance);
    });
    const fewCount = topics.filter((tp) => !resultOf(activity, tp.id)?.importance).length;
    const leftOut = Math.max(0, ...(activity?.results || []).map((r) => r.tables_left_out ?? 0));
    const notes = [];
    if (fewCount > 0) notes.push(ui('grid_few_note', { n: fewCount }));
    if (leftOut > 0) notes.push(ui(leftOut === 1 ? 'tables_left_out_one' : 'tables_left_out', { n: leftOut }));
    setText(few, notes.join(' '));
    few.hidden = notes.length === 0;
    const results = Array.isArray(activity?.results) ? activity.results : [];
    showWaiting(wait, Math.max(0, ...results.map((r) => r.waiting ?? 0)));
    held.hidden = activity?.held !== true;

    setAttr(chart, 'aria-label', ui('grid_chart_label'));
    renderTable(table, topics, activity, number, agreed, priorities);
  };

  return {
    node,
    update: draw,
    /** Fit the chart to its box again (projector); cheap when the box kept its size. */
    layout() {
      const next = chartSize(chartBox, fit, FALLBACK);
      if (next.w === size.w && next.h === size.h && next.fs === size.fs) return;
      size = next;
      if (last) draw(last);
    },
  };
}

function renderTable(table, topics, activity, number, agreed, priorities) {
  if (!table.firstChild) {
    table.append(el('caption', { id: 'grid-table-caption' }), el('thead', {}, el('tr')), el('tbody'));
  }
  setText(table.querySelector('caption'), ui('grid_table_caption'));
  const heads = ['grid_col_nr', 'grid_col_topic', 'grid_col_importance', 'grid_col_success', 'grid_col_raters', 'grid_col_dots', 'grid_col_agreed', 'grid_col_priority'];
  reconcile(table.querySelector('thead tr'), heads, (k) => k, () => el('th', { scope: 'col' }), (th, k) => setText(th, ui(k)));
  reconcile(table.querySelector('tbody'), topics, (tp) => tp.id, () => el('tr', {}, el('th', { scope: 'row' }),
    ...Array.from({ length: 7 }, () => el('td'))), (tr, tp) => {
    const r = resultOf(activity, tp.id);
    const stat = (s) => (s ? ui('mean_sd', { mean: fmt(s.mean), sd: fmt(s.sd) }) : ui('too_few_short'));
    const a = agreed[tp.id];
    const rank = priorities.indexOf(tp.id) + 1;
    const cells = [String(number.get(tp.id)), t(tp.text), stat(r?.importance), stat(r?.success),
      String(r?.raters ?? 0), String(r?.dots ?? 0), Array.isArray(a) ? `${a[0]} / ${a[1]}` : '–', rank > 0 ? String(rank) : '–'];
    Array.from(tr.children).forEach((cell, i) => setText(cell, cells[i]));
  });
}

// ---------------------------------------------------------------------------
// Projector

export function projector(root, ctx) {
  const chart = gridChart({ fit: true });
  const waiting = el('div', { class: 'grid-waiting', id: 'grid-waiting', 'data-page-items': '#grid-topic-list > li' },
    el('p', { class: 'activity-note', id: 'grid-raters', 'aria-live': 'polite' }),
    el('p', { class: 'activity-note', id: 'grid-voting', 'aria-live': 'polite' }),
    el('ol', { class: 'topic-list', id: 'grid-topic-list' }));
  root.replaceChildren(waiting, chart.node);
  return {
    layout: () => chart.layout(),
    update() {
      const activity = ctx.activity();
      const revealed = Boolean(activity?.revealed) && Array.isArray(activity?.results);
      chart.node.hidden = !revealed;
      waiting.hidden = revealed;
      ctx.setResults(revealed);
      if (revealed) {
        chart.update(activity);
        return;
      }
      setText(waiting.querySelector('#grid-raters'), ui('grid_raters', { n: activity?.raters ?? 0 }));
      const voting = waiting.querySelector('#grid-voting');
      voting.hidden = !activity?.voting;
      setText(voting, ui('vote_open_room'));
      reconcile(waiting.querySelector('ol'), topicsOf(activity), (tp) => tp.id, () => el('li'), (li, tp) => setText(li, t(tp.text)));
    },
  };
}

// ---------------------------------------------------------------------------
// Facilitator

export function facilitator(root, ctx) {
  const step = ctx.step.id;
  const act = (fields, done) => ctx.command({ type: 'act', step, ...fields }, done);
  const reveal = revealButton(ctx);
  const raters = el('p', { class: 'muted', id: 'grid-raters', 'aria-live': 'polite' });
  const chart = gridChart({ tableVisible: true });

  const allow = checkbox('allow-topics', ui('grid_allow_topics'));
  allow.input.addEventListener('change', () => act({ action: 'allow_topics', allowed: allow.input.checked }));
  const voteToggle = el('button', { type: 'button', id: 'vote-toggle' });
  let voting = false;
  voteToggle.addEventListener('click', () => act({ action: 'open_vote', open: !voting }));

  const topicInput = el('input', { type: 'text', id: 'fac-topic-new', maxlength: 300, autocomplete: 'off' });
  const topicForm = el('form', { class: 'inline-form', novalidate: true },
    el('div', { class: 'field' }, el('label', { for: topicInput.id, text: ui('grid_add_topic_label') }), topicInput),
    el('button', { type: 'submit', id: 'fac-topic-add', text: ui('grid_add_topic') }));
  topicForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = topicInput.value.trim();
    if (text) act({ action: 'add_topic', text }, () => { topicInput.value = ''; });
  });

  const prioritySelects = [1, 2, 3].map((n) => selectBox(`priority-${n}`, ui('priority_n', { n })));
  const prioritySave = el('button', { type: 'submit', id: 'priorities-save', class: 'primary', text: ui('priorities_save') });
  const priorityForm = el('form', { class: 'inline-form priorities', novalidate: true },
    ...prioritySelects.map((p) => p.field), prioritySave);
  const priorityError = el('p', { class: 'error', 'aria-live': 'polite' });
  priorityForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = prioritySelects.map((p) => p.select.value).filter((v) => v !== '');
    const distinct = new Set(chosen).size === chosen.length;
    setText(priorityError, distinct ? '' : ui('priorities_distinct'));
    if (distinct) act({ action: 'prioritise', topics: chosen });
  });

  const agreedBox = el('div', { class: 'agreed-rows', id: 'agreed-rows' });

  const later = el('p', { class: 'muted small', id: 'results-later', text: ui('results_private_note') });
  // On a wide screen: the chart scrolls in its own region beside the controls, and the
  // agreed placements (one row per topic) in theirs, so every control stays in view.
  const agreedHeading = el('h3', { id: 'agreed-heading', text: ui('grid_agreed_heading') });
  root.replaceChildren(
    el('div', { class: 'fac-head' }, reveal.node, raters,
      el('section', { class: 'vote-section' }, el('h3', { text: ui('vote_heading') }), el('p', { class: 'muted small', id: 'vote-state', 'aria-live': 'polite' }), voteToggle)),
    el('div', { class: 'fac-scroll fac-results', tabindex: '0', role: 'region', 'aria-label': ui('results_heading') },
      el('section', { class: 'topics-section' }, el('h3', { text: ui('grid_topics_heading') }), allow.row, topicForm),
      chart.node, later),
    el('div', { class: 'fac-side' },
      el('section', { class: 'priorities-section' }, el('h3', { text: ui('grid_priorities_heading') }), priorityForm, priorityError),
      el('section', { class: 'agreed-section' }, agreedHeading,
        el('p', { class: 'muted small', text: ui('grid_agreed_help') }),
        el('div', { class: 'fac-scroll', tabindex: '0', role: 'region', 'aria-labelledby': agreedHeading.id }, agreedBox))),
  );

  let priorityKey = null;
  return {
    update() {
      const activity = ctx.activity() || {};
      const topics = topicsOf(activity);
      const max = activity.scale_max || 5;
      reveal.update(activity.revealed);
      setText(raters, ui('grid_raters', { n: activity.raters ?? 0 }));
      // Before the first reveal nothing is published: a chart of nothing would only puzzle.
      chart.node.hidden = activity.published === false;
      chart.update(activity);
      allow.input.checked = Boolean(activity.participant_topics);
      voting = Boolean(activity.voting);
      setText(voteToggle, ui(voting ? 'vote_close' : 'vote_open'));
      voteToggle.className = voting ? '' : 'primary';
      setText(root.querySelector('#vote-state'), ui(voting ? 'vote_state_open' : 'vote_state_closed'));

      const options = [{ value: '', label: '–' }, ...topics.map((tp, i) => ({ value: tp.id, label: `${i + 1}. ${t(tp.text)}` }))];
      const key = JSON.stringify(activity.priorities || []);
      prioritySelects.forEach((p, i) => {
        fillOptions(p.select, options);
        if (priorityKey !== key && document.activeElement !== p.select) p.select.value = (activity.priorities || [])[i] || '';
      });
      priorityKey = key;

      const levels = [{ value: '', label: '–' }, ...Array.from({ length: max }, (_, i) => ({ value: String(i + 1), label: String(i + 1) }))];
      reconcile(agreedBox, topics, (tp) => tp.id, (tp) => {
        const imp = selectBox(`agreed-imp-${tp.id}`, ui('grid_importance_short'));
        const suc = selectBox(`agreed-suc-${tp.id}`, ui('grid_success_short'));
        const set = el('button', { type: 'submit', id: `agreed-set-${tp.id}`, text: ui('agreed_set') });
        const clear = el('button', { type: 'button', id: `agreed-clear-${tp.id}`, class: 'quiet', text: ui('agreed_clear') });
        const form = el('form', { class: 'agreed-row inline-form', novalidate: true, 'data-topic': tp.id },
          el('p', { class: 'agreed-topic' }), imp.field, suc.field, set, clear);
        form.addEventListener('submit', (event) => {
          event.preventDefault();
          if (imp.select.value && suc.select.value) {
            act({ action: 'place', topic: tp.id, position: [Number(imp.select.value), Number(suc.select.value)] });
          }
        });
        clear.addEventListener('click', () => act({ action: 'place', topic: tp.id, position: null }));
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
        form.querySelector('button.quiet').disabled = !Array.isArray(a);
      });
    },
  };
}

function selectBox(id, labelText) {
  const select = el('select', { id });
  return { select, field: el('div', { class: 'field' }, el('label', { for: id, text: labelText }), select) };
}
