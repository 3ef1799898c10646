// The action plan on all three screens.
//
// Phone: the plan as it grows (accepted rows and proposals, marked
// "forslag"; my own proposals still on their way as "sendes…") and a form to
// propose a row. Projector: the accepted rows as a large table by area.
// Facilitator: every row editable inline, accept / take back, move up/down,
// delete (with an inline confirmation), and "Tilføj række" (accepted at once).
//
// Stable ids and test ids:
//   phone        #plan-rows li[data-testid=plan-row] (data-key = row id, data-accepted),
//                #row-form with #row-area, #row-action, #row-first, #row-owner,
//                #row-deadline, #row-follow, #row-answers, #row-submit, #row-status, #row-error
//   projector    #plan-table, tr[data-testid=plan-row][data-row={id}], #plan-empty
//   facilitator  form.plan-row[data-row={id}] with #row-{id}-{field}, #save-{id},
//                #accept-{id}, #up-{id}, #down-{id}, #delete-{id}, #confirm-delete-{id};
//                #new-row-form with #new-row-{field}, #new-row-submit and #new-row-status;
//                the view's prefill({action, answers}) fills the new row (from carried items)

import { el, setText, t, ui, getLang } from './common.js';
import { reconcile, fillOptions, setAttr } from './activity-kit.js';

const FIELDS = [
  { key: 'action', label: 'plan_action', kind: 'textarea', max: 500 },
  { key: 'first_step', label: 'plan_first_step', kind: 'text', max: 500 },
  { key: 'owner', label: 'plan_owner', kind: 'text', max: 100 },
  { key: 'deadline', label: 'plan_deadline', kind: 'date' },
  { key: 'follow_up', label: 'plan_follow_up', kind: 'date' },
  { key: 'answers', label: 'plan_answers', kind: 'text', max: 100 },
];
const SHORT = { first_step: 'first', follow_up: 'follow' };

const rowsOf = (activity) => (Array.isArray(activity?.rows) ? activity.rows : []);
const areaTitle = (step, id) => t((step.areas || []).find((a) => a.id === id)?.title) || id;

