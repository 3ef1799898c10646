// Reflection steps on all three screens.
//
// Phone: scale and text prompts (prompts.js), list prompts (add / edit /
// remove short items, optional area tag) and circles prompts (work life and
// private life, now and wanted, with a decorative live drawing). Text answers
// and list items can be shared with the group, optionally with the name.
// Projector (once revealed): a bar chart per scale prompt and the shared items
// by group. Facilitator: the same results always, a reveal toggle and grouping.
//
// Stable ids and test ids:
//   phone   #prompt-{p} (text), input[name="prompt-{p}"] / #prompt-{p}-{v} (scale),
//           #saved-{p}, #error-{p}, #share-{p} / #named-{p} (text share),
//           #list-{p} [data-testid=list-prompt], #new-item-{p} + #add-item-{p},
//           #items-{p} > li[data-key={item id}] [data-testid=list-item] with
//           #item-{p}-{i}, #area-{p}-{i}, #share-{p}-{i}, #named-{p}-{i}, #remove-{p}-{i},
//           #circles-{p}-{now|wanted}-{work|private|overlap} (range inputs)
//   staff   #reflection-results, [data-testid=scale-chart][data-prompt={p}],
//           #shared-list [data-testid=shared-item] (data-share={id}),
//           facilitator: #reveal-toggle, #group-label, #group-apply, #group-clear,
//           input.share-pick[value={share id}]

import { el, setText, t, ui } from './common.js';
import { buildPrompt } from './prompts.js';
import {
  svg, setAttr, reconcile, clientId, showSaveState, checkbox, fillOptions, showWaiting, fmt,
} from './activity-kit.js';
import { formatDate } from './activity-plan.js';

// ---------------------------------------------------------------------------
// Phone

/**
 * @param root  container for the prompts (#prompts)
 * @param ctx   the participant page's API (see participant.js `phoneContext`)
 */
export function phone(root, ctx) {
  const parts = (ctx.step.prompts || []).map((prompt) => {
    if (prompt.kind === 'list') return listPrompt(prompt, ctx);
    if (prompt.kind === 'circles') return circlesPrompt(prompt, ctx);
    return simplePrompt(prompt, ctx);
  });
  root.replaceChildren(...parts.map((p) => p.node));
  return { update: () => parts.forEach((p) => p.update()) };
}

function simplePrompt(prompt, ctx) {
  const node = buildPrompt(prompt, {
    onScale: (value) => ctx.answer(prompt.id, value),
    onText: (value) => ctx.draft(prompt.id, value),
    onBlur: () => ctx.commit(prompt.id),
  });
  const share = prompt.kind === 'text' ? shareControls(ctx, prompt.id, null, prompt.id) : null;
  if (share) node.append(share.node);
  const update = () => {
    const value = ctx.value(prompt.id);
    if (prompt.kind === 'scale') {
      for (const radio of document.getElementsByName(`prompt-${prompt.id}`)) {
        radio.checked = Number(radio.value) === value;
      }
    } else if (prompt.kind === 'text') {
      const area = document.getElementById(`prompt-${prompt.id}`);
      if (area && document.activeElement !== area && !ctx.drafting(prompt.id)) {
        area.value = typeof value === 'string' ? value : '';
      }
      share.update(typeof value === 'string' && value.trim() !== '');
    }
    showSaveState(document.getElementById(`saved-${prompt.id}`), ctx.saveState(prompt.id));
    setText(document.getElementById(`error-${prompt.id}`), ctx.error(prompt.id));
  };
  return { node, update };
}

/** "Del med gruppen" and "med mit navn" for a text answer or one list item. */
function shareControls(ctx, promptId, itemId, idBase) {
  // In a conversation for one (the 1:1) there is no group: what is shared goes to the facilitator.
  const solo = ctx.session()?.participants === 'one';
  const share = checkbox(`share-${idBase}`, ui(solo ? 'share_toggle_solo' : 'share_toggle'), { 'data-testid': 'share-toggle' });
  const named = checkbox(`named-${idBase}`, ui('share_named'), { 'data-testid': 'share-named' });
  const hint = el('p', { class: 'muted small share-hint', id: `share-hint-${idBase}` });
  const node = el('div', { class: 'share-box' }, share.row, named.row, hint);
  const mine = () => ctx.shares().find((s) => s.prompt === promptId && (s.item ?? null) === itemId);
  const send = (on) => {
    ctx.commit(promptId);
    const fields = { action: 'share', prompt: promptId, share: on, named: named.input.checked };
    if (itemId !== null) fields.item = itemId;
    ctx.act(fields);
  };
  share.input.addEventListener('change', () => send(share.input.checked));
  named.input.addEventListener('change', () => {
    if (mine()) send(true);
  });
  return {
    node,
    update(hasContent) {
      const current = mine();
      share.input.checked = Boolean(current);
      share.input.disabled = !hasContent && !current;
      if (current) named.input.checked = current.named;
      named.row.hidden = !ctx.me().name;
      const refused = ctx.error(`act:share:${promptId}:${itemId ?? ''}`);
      hint.classList.toggle('error', Boolean(refused));
      const sharedText = solo ? 'shared_hint_solo' : (current?.named ? 'shared_named_hint' : 'shared_hint');
      setText(hint, refused || (current ? ui(sharedText) : ''));
    },
  };
}

