// Results brought from elsewhere (issue 17, "Vores lederevaluering") on all three screens.
//
// Every screen sees the figures the facilitator entered: each question's average on its scale
// and how many answered (never fewer than the meeting's minimum: the server refuses them).
// Phone: the figures as a readable list, then the step's own questions (text and keyword
// prompts, answered privately and shared by choice, as in a reflection). Projector: the
// figures as a chart (a bar per question along its scale, in pages when they do not fit) and,
// once revealed, what participants shared. Facilitator: paste a table or choose a CSV file
// and enter it (PUT /api/sessions/{code}/evaluation/{step}); every problem is listed with its
// line and field; the figures now, the reveal and the shared items.
//
// Stable ids and test ids:
//   phone        #evaluation-list li[data-testid=evaluation-row]
//   projector    #evaluation-chart li[data-testid=evaluation-bar], #evaluation-empty
//   facilitator  #evaluation-form with #evaluation-text, #evaluation-file, #evaluation-upload,
//                #evaluation-clear, #evaluation-status, #evaluation-problems li;
//                #evaluation-table tr[data-testid=evaluation-row]

import { el, setText, t, ui, getLang } from './common.js';
import { reconcile, setAttr } from './activity-kit.js';
import { phone as reflectionPhone, roomShared, sharedList, revealButton } from './activity-reflection.js';

const rowsOf = (activity) => (Array.isArray(activity?.rows) ? activity.rows : []);

/** A score as given: up to two decimals, the language's decimal sign. */
export function score(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  return new Intl.NumberFormat(getLang() === 'da' ? 'da-DK' : 'en-GB', { maximumFractionDigits: 2 }).format(value);
}

/** "3,8 på skalaen 1–5". */
function scoreText(row) {
  return ui('evaluation_score', { score: score(row.score), min: row.min, max: row.max });
}

// ---------------------------------------------------------------------------
// Phone

export function phone(root, ctx) {
  const list = el('ul', { class: 'evaluation-list', id: 'evaluation-list' });
  const empty = el('p', { class: 'muted', text: ui('evaluation_none') });
  const prompts = el('div', { class: 'stack' });
  root.replaceChildren(el('h2', { text: ui('evaluation_heading') }), empty, list, prompts);
  // The step's own questions, answered and shared as in a reflection.
  const own = (ctx.step.prompts || []).length > 0 ? reflectionPhone(prompts, ctx) : null;
  return {
    update() {
      const rows = rowsOf(ctx.activity());
      empty.hidden = rows.length > 0;
      reconcile(list, rows, (r, i) => `${i}:${r.item}`, () => el('li', { class: 'evaluation-item', 'data-testid': 'evaluation-row' },
        el('span', { class: 'evaluation-question' }), el('span', { class: 'evaluation-figures' })), (li, row) => {
        setText(li.firstChild, row.item);
        setText(li.lastChild, `${scoreText(row)} · ${ui('evaluation_n', { n: row.n })}`);
      });
      if (own) own.update();
    },
  };
}

// ---------------------------------------------------------------------------
// Projector

/** The figures as bars along each question's scale, with the score and the count in words. */
function evaluationChart() {
  const list = el('ol', { class: 'evaluation-chart', id: 'evaluation-chart' });
  return {
    node: list,
    update(rows) {
      reconcile(list, rows, (r, i) => `${i}:${r.item}`, () => el('li', { class: 'evaluation-bar', 'data-testid': 'evaluation-bar' },
        el('span', { class: 'evaluation-question' }),
        el('span', { class: 'evaluation-track', role: 'img' }, el('span', { class: 'evaluation-fill' })),
        el('span', { class: 'evaluation-figures' })), (li, row) => {
        setText(li.querySelector('.evaluation-question'), row.item);
        const share = row.max > row.min ? (row.score - row.min) / (row.max - row.min) : 0;
        // CSSOM, not a style attribute: allowed under the page's CSP.
        li.querySelector('.evaluation-fill').style.width = `${(Math.min(1, Math.max(0, share)) * 100).toFixed(1)}%`;
        setAttr(li.querySelector('.evaluation-track'), 'aria-label',
          ui('evaluation_bar_label', { item: row.item, score: score(row.score), min: row.min, max: row.max, n: row.n }));
        setText(li.querySelector('.evaluation-figures'), `${scoreText(row)} · ${ui('evaluation_n', { n: row.n })}`);
      });
    },
  };
}

export function projector(root, ctx) {
  const empty = el('p', { class: 'activity-note', id: 'evaluation-empty', text: ui('evaluation_none_room') });
  const chart = evaluationChart();
  const chartBox = el('div', { class: 'evaluation-box', 'data-page-items': 'li.evaluation-bar' }, chart.node);
  const shared = roomShared(ctx.step);
  const sharedBox = el('section', { class: 'shared-box' }, el('h2', { text: ui('shared_heading') }), shared.node);
  const results = el('div', { class: 'evaluation-results' }, chartBox, sharedBox);
  root.replaceChildren(empty, results);
  return {
    update() {
      const activity = ctx.activity();
      const rows = rowsOf(activity);
      const items = activity?.revealed && Array.isArray(activity?.shared) ? activity.shared : [];
      empty.hidden = rows.length > 0;
      chartBox.hidden = rows.length === 0;
      sharedBox.hidden = items.length === 0;
      results.classList.toggle('with-shared', items.length > 0);
      ctx.setResults(rows.length > 0 || items.length > 0);
      chart.update(rows);
      shared.update(items);
    },
  };
}

// ---------------------------------------------------------------------------
// Facilitator