/** YYYY-MM-DD as a readable date, or ''. */
export function formatDate(value) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value || '')) return value || '';
  const [y, m, d] = value.split('-').map(Number);
  return new Intl.DateTimeFormat(getLang() === 'da' ? 'da-DK' : 'en-GB', {
    day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC',
  }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** Labelled inputs for a row's fields; `prefix` makes the ids. Returns {nodes, read(), write(row)}. */
function rowInputs(step, prefix, idOf = (key) => `${prefix}-${SHORT[key] || key}`) {
  const area = el('select', { id: idOf('area'), required: true });
  fillOptions(area, (step.areas || []).map((a) => ({ value: a.id, label: t(a.title) })));
  const inputs = { area };
  const nodes = [el('div', { class: 'field' }, el('label', { for: area.id, text: ui('plan_area') }), area)];
  for (const f of FIELDS) {
    const id = idOf(f.key);
    const input = f.kind === 'textarea'
      ? el('textarea', { id, rows: 2, maxlength: f.max, required: f.key === 'action' })
      : el('input', { id, type: f.kind === 'date' ? 'date' : 'text', maxlength: f.max || null, autocomplete: 'off' });
    inputs[f.key] = input;
    const label = ui(f.label) + (f.key === 'action' ? '' : ` ${ui('optional')}`);
    nodes.push(el('div', { class: `field field-${f.key}` }, el('label', { for: id, text: label }), input));
  }
  return {
    nodes,
    inputs,
    read() {
      const row = { area: area.value };
      for (const f of FIELDS) row[f.key] = inputs[f.key].value.trim();
      if (row.answers === '') row.answers = null;
      return row;
    },
    write(row) {
      area.value = row.area || '';
      for (const f of FIELDS) inputs[f.key].value = row[f.key] ?? '';
    },
  };
}

/** A row as read-only text: area, action, details (filled by `fillCard`). */
export function rowCard() {
  const li = el('li', { class: 'plan-card', 'data-testid': 'plan-row' },
    el('p', { class: 'plan-area' }, el('span', { class: 'area-name' }), el('span', { class: 'badge' })),
    el('p', { class: 'plan-action' }),
    el('dl', { class: 'plan-details' }));
  return li;
}

export function fillCard(step, li, row, badge) {
  setText(li.querySelector('.area-name'), areaTitle(step, row.area));
  const b = li.querySelector('.badge');
  setText(b, badge);
  b.hidden = badge === '';
  setText(li.querySelector('.plan-action'), row.action);
  const details = [
    ['plan_first_step', row.first_step], ['plan_owner', row.owner], ['plan_deadline', formatDate(row.deadline)],
    ['plan_follow_up', formatDate(row.follow_up)], ['plan_answers', row.answers || ''],
  ].filter(([, v]) => v);
  reconcile(li.querySelector('dl'), details, ([k]) => k, () => el('div', {}, el('dt'), el('dd')), (div, [k, v]) => {
    setText(div.firstChild, ui(k));
    setText(div.lastChild, v);
  });
}

// ---------------------------------------------------------------------------
// Phone

export function phone(root, ctx) {
  const step = ctx.step;
  const list = el('ul', { class: 'plan-cards', id: 'plan-rows', 'aria-live': 'polite' });
  const empty = el('p', { class: 'muted', id: 'plan-empty', text: ui('plan_empty') });
  const fields = rowInputs(step, 'row');
  const status = el('p', { class: 'status ok', id: 'row-status', role: 'status' });
  const error = el('p', { class: 'error', id: 'row-error', 'aria-live': 'polite' });
  const form = el('form', { id: 'row-form', class: 'row-form', novalidate: true },
    el('fieldset', {}, el('legend', { text: ui('plan_propose') }), ...fields.nodes,
      el('button', { type: 'submit', id: 'row-submit', class: 'primary wide', text: ui('plan_propose_button') }), status, error));
  root.replaceChildren(el('h2', { text: ui('plan_heading') }), empty, list, form);
  fields.inputs.area.value = (step.areas || [])[0]?.id || '';
  let proposed = false;

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const row = fields.read();
    if (row.action === '') {
      setText(error, ui('plan_need_action'));
      setText(status, '');
      fields.inputs.action.focus();
      return;
    }
    setText(error, '');
    proposed = true;
    form.reset();
    fields.inputs.area.value = row.area;
    ctx.act({ action: 'add_row', row });
  });

  return {
    update() {
      const rows = rowsOf(ctx.activity()).map((r) => ({ ...r, key: r.id }));
      const pending = ctx.pendingActs('add_row').map((op) => ({ ...op.row, key: `pending-${op.op}`, pending: true }));
      const all = [...rows, ...pending];
      empty.hidden = all.length > 0;
      reconcile(list, all, (r) => r.key, rowCard, (li, row) => {
        const badge = row.pending ? ui('plan_sending') : (row.accepted ? '' : ui('plan_proposal'));
        fillCard(step, li, row, badge);
        li.dataset.accepted = String(Boolean(row.accepted));
        li.classList.toggle('proposal', !row.accepted);
      });
      const failed = ctx.error('act:add_row');
      if (failed) setText(error, failed);
      // "Sent" only once the server has it; until then it waits in the outbox.
      if (proposed) setText(status, ui(pending.length > 0 ? 'plan_queued' : 'plan_proposed'));
    },
  };
}

// ---------------------------------------------------------------------------
// Projector