function listPrompt(prompt, ctx) {
  const pid = prompt.id;
  const areas = ctx.step.areas || [];
  const maxItems = prompt.max_items || 10;
  const maxLen = prompt.max_len || 300;
  const list = el('ul', { class: 'list-items', id: `items-${pid}` });
  const newInput = el('input', { type: 'text', id: `new-item-${pid}`, maxlength: maxLen, autocomplete: 'off', enterkeyhint: 'done' });
  const addButton = el('button', { type: 'submit', id: `add-item-${pid}`, text: ui('list_add') });
  const form = el('form', { class: 'add-item', novalidate: true },
    el('label', { for: newInput.id, text: ui('list_new_label') }),
    el('div', { class: 'add-row' }, newInput, addButton));
  const count = el('p', { class: 'muted small', id: `items-count-${pid}`, 'aria-live': 'polite' });
  const node = el('fieldset', { class: 'prompt list', id: `list-${pid}`, 'data-testid': 'list-prompt' },
    el('legend', { text: t(prompt.label) }), list, form, count,
    el('p', { class: 'save-state', id: `saved-${pid}`, 'aria-live': 'polite' }),
    el('p', { class: 'error', id: `error-${pid}`, 'aria-live': 'polite' }));

  const items = () => (Array.isArray(ctx.value(pid)) ? ctx.value(pid) : []);
  const withItems = (next, debounce) => (debounce ? ctx.draft(pid, next) : ctx.answer(pid, next));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = newInput.value.trim();
    if (text === '' || items().length >= maxItems) return;
    const id = clientId('i', items().map((i) => i.id));
    withItems([...items(), { id, text }], false);
    newInput.value = '';
    newInput.focus();
  });

  const createItem = (item) => {
    const iid = item.id;
    const number = el('span', { class: 'item-number', 'aria-hidden': 'true' });
    const label = el('label', { for: `item-${pid}-${iid}`, class: 'visually-hidden' });
    const text = el('textarea', { id: `item-${pid}-${iid}`, rows: 2, maxlength: maxLen, class: 'item-text', 'data-testid': 'list-item-text' });
    text.addEventListener('input', () => {
      withItems(items().map((i) => (i.id === iid ? { ...i, text: text.value } : i)), true);
    });
    text.addEventListener('blur', () => ctx.commit(pid));
    const row = el('li', { class: 'list-item', 'data-testid': 'list-item' }, number, label, text);
    if (areas.length > 0) {
      const select = el('select', { id: `area-${pid}-${iid}` });
      fillOptions(select, [{ value: '', label: ui('area_none') }, ...areas.map((a) => ({ value: a.id, label: t(a.title) }))]);
      select.addEventListener('change', () => {
        ctx.commit(pid);
        withItems(items().map((i) => {
          if (i.id !== iid) return i;
          const next = { id: i.id, text: i.text };
          if (select.value) next.area = select.value;
          return next;
        }), false);
      });
      row.append(el('div', { class: 'field inline' }, el('label', { for: select.id, text: ui('area_label') }), select));
    }
    const share = shareControls(ctx, pid, iid, `${pid}-${iid}`);
    const remove = el('button', { type: 'button', class: 'quiet', id: `remove-${pid}-${iid}`, 'data-testid': 'list-item-remove' });
    remove.addEventListener('click', () => {
      ctx.commit(pid);
      if (ctx.shares().some((s) => s.prompt === pid && s.item === iid)) {
        ctx.act({ action: 'share', prompt: pid, item: iid, share: false, named: false });
      }
      withItems(items().filter((i) => i.id !== iid), false);
      newInput.focus();
    });
    row.append(el('div', { class: 'item-actions' }, share.node, remove));
    row.share = share;
    return row;
  };
  const updateItem = (row, item, index) => {
    const n = index + 1;
    setText(row.querySelector('.item-number'), `${n}.`);
    setText(row.querySelector('label.visually-hidden'), ui('list_item_label', { n }));
    const text = row.querySelector('textarea');
    if (document.activeElement !== text && text.value !== item.text) text.value = item.text;
    const select = row.querySelector('select');
    if (select && document.activeElement !== select) select.value = item.area || '';
    const remove = row.querySelector('button.quiet');
    setText(remove, ui('list_remove'));
    setAttr(remove, 'aria-label', ui('list_remove_label', { n }));
    row.share.update(item.text.trim() !== '');
  };

  const update = () => {
    const current = items();
    reconcile(list, current, (i) => i.id, createItem, updateItem);
    const full = current.length >= maxItems;
    addButton.disabled = full;
    newInput.disabled = full;
    setText(count, ui('list_count', { n: current.length, m: maxItems }));
    showSaveState(document.getElementById(`saved-${pid}`), ctx.saveState(pid));
    setText(document.getElementById(`error-${pid}`), ctx.error(pid));
  };
  return { node, update };
}

