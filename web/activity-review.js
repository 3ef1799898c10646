// The follow-up of earlier action plans (issue 17) on all three screens.
//
// Every screen sees the same rows: the action, the meeting it came from, its owner and
// deadline, its status and note. Phone: anyone (the row's owner, typically) sets a row's status
// with four radio buttons and writes a short note; both go through the outbox and show as
// "sendes…" until the server has them. Projector: the rows as a large table with their status
// in words. Facilitator: the same controls as the phone, and "Tag med i dagens handleplan",
// which adds the row to the programme's first plan step (`carry_on` on that step).
//
// Stable ids and test ids:
//   phone/facilitator  #review-rows > li[data-testid=review-row][data-key={key}] with
//                      input[type=radio][value=done|ongoing|not_started|dropped] (a group per row),
//                      textarea.review-note, button.review-note-save, .review-state;
//                      facilitator also button.review-carry
//   projector          #review-table tr[data-testid=review-row], #review-empty

import { el, setText, t, ui } from './common.js';
import { reconcile, setAttr } from './activity-kit.js';
import { formatDate } from './activity-plan.js';

export const STATUSES = ['done', 'ongoing', 'not_started', 'dropped'];
const MAX_NOTE = 300;

const rowsOf = (activity) => (Array.isArray(activity?.rows) ? activity.rows : []);

/** A status in words, or "no status yet". */
export function statusText(status) {
  return STATUSES.includes(status) ? ui(`status_${status}`) : ui('status_none');
}

/** "Fra Del 3 — …, 9. mar. 2027". */
function fromText(row) {
  return ui('review_from', { title: t(row.from?.title), date: formatDate(row.from?.date) });
}

/**
 * The rows as cards with their status and note controls. `send(row, status, note)` sends a
 * change; `pending(key)` is a change of this row still on its way ({status, note}) or null;
 * `carry` (the console) carries a row on into today's plan.
 */
function reviewCards(root, { send: post, pending = () => null, error = () => '', carry = null, planStep = () => null }) {
  const list = el('ol', { class: 'review-rows', id: 'review-rows' });
  // What this screen sent, shown until the server's rows say it (its ack may come before the
  // new rows do) — or for a few seconds at most, should it have been refused.
  const sent = new Map();
  // Rows this screen changed: once the server has the change, they say "gemt ✓".
  const changed = new Set();
  const send = (row, status, note) => {
    sent.set(row.key, { status, note, at: Date.now() });
    changed.add(row.key);
    post(row, status, note);
  };
  const shownFor = (row) => {
    const mine = sent.get(row.key);
    const stale = mine && (Date.now() - mine.at > 5000 || error(row.key)
      || ((row.status ?? null) === mine.status && (row.note ?? '') === mine.note));
    if (stale) sent.delete(row.key);
    return pending(row.key) || (stale ? null : mine) || null;
  };
  const empty = el('p', { class: 'muted', id: 'review-empty', text: ui('review_none') });
  root.append(empty, list);
  return {
    update(rows) {
      empty.hidden = rows.length > 0;
      reconcile(list, rows, (r) => r.key, (row, i) => {
        const id = `review-${i}-${Math.random().toString(36).slice(2, 7)}`;
        const action = el('h3', { class: 'review-action', id: `${id}-action` });
        const radios = STATUSES.map((status) => {
          const input = el('input', { type: 'radio', name: `status-${id}`, value: status, id: `${id}-${status}` });
          input.addEventListener('change', () => {
            if (input.checked) send(li.latest, status, note.value.trim());
          });
          return el('label', { class: 'choice status-choice', for: input.id, 'data-status': status }, input,
            el('span', { text: statusText(status) }));
        });
        const legend = el('legend', { text: ui('review_status_legend') });
        const statusBox = el('fieldset', { class: 'status-set' }, legend, el('div', { class: 'choices row' }, ...radios));
        const note = el('textarea', { id: `${id}-note`, class: 'review-note', rows: 2, maxlength: MAX_NOTE });
        const save = el('button', { type: 'button', class: 'review-note-save small', text: ui('review_note_save') });
        // The status as the row shows it now (a change may be on its way), with the note.
        const chosen = () => li.querySelector('input[type=radio]:checked')?.value ?? null;
        save.addEventListener('click', () => send(li.latest, chosen(), note.value.trim()));
        note.addEventListener('keydown', (event) => {
          if (event.key === 'Enter' && !event.shiftKey) {
            event.preventDefault();
            save.click();
          }
        });
        const noteBox = el('div', { class: 'field review-note-field' },
          el('label', { for: note.id, text: ui('review_note_label') }), note, save);
        const carried = el('p', { class: 'review-carried', text: ui('review_carried') });
        const li = el('li', { class: 'review-card', 'data-testid': 'review-row', 'aria-labelledby': action.id },
          el('p', { class: 'review-from small muted' }), action,
          el('dl', { class: 'plan-details review-details' }),
          el('p', { class: 'review-last small' }),
          statusBox, noteBox, carried,
          el('p', { class: 'review-state save-state small', 'aria-live': 'polite' }));
        if (carry) {
          const button = el('button', { type: 'button', class: 'review-carry small' });
          button.addEventListener('click', () => carry(li.latest));
          li.append(button);
        }
        return li;
      }, (li, row) => {
        li.latest = row;
        li.dataset.key = row.key;
        const waiting = shownFor(row);
        const status = waiting ? waiting.status : row.status;
        setText(li.querySelector('.review-from'), fromText(row));
        setText(li.querySelector('.review-action'), row.action);
        const details = [
          ['plan_owner', row.owner], ['plan_deadline', formatDate(row.deadline)], ['plan_first_step', row.first_step],
          ['plan_area', row.area],
        ].filter(([, v]) => v);
        reconcile(li.querySelector('dl'), details, ([k]) => k, () => el('div', {}, el('dt'), el('dd')), (div, [k, v]) => {
          setText(div.firstChild, ui(k));
          setText(div.lastChild, v);
        });
        const last = li.querySelector('.review-last');
        const lastText = row.last_status ? ui('review_last', { status: statusText(row.last_status) }) : '';
        setText(last, row.last_note ? `${lastText} – ${row.last_note}` : lastText);
        last.hidden = !row.last_status && !row.last_note;
        li.dataset.status = status ?? '';
        for (const input of li.querySelectorAll('input[type=radio]')) input.checked = input.value === status;
        const note = li.querySelector('textarea');
        const noteNow = waiting ? waiting.note : row.note;
        if (document.activeElement !== note && li.dataset.note !== noteNow) {
          note.value = noteNow ?? '';
          li.dataset.note = noteNow ?? '';
        }
        li.querySelector('.review-carried').hidden = !row.carried;
        const state = li.querySelector('.review-state');
        const refused = error(row.key);
        state.classList.toggle('error', Boolean(refused));
        const stored = !pending(row.key) && changed.has(row.key) && !sent.has(row.key);
        setText(state, refused || (pending(row.key) ? ui('plan_sending') : (stored ? ui('saved') : '')));
        state.dataset.state = refused ? 'error' : (stored ? 'saved' : 'saving');
        const button = li.querySelector('.review-carry');
        if (button) {
          const target = planStep();
          button.hidden = !target || row.carried;
          setText(button, ui('review_carry'));
          setAttr(button, 'aria-label', ui('review_carry_label', { text: row.action.slice(0, 60) }));
        }
      });
    },
  };
}