export function projector(root, ctx) {
  const step = ctx.step;
  const empty = el('p', { class: 'activity-note', id: 'plan-empty', text: ui('plan_empty_room') });
  const table = el('table', { class: 'plan-table', id: 'plan-table' },
    el('thead', {}, el('tr', {}, ...['plan_action', 'plan_first_step', 'plan_owner', 'plan_deadline', 'plan_follow_up']
      .map((k) => el('th', { scope: 'col', 'data-key': k })))));
  // The plan's rows in pages when they do not all fit (an area's heading goes with its rows).
  const box = el('div', { class: 'plan-box', id: 'plan-box', 'data-page-items': 'tr[data-row]' }, table);
  const tables = tablePlans(null);
  root.replaceChildren(empty, box, tables.node);
  return {
    update() {
      const accepted = rowsOf(ctx.activity()).filter((r) => r.accepted);
      const plenary = tables.update(ctx.activity()?.tables);
      empty.hidden = accepted.length > 0 || plenary;
      box.hidden = accepted.length === 0;
      ctx.setResults(accepted.length > 0 || plenary);
      for (const th of table.querySelectorAll('thead th')) setText(th, ui(th.dataset.key));
      const areas = (step.areas || []).map((a) => a.id).filter((id) => accepted.some((r) => r.area === id));
      const bodies = areas.map((id) => ({ id, rows: accepted.filter((r) => r.area === id) }));
      const head = table.querySelector('thead');
      // Keep one <tbody> per area, after the head, in the areas' order.
      const existing = new Map(Array.from(table.tBodies, (b) => [b.dataset.key, b]));
      let previous = head;
      for (const body of bodies) {
        let tbody = existing.get(body.id);
        if (!tbody) {
          tbody = el('tbody', { 'data-page-group': '' }, el('tr', { class: 'area-row' }, el('th', { scope: 'colgroup', colspan: 5 })));
          tbody.dataset.key = body.id;
        }
        existing.delete(body.id);
        if (previous.nextSibling !== tbody) table.insertBefore(tbody, previous.nextSibling);
        previous = tbody;
        setText(tbody.querySelector('.area-row th'), areaTitle(step, body.id));
        const areaRow = tbody.firstChild;
        const present = new Map(Array.from(tbody.querySelectorAll('tr[data-row]'), (tr) => [tr.dataset.row, tr]));
        let before = areaRow;
        for (const row of body.rows) {
          let tr = present.get(row.id);
          if (!tr) tr = el('tr', { 'data-row': row.id, 'data-testid': 'plan-row' }, ...Array.from({ length: 5 }, () => el('td')));
          present.delete(row.id);
          if (before.nextSibling !== tr) tbody.insertBefore(tr, before.nextSibling);
          before = tr;
          // A row of the hall's plan says which table it came from (issue 16).
          const action = Number.isInteger(row.table) ? `${row.action} (${ui('table_n', { n: row.table })})` : row.action;
          const cells = [action, row.first_step, row.owner, formatDate(row.deadline), formatDate(row.follow_up)];
          Array.from(tr.children).forEach((td, i) => setText(td, cells[i]));
        }
        for (const tr of present.values()) tr.remove();
      }
      for (const tbody of existing.values()) tbody.remove();
    },
  };
}

/**
 * The hall of a session with tables (issue 16): each table's accepted rows, in pages when
 * they do not fit; with `lift` (the console) a button takes a row into the hall's plan.
 * `update(tables)` returns whether there are tables.
 */
function tablePlans(lift) {
  const list = el('ul', { class: 'table-plans', id: 'table-plans' });
  const heading = el('h2', { id: 'table-plans-heading', text: ui('table_plans_heading') });
  const node = el('section', { class: 'table-plans-box', id: 'table-plans-box', 'aria-labelledby': heading.id,
    'data-page-items': '#table-plans li.table-plan-row' }, heading, list);
  node.hidden = true;
  return {
    node,
    update(tables) {
      const all = Array.isArray(tables) ? tables : null;
      node.hidden = all === null;
      if (all === null) return false;
      const rows = all.flatMap((tb) => tb.rows.map((r) => ({ ...r, table: tb.table, key: `${tb.table}:${r.id}` })));
      reconcile(list, rows, (r) => r.key, (r) => {
        const li = el('li', { class: 'table-plan-row', 'data-table': String(r.table), 'data-row': r.id },
          el('strong', { class: 'table-name' }), ' ', el('span', { class: 'table-row-text' }));
        if (lift) {
          const button = el('button', { type: 'button', class: 'small', id: `lift-${r.table}-${r.id}` });
          button.addEventListener('click', () => lift(r));
          li.append(' ', button);
        }
        return li;
      }, (li, r) => {
        setText(li.querySelector('.table-name'), `${ui('table_n', { n: r.table })}:`);
        setText(li.querySelector('.table-row-text'), r.owner ? `${r.action} (${r.owner})` : r.action);
        const button = li.querySelector('button');
        if (button) {
          setText(button, ui('lift_button'));
          setAttr(button, 'aria-label', ui('lift_label', { n: r.table, text: r.action.slice(0, 60) }));
        }
      });
      if (rows.length === 0) list.replaceChildren(el('li', { class: 'muted', text: ui('table_plans_none') }));
      return true;
    },
  };
}