const CIRCLE_PHASES = ['now', 'wanted'];
const CIRCLE_DIMS = ['work', 'private', 'overlap'];
const CIRCLE_DEFAULT = { work: 50, private: 50, overlap: 20 };

function circlesPrompt(prompt, ctx) {
  const pid = prompt.id;
  const node = el('fieldset', { class: 'prompt circles', id: `circles-${pid}`, 'data-testid': 'circles-prompt' },
    el('legend', { text: t(prompt.label) }),
    el('p', { class: 'muted small', text: ui('circles_help') }));
  const inputs = {};
  const drawings = {};
  const outputs = {};
  const current = () => {
    const value = ctx.value(pid);
    const pick = (phase) => ({ ...CIRCLE_DEFAULT, ...(value && value[phase]) });
    return { now: pick('now'), wanted: pick('wanted') };
  };
  const fromInputs = () => {
    const value = {};
    for (const phase of CIRCLE_PHASES) {
      value[phase] = {};
      for (const dim of CIRCLE_DIMS) value[phase][dim] = Number(inputs[phase][dim].value);
    }
    return value;
  };
  for (const phase of CIRCLE_PHASES) {
    inputs[phase] = {};
    outputs[phase] = {};
    drawings[phase] = circleDrawing();
    const box = el('fieldset', { class: 'circles-phase' }, el('legend', { text: ui(`circles_${phase}`) }), drawings[phase].node);
    for (const dim of CIRCLE_DIMS) {
      const id = `circles-${pid}-${phase}-${dim}`;
      const input = el('input', { type: 'range', id, min: 0, max: 100, step: 5, 'aria-describedby': `${id}-value` });
      const output = el('output', { id: `${id}-value`, for: id, class: 'range-value' });
      input.addEventListener('input', () => {
        setText(output, input.value);
        const value = fromInputs();
        drawings[phase].draw(value[phase]);
        ctx.draft(pid, value);
      });
      input.addEventListener('change', () => ctx.commit(pid));
      inputs[phase][dim] = input;
      outputs[phase][dim] = output;
      box.append(el('div', { class: 'range-field' },
        el('label', { for: id, text: ui(`circles_${dim}`) }), input, output));
    }
    node.append(box);
  }
  node.append(el('p', { class: 'save-state', id: `saved-${pid}`, 'aria-live': 'polite' }),
    el('p', { class: 'error', id: `error-${pid}`, 'aria-live': 'polite' }));
  const update = () => {
    const value = current();
    for (const phase of CIRCLE_PHASES) {
      for (const dim of CIRCLE_DIMS) {
        const input = inputs[phase][dim];
        if (document.activeElement !== input && !ctx.drafting(pid)) input.value = String(value[phase][dim]);
        setText(outputs[phase][dim], input.value);
      }
      drawings[phase].draw(fromInputs()[phase]);
    }
    showSaveState(document.getElementById(`saved-${pid}`), ctx.saveState(pid));
    setText(document.getElementById(`error-${pid}`), ctx.error(pid));
  };
  return { node, update };
}