export function facilitator(root, ctx) {
  const minGroup = ctx.session()?.min_group ?? 3;
  const text = el('textarea', { id: 'evaluation-text', rows: 5, spellcheck: 'false', 'aria-describedby': 'evaluation-help' });
  const file = el('input', { type: 'file', id: 'evaluation-file', accept: '.csv,.txt,.tsv,text/csv,text/plain,text/tab-separated-values' });
  const upload = el('button', { type: 'submit', id: 'evaluation-upload', class: 'primary', text: ui('evaluation_upload') });
  const clear = el('button', { type: 'button', id: 'evaluation-clear', class: 'quiet', text: ui('evaluation_clear') });
  const status = el('p', { class: 'status', id: 'evaluation-status', role: 'status', 'aria-live': 'polite' });
  const problems = el('ul', { class: 'error evaluation-problems', id: 'evaluation-problems' });
  const form = el('form', { id: 'evaluation-form', class: 'stack-form evaluation-form', novalidate: true },
    el('h3', { text: ui('evaluation_import_heading') }),
    el('p', { class: 'muted small', id: 'evaluation-help', text: ui('evaluation_format_help', { n: minGroup }) }),
    el('div', { class: 'field' }, el('label', { for: text.id, text: ui('evaluation_paste_label') }), text),
    el('div', { class: 'field' }, el('label', { for: file.id, text: ui('evaluation_file_label') }), file),
    el('div', { class: 'button-row' }, upload, clear), status, problems);
  const tableHeading = el('h3', { id: 'evaluation-rows-heading', text: ui('evaluation_rows_heading') });
  const body = el('tbody');
  const table = el('table', { class: 'data-table evaluation-table', id: 'evaluation-table' },
    el('caption', { class: 'visually-hidden', id: 'evaluation-caption', text: ui('evaluation_rows_heading') }),
    el('thead', {}, el('tr', {}, ...['evaluation_col_item', 'evaluation_col_score', 'evaluation_col_scale', 'evaluation_col_n']
      .map((k) => el('th', { scope: 'col', text: ui(k) })))), body);
  const none = el('p', { class: 'muted', text: ui('evaluation_none') });
  // The figures show on every screen; what the reveal shows is what participants shared.
  const reveal = revealButton(ctx, {
    show: 'reveal_shared_show', hide: 'reveal_shared_hide', on: 'reveal_shared_on', off: 'reveal_shared_off',
  });
  const sharedHeading = el('h3', { id: 'evaluation-shared-heading', text: ui('shared_heading') });
  const shared = sharedList();
  const count = el('p', { class: 'muted small', id: 'evaluation-shared-count' });
  root.replaceChildren(
    el('div', { class: 'fac-head' }, reveal.node),
    el('div', { class: 'fac-scroll fac-results', tabindex: '0', role: 'region', 'aria-labelledby': tableHeading.id },
      tableHeading, none, table, sharedHeading, count, shared.node),
    el('div', { class: 'fac-side' }, form),
  );

  const send = async (bytes, type) => {
    upload.disabled = true;
    clear.disabled = true;
    status.classList.remove('error');
    problems.replaceChildren();
    setText(status, ui('evaluation_uploading'));
    try {
      const response = await fetch(`/api/sessions/${encodeURIComponent(ctx.code)}/evaluation/${encodeURIComponent(ctx.step.id)}`, {
        method: bytes === null ? 'DELETE' : 'PUT',
        headers: bytes === null ? { Authorization: `Bearer ${ctx.token}` } : { Authorization: `Bearer ${ctx.token}`, 'Content-Type': type },
        body: bytes === null ? undefined : bytes,
      });
      const reply = response.status === 204 ? {} : await response.json().catch(() => ({}));
      if (response.ok) {
        setText(status, bytes === null ? ui('evaluation_cleared') : ui('evaluation_uploaded', { n: reply.rows ?? 0 }));
        if (bytes !== null) {
          text.value = '';
          file.value = '';
        }
      } else {
        status.classList.add('error');
        const listed = Array.isArray(reply.problems) ? reply.problems : [];
        setText(status, listed.length > 0 ? ui('evaluation_failed') : (reply.error || `HTTP ${response.status}`));
        problems.replaceChildren(...listed.map((p) => el('li', { text: t(p.message) })));
      }
    } catch {
      status.classList.add('error');
      setText(status, ui('network_error'));
    }
    upload.disabled = false;
    clear.disabled = false;
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files && file.files[0];
    if (chosen) {
      // The file's own bytes: the server reads UTF-8, else Windows-1252 (Excel's CSV).
      await send(await chosen.arrayBuffer(), 'text/csv');
    } else if (text.value.trim() !== '') {
      await send(text.value, 'text/plain; charset=utf-8');
    } else {
      status.classList.add('error');
      setText(status, ui('evaluation_need_text'));
      problems.replaceChildren();
      text.focus();
    }
  });
  clear.addEventListener('click', () => send(null, ''));

  return {
    update() {
      const activity = ctx.activity() || {};
      const rows = rowsOf(activity);
      reveal.update(activity.revealed);
      none.hidden = rows.length > 0;
      table.hidden = rows.length === 0;
      reconcile(body, rows, (r, i) => `${i}:${r.item}`, () => el('tr', { 'data-testid': 'evaluation-row' },
        el('td'), el('td', { class: 'number' }), el('td', { class: 'number' }), el('td', { class: 'number' })), (tr, row) => {
        setText(tr.children[0], row.item);
        setText(tr.children[1], score(row.score));
        setText(tr.children[2], `${row.min}–${row.max}`);
        setText(tr.children[3], String(row.n));
      });
      clear.hidden = rows.length === 0;
      setText(count, ui('shared_count', { n: activity.shared_count ?? 0 }));
      shared.update(activity.shared);
    },
  };
}