// ---------------------------------------------------------------------------
// Facilitator

/** Write the server's row into a row form, unless it holds unsaved edits or has focus. */
function syncRowForm(form) {
  const row = form.latest;
  if (!row) return;
  const server = JSON.stringify([row.area, row.action, row.first_step, row.owner, row.deadline, row.follow_up, row.answers]);
  const editing = form.contains(document.activeElement) && document.activeElement.matches('input, textarea, select');
  if (form.dataset.server === server || form.dataset.dirty === 'true' || editing) return;
  form.fields.write(row);
  form.dataset.server = server;
}

export function facilitator(root, ctx) {
  const step = ctx.step;
  const act = (fields, done) => ctx.command({ type: 'act', step: step.id, ...fields }, done);
  const list = el('div', { class: 'plan-editor', id: 'plan-editor' });
  const empty = el('p', { class: 'muted', text: ui('plan_empty') });
  const add = rowInputs(step, 'new-row');
  const addError = el('p', { class: 'error', 'aria-live': 'polite' });
  const addStatus = el('p', { class: 'status ok', id: 'new-row-status', role: 'status' });
  const addForm = el('form', { id: 'new-row-form', class: 'row-form', novalidate: true },
    el('fieldset', {}, el('legend', { text: ui('plan_add_row') }), addStatus, el('div', { class: 'row-grid' }, ...add.nodes),
      el('button', { type: 'submit', id: 'new-row-submit', class: 'primary', text: ui('plan_add_row') }), addError));
  add.inputs.area.value = (step.areas || [])[0]?.id || '';
  addForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const row = add.read();
    setText(addError, row.action === '' ? ui('plan_need_action') : '');
    if (row.action === '') return;
    setText(addStatus, '');
    act({ action: 'add_row', row }, () => {
      const area = add.inputs.area.value;
      addForm.reset();
      add.inputs.area.value = area;
    });
  });
  // In the hall of a session with tables: each table's accepted rows, to lift into the hall's plan.
  const tables = tablePlans((row) => act({ action: 'lift', from: row.table, id: row.id }));
  // On a wide screen: the rows scroll in their own region beside the form for a new one.
  root.replaceChildren(el('p', { class: 'muted small fac-head', text: ui('plan_fac_help') }),
    el('div', { class: 'fac-scroll fac-results', tabindex: '0', role: 'region', 'aria-label': ui('plan_rows_region') }, tables.node, empty, list),
    el('div', { class: 'fac-side' }, addForm));

  return {
    /** Fill the new row with a suggestion (e.g. from an earlier meeting) and bring it into view. */
    prefill({ action = '', answers = '' }) {
      add.inputs.action.value = action;
      add.inputs.answers.value = answers || '';
      setText(addError, '');
      setText(addStatus, ui('carried_prefilled'));
      addForm.scrollIntoView({ block: 'center', behavior: 'auto' });
      add.inputs.action.focus({ preventScroll: true });
    },
    update() {
      const rows = rowsOf(ctx.activity());
      tables.update(ctx.activity()?.tables);
      empty.hidden = rows.length > 0;
      reconcile(list, rows, (r) => r.id, (row) => {
        const fields = rowInputs(step, `row-${row.id}`);
        const badge = el('span', { class: 'badge' });
        const save = el('button', { type: 'submit', id: `save-${row.id}`, text: ui('save') });
        const accept = el('button', { type: 'button', id: `accept-${row.id}` });
        const up = el('button', { type: 'button', id: `up-${row.id}`, class: 'quiet', text: '↑' });
        const down = el('button', { type: 'button', id: `down-${row.id}`, class: 'quiet', text: '↓' });
        const remove = el('button', { type: 'button', id: `delete-${row.id}`, class: 'quiet danger', text: ui('delete') });
        const confirm = el('span', { class: 'confirm', hidden: true },
          el('span', { text: ui('plan_confirm_delete') }),
          el('button', { type: 'button', id: `confirm-delete-${row.id}`, class: 'danger', text: ui('plan_confirm_yes') }),
          el('button', { type: 'button', class: 'quiet cancel-delete', text: ui('cancel') }));
        const form = el('form', { class: 'plan-row', 'data-row': row.id, novalidate: true },
          el('p', { class: 'plan-row-head' }, el('strong', { class: 'row-number' }), ' ', badge),
          el('div', { class: 'row-grid' }, ...fields.nodes),
          el('div', { class: 'button-row' }, save, accept, up, down, remove, confirm),
          el('p', { class: 'error', 'aria-live': 'polite' }));
        form.fields = fields;
        // The server's version is written into the fields unless the facilitator is
        // changing them; when they leave the row unchanged, it catches up.
        form.addEventListener('focusout', () => window.setTimeout(() => syncRowForm(form), 0));
        form.addEventListener('input', () => { form.dataset.dirty = 'true'; });
        form.addEventListener('change', () => { form.dataset.dirty = 'true'; });
        form.addEventListener('submit', (event) => {
          event.preventDefault();
          const next = fields.read();
          const problem = next.action === '' ? ui('plan_need_action') : '';
          setText(form.querySelector('.error'), problem);
          if (problem) return;
          act({ action: 'edit_row', id: row.id, row: next }, () => {
            form.dataset.dirty = 'false';
          });
        });
        accept.addEventListener('click', () => act({ action: 'accept_row', id: row.id, accepted: form.dataset.accepted !== 'true' }));
        up.addEventListener('click', () => act({ action: 'move_row', id: row.id, to: Number(form.dataset.index) - 1 }));
        down.addEventListener('click', () => act({ action: 'move_row', id: row.id, to: Number(form.dataset.index) + 1 }));
        remove.addEventListener('click', () => {
          confirm.hidden = false;
          remove.hidden = true;
          confirm.querySelector('button.danger').focus();
        });
        confirm.querySelector('.cancel-delete').addEventListener('click', () => {
          confirm.hidden = true;
          remove.hidden = false;
          remove.focus();
        });
        confirm.querySelector('button.danger').addEventListener('click', () => act({ action: 'delete_row', id: row.id }));
        return form;
      }, (form, row, index) => {
        form.dataset.index = String(index);
        form.dataset.accepted = String(row.accepted);
        form.classList.toggle('proposal', !row.accepted);
        setText(form.querySelector('.row-number'), ui('plan_row_n', { n: index + 1 }));
        setText(form.querySelector('.badge'), ui(row.accepted ? 'plan_accepted' : 'plan_proposal'));
        const accept = form.querySelector(`#accept-${CSS.escape(row.id)}`);
        setText(accept, ui(row.accepted ? 'plan_unaccept' : 'plan_accept'));
        accept.className = row.accepted ? '' : 'primary';
        form.querySelector(`#up-${CSS.escape(row.id)}`).disabled = index === 0;
        form.querySelector(`#down-${CSS.escape(row.id)}`).disabled = index === rows.length - 1;
        setAttr(form.querySelector(`#up-${CSS.escape(row.id)}`), 'aria-label', ui('plan_move_up', { n: index + 1 }));
        setAttr(form.querySelector(`#down-${CSS.escape(row.id)}`), 'aria-label', ui('plan_move_down', { n: index + 1 }));
        form.latest = row;
        syncRowForm(form);
      });
    },
  };
}