/** Two overlapping circles (work, private); decorative — the inputs carry the values. */
function circleDrawing() {
  const work = svg('circle', { class: 'circle-work', cy: 60 });
  const priv = svg('circle', { class: 'circle-private', cy: 60 });
  const workText = svg('text', { class: 'circle-text work', x: 6, y: 136, 'text-anchor': 'start' });
  const privText = svg('text', { class: 'circle-text private', x: 234, y: 136, 'text-anchor': 'end' });
  const node = svg('svg', { class: 'circle-drawing', viewBox: '0 0 240 142', 'aria-hidden': 'true', focusable: 'false' },
    work, priv, workText, privText);
  return {
    node,
    draw({ work: w, private: p, overlap: o }) {
      const r1 = 12 + 40 * Math.sqrt(w / 100);
      const r2 = 12 + 40 * Math.sqrt(p / 100);
      const far = r1 + r2;
      const near = Math.abs(r1 - r2);
      const distance = far - (o / 100) * (far - near);
      setAttr(work, 'cx', (120 - distance / 2).toFixed(1));
      setAttr(work, 'r', r1.toFixed(1));
      setAttr(priv, 'cx', (120 + distance / 2).toFixed(1));
      setAttr(priv, 'r', r2.toFixed(1));
      setText(workText, `● ${ui('circles_work_short')}`);
      setText(privText, `${ui('circles_private_short')} ●`);
    },
  };
}

// ---------------------------------------------------------------------------
// Results: bar charts and shared items (projector and facilitator)

/**
 * A bar chart of one scale prompt's `counts`, updated in place. Plain HTML, so
 * its text keeps its size however small the bars get on a crowded screen.
 */
export function scaleChart(prompt) {
  const values = Array.from({ length: prompt.max - prompt.min + 1 }, (_, i) => prompt.min + i);
  const bars = el('div', { class: 'bars', role: 'img' });
  const caption = el('span', { class: 'chart-caption' });
  const foot = el('p', { class: 'chart-foot' },
    el('span', { text: `${prompt.min} = ${t(prompt.min_label)}` }), caption,
    el('span', { class: 'chart-max', text: `${prompt.max} = ${t(prompt.max_label)}` }));
  const note = el('p', { class: 'chart-note' });
  const wait = el('p', { class: 'chart-note waiting', 'data-testid': 'waiting' });
  const node = el('figure', { class: 'scale-result', 'data-testid': 'scale-chart', 'data-prompt': prompt.id },
    el('figcaption', { class: 'chart-title', text: t(prompt.label) }), bars, foot, note, wait);
  return {
    node,
    update(result, minGroup) {
      const counts = result?.counts ?? null;
      setText(caption, ui('answers_count', { n: result?.n ?? 0 }));
      bars.hidden = counts === null;
      note.hidden = counts !== null;
      setText(note, counts === null ? ui('too_few', { n: minGroup }) : '');
      // Newer answers than the result shows: said in words, never left to look current.
      showWaiting(wait, result?.waiting);
      if (counts === null) return;
      const most = Math.max(1, ...counts);
      reconcile(bars, values, (v) => v, () => el('div', { class: 'bar-col' },
        el('div', { class: 'bar-area' }, el('span', { class: 'bar-count' }), el('span', { class: 'bar' })),
        el('span', { class: 'bar-value' })),
      (col, value, i) => {
        const count = counts[i] ?? 0;
        setText(col.querySelector('.bar-count'), String(count));
        // CSSOM, not a style attribute: allowed under the page's CSP.
        col.querySelector('.bar').style.height = `${((count / most) * 100).toFixed(1)}%`;
        col.classList.toggle('zero', count === 0);
        setText(col.querySelector('.bar-value'), String(value));
      });
      setAttr(bars, 'aria-label', ui('chart_label', {
        list: values.map((v, i) => ui('chart_entry', { v, n: counts[i] ?? 0 })).join(', '),
      }));
    },
  };
}

/**
 * The shared items, grouped by label. `pick` (facilitator) adds a checkbox per
 * item with class share-pick; ungrouped items come last.
 */