// ---------------------------------------------------------------------------
// Phone

export function phone(root, ctx) {
  const heading = el('h2', { text: ui('review_heading') });
  const box = el('div', { class: 'review-box' });
  root.replaceChildren(heading, box);
  const cards = reviewCards(box, {
    send: (row, status, note) => ctx.act({ action: 'review', row: row.key, status, note }),
    pending: (key) => {
      const ops = ctx.pendingActs('review').filter((op) => op.row === key);
      return ops.length > 0 ? ops[ops.length - 1] : null;
    },
    error: () => ctx.error('act:review'),
  });
  return {
    update() {
      cards.update(rowsOf(ctx.activity()));
    },
  };
}

// ---------------------------------------------------------------------------
// Projector

export function projector(root, ctx) {
  const empty = el('p', { class: 'activity-note', id: 'review-empty', text: ui('review_none') });
  const head = el('thead', {}, el('tr', {}, ...['plan_action', 'plan_owner', 'review_col_status', 'review_col_note']
    .map((k) => el('th', { scope: 'col', 'data-key': k }))));
  const body = el('tbody');
  const table = el('table', { class: 'plan-table review-table', id: 'review-table' }, head, body);
  // The rows in pages when they do not all fit.
  const box = el('div', { class: 'plan-box review-box', 'data-page-items': 'tr[data-testid=review-row]' }, table);
  root.replaceChildren(empty, box);
  return {
    update() {
      const rows = rowsOf(ctx.activity());
      empty.hidden = rows.length > 0;
      box.hidden = rows.length === 0;
      ctx.setResults(rows.length > 0);
      for (const th of head.querySelectorAll('th')) setText(th, ui(th.dataset.key));
      reconcile(body, rows, (r) => r.key, () => el('tr', { 'data-testid': 'review-row' },
        el('td', {}, el('span', { class: 'review-action' }), el('span', { class: 'review-from' })),
        el('td'), el('td', {}, el('span', { class: 'status-badge' })), el('td')), (tr, row) => {
        tr.dataset.key = row.key;
        setText(tr.querySelector('.review-action'), row.action);
        setText(tr.querySelector('.review-from'), ui('review_agreed', { date: formatDate(row.from?.date) }));
        setText(tr.children[1], row.owner);
        const badge = tr.querySelector('.status-badge');
        // A row carried on says so; with its status where it has one.
        const words = row.carried
          ? (row.status ? `${statusText(row.status)} · ${ui('review_carried')}` : ui('review_carried'))
          : statusText(row.status);
        setText(badge, words);
        badge.dataset.status = row.status ?? '';
        setText(tr.children[3], row.note);
      });
    },
  };
}

// ---------------------------------------------------------------------------
// Facilitator

export function facilitator(root, ctx) {
  const act = (fields, done) => ctx.command({ type: 'act', step: ctx.step.id, ...fields }, done);
  const noPlan = el('p', { class: 'muted small', id: 'review-no-plan', text: ui('review_no_plan') });
  const region = el('div', { class: 'fac-scroll fac-results review-scroll', tabindex: '0', role: 'region',
    'aria-label': ui('review_rows_region') });
  root.replaceChildren(el('p', { class: 'muted small fac-head', text: ui('review_fac_help') }), noPlan, region);
  const cards = reviewCards(region, {
    send: (row, status, note) => act({ action: 'review', row: row.key, status, note }),
    planStep: () => ctx.activity()?.plan_step ?? null,
    carry: (row) => {
      const step = ctx.activity()?.plan_step;
      if (step) ctx.command({ type: 'act', step, action: 'carry_on', row: row.key });
    },
  });
  return {
    update() {
      const activity = ctx.activity();
      const rows = rowsOf(activity);
      noPlan.hidden = rows.length === 0 || Boolean(activity?.plan_step);
      cards.update(rows);
    },
  };
}