export function sharedList({ pick = false } = {}) {
  const node = el('div', { class: 'shared-list', id: 'shared-list', 'aria-live': 'polite' });
  const empty = el('p', { class: 'muted', text: '' });
  const groupsBox = el('div', { class: 'shared-groups' });
  node.append(empty, groupsBox);
  return {
    node,
    selected: () => Array.from(node.querySelectorAll('input.share-pick:checked'), (i) => Number(i.value)),
    clear: () => node.querySelectorAll('input.share-pick:checked').forEach((i) => { i.checked = false; }),
    update(shared) {
      const items = Array.isArray(shared) ? shared : [];
      empty.hidden = items.length > 0;
      setText(empty, ui('shared_none'));
      const order = [];
      const byGroup = new Map();
      for (const item of items) {
        const key = item.group ?? '';
        if (!byGroup.has(key)) {
          byGroup.set(key, []);
          if (key !== '') order.push(key);
        }
        byGroup.get(key).push(item);
      }
      if (byGroup.has('')) order.push('');
      reconcile(groupsBox, order, (g) => `g:${g}`, () => el('section', { class: 'shared-group' },
        el('h3', { class: 'group-title' }), el('ul', { class: 'shared-items' })),
      (section, group) => {
        const heading = section.firstChild;
        setText(heading, group === '' ? (order.length > 1 ? ui('shared_ungrouped') : '') : group);
        heading.hidden = heading.textContent === '';
        reconcile(section.lastChild, byGroup.get(group), (i) => i.id, (item) => {
          const li = el('li', { class: 'shared-item', 'data-testid': 'shared-item', 'data-share': item.id });
          const text = el('span', { class: 'shared-text' });
          const author = el('span', { class: 'shared-author' });
          if (pick) {
            const id = `pick-${item.id}`;
            li.append(el('input', { type: 'checkbox', class: 'share-pick', id, value: item.id }),
              el('label', { for: id, class: 'shared-label' }, text, author));
          } else {
            li.append(text, author);
          }
          return li;
        }, (li, item) => {
          setText(li.querySelector('.shared-text'), item.text);
          const author = li.querySelector('.shared-author');
          setText(author, item.author ? ` — ${item.author}` : '');
          author.hidden = !item.author;
        });
      });
    },
  };
}

/** The mean of a distribution (`counts[i]` for `min + i`), or null. */
function meanOf(min, counts) {
  const n = counts.reduce((a, b) => a + b, 0);
  return n > 0 ? counts.reduce((sum, c, i) => sum + (min + i) * c, 0) / n : null;
}

/**
 * A question's trend (issue 17): its distribution in each meeting that asked it, side by side,
 * this meeting's last ("I dag"); a point the rules hide says why instead of showing numbers.
 */
export function trendChart(prompt) {
  const list = el('ol', { class: 'trend-points' });
  const node = el('figure', { class: 'trend', 'data-testid': 'trend', 'data-prompt': prompt.id },
    el('figcaption', { class: 'trend-title', text: ui('trend_heading') }), list);
  node.hidden = true;
  return {
    node,
    update(points) {
      const all = Array.isArray(points) ? points : [];
      node.hidden = all.length === 0;
      if (all.length === 0) return;
      const when = (p) => (p.current ? ui('trend_today') : formatDate(p.date));
      const most = Math.max(1, ...all.flatMap((p) => (Array.isArray(p.counts) ? p.counts : [])));
      reconcile(list, all, (p, i) => `${i}:${p.date}:${p.current ? 'now' : ''}`, () => el('li', { class: 'trend-point', 'data-testid': 'trend-point' },
        el('span', { class: 'trend-when' }),
        el('span', { class: 'trend-bars', 'aria-hidden': 'true' }),
        el('span', { class: 'trend-ends', 'aria-hidden': 'true' },
          el('span', { text: String(prompt.min) }), el('span', { text: String(prompt.max) })),
        el('span', { class: 'trend-figures' })), (li, p) => {
        const shown = Array.isArray(p.counts) && !p.hidden;
        li.classList.toggle('current', Boolean(p.current));
        li.classList.toggle('hidden-point', !shown);
        li.dataset.hidden = p.hidden || '';
        setText(li.querySelector('.trend-when'), when(p));
        const bars = li.querySelector('.trend-bars');
        bars.hidden = !shown;
        li.querySelector('.trend-ends').hidden = !shown;
        if (shown) {
          reconcile(bars, p.counts, (_, i) => i, () => el('span', { class: 'trend-bar' }), (bar, count) => {
            // CSSOM, not a style attribute: allowed under the page's CSP.
            bar.style.height = `${((count / most) * 100).toFixed(1)}%`;
          });
          const mean = meanOf(prompt.min, p.counts);
          setText(li.querySelector('.trend-figures'), `${ui('trend_mean', { mean: fmt(mean) })} · ${ui('answers_count', { n: p.n })}`);
        } else {
          setText(li.querySelector('.trend-figures'), ui(p.hidden === 'difference' ? 'trend_hidden_difference' : 'trend_hidden_too_few'));
        }
      });
      setAttr(list, 'aria-label', ui('trend_label', {
        list: all.map((p) => (Array.isArray(p.counts) && !p.hidden
          ? ui('trend_entry', { when: when(p), mean: fmt(meanOf(prompt.min, p.counts)), n: p.n })
          : ui('trend_entry_hidden', { when: when(p) }))).join('; '),
      }));
    },
  };
}

/** Charts for every scale prompt of the step, keyed by prompt id; each with its trend. */
function scaleCharts(step) {
  const charts = (step.prompts || []).filter((p) => p.kind === 'scale').map((p) => ({ id: p.id, chart: scaleChart(p), trend: trendChart(p) }));
  // With several charts on one screen, each question gets one line (the full text is in the DOM).
  // Someone deleted their answers: the results stay as shown until more changed theirs (issue 13).
  const held = el('p', { class: 'chart-note held', 'data-testid': 'held', text: ui('results_held') });
  held.hidden = true;
  // The hall of a session with tables adds up the tables that show a result; it says how many
  // it leaves out for too few answers (issue 16).
  const leftOut = el('p', { class: 'chart-note', id: 'tables-left-out', 'data-testid': 'tables-left-out' });
  leftOut.hidden = true;
  const blocks = charts.map((c) => el('div', { class: 'scale-block' }, c.chart.node, c.trend.node));
  const node = el('div', { class: charts.length > 2 ? 'scale-results many' : 'scale-results' }, ...blocks, held, leftOut);
  node.hidden = charts.length === 0;
  return {
    node,
    update(scales, minGroup, isHeld, trends) {
      for (const [i, { id, chart, trend }] of charts.entries()) {
        chart.update((scales || []).find((s) => s.prompt === id), minGroup);
        const points = (trends || []).find((tr) => tr.prompt === id)?.points;
        trend.update(points);
        blocks[i].classList.toggle('with-trend', Array.isArray(points) && points.length > 0);
      }
      node.classList.toggle('with-trends', Array.isArray(trends) && trends.length > 0);
      held.hidden = isHeld !== true;
      const out = Math.max(0, ...(scales || []).map((s) => s.tables_left_out ?? 0));
      leftOut.hidden = out === 0;
      setText(leftOut, out > 0 ? ui(out === 1 ? 'tables_left_out_one' : 'tables_left_out', { n: out }) : '');
    },
  };
}

// ---------------------------------------------------------------------------
// Projector

export function projector(root, ctx) {
  const charts = scaleCharts(ctx.step);
  const shared = roomShared(ctx.step);
  const sharedBox = el('section', { class: 'shared-box' }, el('h2', { text: ui('shared_heading') }), shared.node);
  const results = el('div', { id: 'reflection-results', class: 'reflection-results' }, charts.node, sharedBox);
  const waiting = el('p', { class: 'activity-note', id: 'reflection-waiting' });
  root.replaceChildren(results, waiting);
  return {
    update() {
      const activity = ctx.activity();
      const revealed = Boolean(activity?.revealed) && Array.isArray(activity?.scales);
      results.hidden = !revealed;
      const count = activity?.shared_count ?? 0;
      waiting.hidden = revealed || count === 0;
      setText(waiting, ui('shared_count', { n: count }));
      ctx.setResults(revealed);
      if (!revealed) return;
      charts.update(activity.scales, ctx.session().min_group, activity.held, activity.trends);
      const items = activity.shared || [];
      sharedBox.hidden = items.length === 0;
      results.classList.toggle('only-shared', charts.node.hidden);
      shared.update(items);
    },
  };
}

/**
 * The room's shared items: under the question (prompt) each answers, when the
 * step asks more than one; within it by the facilitator's group labels. The
 * projector shows them in pages when they do not fit (items are
 * li.shared-item, the questions and groups hide with their items).
 */
export function roomShared(step) {
  const asked = (step.prompts || []).filter((p) => p.kind === 'list' || p.kind === 'text');
  const node = el('div', {
    class: 'shared-list', id: 'shared-list', 'aria-live': 'polite', 'data-page-items': 'li.shared-item',
  });
  const box = el('div', { class: 'shared-groups' });
  node.append(box);
  const labelOf = (id) => {
    const prompt = asked.find((p) => p.id === id);
    return prompt ? t(prompt.label) : '';
  };
  return {
    node,
    update(items) {
      // In the step's order of questions; items of an unknown question last.
      const order = asked.map((p) => p.id).filter((id) => items.some((i) => i.prompt === id));
      if (items.some((i) => !order.includes(i.prompt ?? ''))) order.push('');
      const titled = asked.length > 1;
      reconcile(box, order, (id) => `p:${id}`, () => el('section', { class: 'shared-prompt', 'data-page-group': '' },
        el('h3', { class: 'prompt-title' }), el('div', { class: 'prompt-groups' })), (section, id) => {
        const mine = items.filter((i) => (order.includes(i.prompt ?? '') ? (i.prompt ?? '') : '') === id);
        section.dataset.prompt = id;
        const heading = section.firstChild;
        setText(heading, titled ? labelOf(id) : '');
        heading.hidden = heading.textContent === '';
        const groups = [];
        for (const item of mine) if (item.group && !groups.includes(item.group)) groups.push(item.group);
        if (mine.some((i) => !i.group)) groups.push('');
        reconcile(section.lastChild, groups, (g) => `g:${g}`, () => el('section', { class: 'shared-group', 'data-page-group': '' },
          el('h4', { class: 'group-title' }), el('ul', { class: 'shared-items' })), (group, label) => {
          const title = group.firstChild;
          setText(title, label === '' ? (groups.length > 1 ? ui('shared_ungrouped') : '') : label);
          title.hidden = title.textContent === '';
          reconcile(group.lastChild, mine.filter((i) => (i.group ?? '') === label), (i) => i.id, (item) => el('li', {
            class: 'shared-item', 'data-testid': 'shared-item', 'data-share': item.id,
          }, el('span', { class: 'shared-text' }), el('span', { class: 'shared-author' })), (li, item) => {
            setText(li.querySelector('.shared-text'), item.text);
            const author = li.querySelector('.shared-author');
            // In the hall of a session with tables, each item says its table.
            const by = [item.author, Number.isInteger(item.table) ? ui('table_n', { n: item.table }) : null].filter(Boolean);
            setText(author, by.length > 0 ? ` — ${by.join(', ')}` : '');
            author.hidden = by.length === 0;
          });
        });
      });
    },
  };
}

// ---------------------------------------------------------------------------
// Facilitator

/**
 * The console's shared items: under the prompt each answers (`item.prompt`) when the server
 * says which, one list otherwise. The same face as `sharedList({pick: true})`.
 */
function sharedByPrompt(step) {
  const plain = sharedList({ pick: true });
  // The box keeps the list's id, so `#shared-list input.share-pick` finds every item either way.
  plain.node.removeAttribute('id');
  const node = el('div', { class: 'shared-by-prompt', id: 'shared-list' }, plain.node);
  /** prompt id -> {section, list} */
  const byPrompt = new Map();
  const lists = () => [plain, ...Array.from(byPrompt.values(), (g) => g.list)];
  const labelOf = (id) => t((step.prompts || []).find((p) => p.id === id)?.label) || ui('shared_other_prompt');
  return {
    node,
    selected: () => lists().flatMap((l) => l.selected()),
    clear: () => lists().forEach((l) => l.clear()),
    update(shared) {
      const items = Array.isArray(shared) ? shared : [];
      const grouped = items.some((i) => typeof i.prompt === 'string' && i.prompt !== '');
      plain.node.hidden = grouped;
      if (!grouped) {
        plain.update(items);
        for (const g of byPrompt.values()) g.section.hidden = true;
        return;
      }
      plain.update([]);
      const order = [...(step.prompts || []).map((p) => p.id), ...items.map((i) => i.prompt || '')]
        .filter((id, i, all) => all.indexOf(id) === i && items.some((item) => (item.prompt || '') === id));
      for (const [id, g] of byPrompt) g.section.hidden = !order.includes(id);
      order.forEach((id, i) => {
        let g = byPrompt.get(id);
        if (!g) {
          const list = sharedList({ pick: true });
          list.node.id = `shared-list-${id || 'other'}`;
          const heading = el('h4', { class: 'shared-prompt', id: `shared-prompt-${id || 'other'}` });
          const section = el('section', { class: 'shared-prompt-group', 'data-prompt': id, 'aria-labelledby': heading.id }, heading, list.node);
          g = { section, list, heading };
          byPrompt.set(id, g);
        }
        setText(g.heading, labelOf(id));
        const wanted = node.children[i + 1];
        if (g.section !== wanted) node.insertBefore(g.section, wanted || null);
        g.list.update(items.filter((item) => (item.prompt || '') === id));
      });
    },
  };
}

export function facilitator(root, ctx) {
  const reveal = revealButton(ctx);
  const charts = scaleCharts(ctx.step);
  const shared = sharedByPrompt(ctx.step);
  const label = el('input', { type: 'text', id: 'group-label', maxlength: 300, autocomplete: 'off' });
  const apply = el('button', { type: 'submit', id: 'group-apply', text: ui('group_apply') });
  const clear = el('button', { type: 'button', id: 'group-clear', text: ui('group_clear') });
  const groupError = el('p', { class: 'error', id: 'group-error', 'aria-live': 'polite' });
  const groupForm = el('form', { class: 'inline-form group-form', novalidate: true },
    el('div', { class: 'field' }, el('label', { for: label.id, text: ui('group_label') }), label), apply, clear);
  const count = el('p', { class: 'muted', id: 'shared-count', 'aria-live': 'polite' });
  // On a wide screen the charts and the shared items sit side by side, each scrolling in its
  // own region; the reveal and the grouping controls stay in view.
  const resultsHeading = el('h3', { id: 'fac-results-heading', text: ui('results_heading') });
  const solo = ctx.session()?.participants === 'one';
  const sharedHeading = el('h3', { id: 'fac-shared-heading', text: ui(solo ? 'shared_heading_solo' : 'shared_heading') });
  // A programme for one participant has no group results to show (the 1:1).
  const hasCharts = !solo && (ctx.step.prompts || []).some((p) => p.kind === 'scale');
  root.classList.toggle('single', !hasCharts);
  root.replaceChildren(
    el('div', { class: 'fac-head' }, reveal.node),
    el('div', { class: 'fac-scroll fac-results', tabindex: '0', role: 'region', 'aria-labelledby': resultsHeading.id, hidden: !hasCharts },
      resultsHeading,
      el('p', { class: 'muted small', text: ui('results_private_note') }),
      charts.node),
    el('div', { class: 'fac-side' },
      sharedHeading, count,
      el('div', { class: 'fac-scroll', tabindex: '0', role: 'region', 'aria-labelledby': sharedHeading.id }, shared.node),
      groupForm, groupError),
  );
  groupForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const shares = shared.selected();
    const text = label.value.trim();
    setText(groupError, shares.length === 0 ? ui('group_pick') : (text === '' ? ui('group_need_label') : ''));
    if (shares.length === 0 || text === '') return;
    ctx.command({ type: 'act', step: ctx.step.id, action: 'group', shares, label: text }, () => {
      label.value = '';
      shared.clear();
    });
  });
  clear.addEventListener('click', () => {
    const shares = shared.selected();
    setText(groupError, shares.length === 0 ? ui('group_pick') : '');
    if (shares.length === 0) return;
    ctx.command({ type: 'act', step: ctx.step.id, action: 'group', shares, label: null }, () => shared.clear());
  });
  return {
    update() {
      const activity = ctx.activity() || {};
      reveal.update(activity.revealed);
      charts.node.hidden = activity.published === false;
      charts.update(activity.scales, ctx.session().min_group, activity.held, activity.trends);
      setText(count, ui('shared_count', { n: activity.shared_count ?? 0 }));
      shared.update(activity.shared);
      const any = (activity.shared || []).length > 0;
      groupForm.hidden = !any;
    },
  };
}

/** The facilitator's "show on the projector" toggle (reflection, grid, map). */
export function revealButton(ctx, words = {}) {
  const say = { show: 'reveal_show', hide: 'reveal_hide', on: 'reveal_on', off: 'reveal_off', ...words };
  // A programme for one participant (the 1:1) has no group results: no button, a word on why.
  if (ctx.session()?.participants === 'one') {
    return {
      node: el('p', { class: 'muted small reveal-none', id: 'reveal-none', text: ui('reveal_none_one') }),
      update() {},
    };
  }
  const button = el('button', { type: 'button', id: 'reveal-toggle', class: 'primary reveal', 'data-state': 'hidden' });
  const state = el('p', { class: 'muted small', id: 'reveal-state', 'aria-live': 'polite' });
  let revealed = false;
  button.addEventListener('click', () => {
    ctx.command({ type: 'act', step: ctx.step.id, action: 'reveal', revealed: !revealed });
  });
  return {
    node: el('div', { class: 'reveal-box' }, button, state),
    update(value) {
      revealed = Boolean(value);
      setAttr(button, 'data-state', revealed ? 'shown' : 'hidden');
      setText(button, ui(revealed ? say.hide : say.show));
      setText(state, ui(revealed ? say.on : say.off));
    },
  };
}
