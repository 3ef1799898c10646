// Dialogue cards on all three screens.
//
// Phone: the card in play, big; "Det er din tur" with a pass button for its
// holder, else who has it. Projector: the card very large, who has it, "Kort 3
// af 9" and the facilitator's notes (the countdown is the page's own timer).
// Facilitator: deal to the room or in turn, deal a chosen card to someone,
// pass, notes, add a card, a talk timer.
//
// Stable ids and test ids (all screens): #card-text [data-testid=card-text],
// #card-holder [data-testid=card-holder], #card-count, #card-waiting.
//   phone        #card-pass [data-testid=card-pass], #card-passed
//   projector    #card-notes
//   facilitator  #deal-room, #deal-turn, #deal-card, #deal-to, #deal-chosen,
//                #card-pass, #note-text, #note-add, #card-notes, #new-card, #add-card,
//                #talk-minutes, #talk-start

import { el, setText, t, ui } from './common.js';
import { reconcile, fillOptions, holderText } from './activity-kit.js';

/** How many of the card's notes the projector shows (the newest). */
const PROJECTOR_NOTES = 4;

/** The parts every screen shows: count, card text, holder, waiting line. */
function cardFace(big) {
  const count = el('p', { class: 'card-count', id: 'card-count' });
  const text = el('blockquote', { class: `dialog-card${big ? ' big' : ''}`, id: 'card-text', 'data-testid': 'card-text' });
  const holder = el('p', { class: 'card-holder', id: 'card-holder', 'data-testid': 'card-holder' });
  const waiting = el('p', { class: 'activity-note', id: 'card-waiting', text: ui('cards_waiting') });
  const live = el('div', { class: 'card-face', 'aria-live': 'polite' }, count, text, holder);
  return {
    node: el('div', { class: 'card-view' }, waiting, live),
    update(activity, holderLine) {
      const current = activity?.current ?? null;
      waiting.hidden = current !== null;
      live.hidden = current === null;
      if (!current) return null;
      setText(count, ui('cards_count', { n: activity.dealt_count, m: activity.deck_size }));
      setText(text, t(current.card.text));
      setText(holder, holderLine(current));
      return current;
    },
  };
}

export function phone(root, ctx) {
  const face = cardFace(false);
  const pass = el('button', { type: 'button', id: 'card-pass', class: 'wide', 'data-testid': 'card-pass', text: ui('cards_pass') });
  const passed = el('p', { class: 'muted', id: 'card-passed', text: ui('cards_passed') });
  const error = el('p', { class: 'error', id: 'card-error', 'aria-live': 'polite' });
  pass.addEventListener('click', () => ctx.act({ action: 'pass' }));
  root.replaceChildren(face.node, pass, passed, error);
  return {
    update() {
      const mine = (c) => c.to && c.to.id === ctx.me().id;
      // A passed card names nobody (the server leaves out whose it was): the line below says
      // it was passed.
      const current = face.update(ctx.activity(), (c) => {
        if (c.passed) return '';
        if (mine(c)) return ui('cards_your_turn');
        return ui('cards_holder', { who: holderText(c.to) });
      });
      const myTurn = Boolean(current && mine(current));
      const pending = ctx.pendingAct('pass');
      pass.hidden = !myTurn || current.passed || pending;
      passed.hidden = !current || !current.passed;
      face.node.classList.toggle('my-turn', myTurn && !current.passed);
      setText(error, ctx.error('act:pass'));
    },
  };
}

/**
 * The hall of a session with tables (issue 16): each table's card in play, side by side, in
 * pages when there are many tables.
 */
function tableCards() {
  const list = el('ul', { class: 'table-cards', id: 'table-cards' });
  const node = el('div', { class: 'table-cards-box', id: 'table-cards-box', 'data-page-items': '#table-cards > li' },
    el('h2', { text: ui('table_cards_heading') }), list);
  return {
    node,
    update(tables) {
      node.hidden = !Array.isArray(tables);
      reconcile(list, tables || [], (x) => x.table, (x) => el('li', { 'data-table': String(x.table) },
        el('strong', { class: 'table-name' }), ' ', el('span', { class: 'table-card-text' })), (li, x) => {
        setText(li.querySelector('.table-name'), `${ui('table_n', { n: x.table })}:`);
        const card = x.current;
        setText(li.querySelector('.table-card-text'), card
          ? `${t(card.card.text)}${card.passed ? ` (${ui('cards_passed')})` : ''}`
          : ui('table_card_none'));
      });
    },
  };
}

export function projector(root, ctx) {
  const face = cardFace(true);
  const notes = el('ul', { class: 'card-notes', id: 'card-notes', 'aria-live': 'polite' });
  // The notes take the room the card leaves; in pages when they need more.
  const notesBox = el('div', { class: 'card-notes-box', id: 'card-notes-box', 'data-page-items': '#card-notes > li' }, notes);
  const tables = tableCards();
  root.replaceChildren(face.node, notesBox, tables.node);
  return {
    update() {
      const plenary = Array.isArray(ctx.activity()?.tables);
      tables.update(ctx.activity()?.tables);
      face.node.hidden = plenary;
      notesBox.hidden = plenary;
      if (plenary) {
        ctx.setResults(true);
        return;
      }
      // A passed card names nobody on the room's screen.
      const current = face.update(ctx.activity(), (c) => (c.passed
        ? ui('cards_passed')
        : (c.to ? ui('cards_holder', { who: holderText(c.to) }) : ui('cards_room_talks'))));
      ctx.setResults(Boolean(current));
      // The newest notes; older ones are in the export.
      const all = current?.notes || [];
      const recent = all.slice(-PROJECTOR_NOTES).map((note, i) => ({ note, key: all.length - PROJECTOR_NOTES + i }));
      reconcile(notes, recent, (n) => n.key, () => el('li'), (li, n) => setText(li, n.note));
    },
  };
}

export function facilitator(root, ctx) {
  const step = ctx.step.id;
  const face = cardFace(false);
  const tables = tableCards();
  const act = (fields, done) => ctx.command({ type: 'act', step, ...fields }, done);

  const dealRoom = el('button', { type: 'button', id: 'deal-room', class: 'primary', text: ui('cards_deal_room') });
  const dealTurn = el('button', { type: 'button', id: 'deal-turn', class: 'primary', text: ui('cards_deal_turn') });
  const pass = el('button', { type: 'button', id: 'card-pass', text: ui('cards_pass') });
  dealRoom.addEventListener('click', () => act({ action: 'deal', to: 'room' }));
  dealTurn.addEventListener('click', () => act({ action: 'deal', to: 'turn' }));
  pass.addEventListener('click', () => act({ action: 'pass' }));

  const cardSelect = el('select', { id: 'deal-card' });
  const toSelect = el('select', { id: 'deal-to' });
  const dealChosen = el('button', { type: 'submit', id: 'deal-chosen', text: ui('cards_deal_chosen') });
  const dealForm = el('form', { class: 'stack-form', novalidate: true },
    el('div', { class: 'field' }, el('label', { for: cardSelect.id, text: ui('cards_pick_card') }), cardSelect),
    el('div', { class: 'field' }, el('label', { for: toSelect.id, text: ui('cards_pick_to') }), toSelect),
    dealChosen);
  dealForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (cardSelect.value) act({ action: 'deal', card: cardSelect.value, to: toSelect.value || 'room' });
  });

  const minutes = el('input', { type: 'number', id: 'talk-minutes', min: 0.5, max: 60, step: 'any', value: 3, inputmode: 'decimal' });
  const talkStart = el('button', { type: 'submit', id: 'talk-start', text: ui('cards_talk_start') });
  const talkError = el('p', { class: 'error', 'aria-live': 'polite' });
  const talkForm = el('form', { class: 'inline-form', novalidate: true },
    el('div', { class: 'field narrow-field' }, el('label', { for: minutes.id, text: ui('cards_talk_minutes') }), minutes), talkStart);
  talkForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = Number(String(minutes.value).replace(',', '.'));
    const valid = Number.isFinite(value) && value > 0 && value <= 240;
    setText(talkError, valid ? '' : ui('timer_minutes_invalid'));
    if (valid) ctx.command({ type: 'timer_start', seconds: Math.round(value * 60) });
  });

  const noteText = el('textarea', { id: 'note-text', rows: 2, maxlength: 1000 });
  const noteAdd = el('button', { type: 'submit', id: 'note-add', text: ui('cards_note_add') });
  const noteForm = el('form', { class: 'stack-form', novalidate: true },
    el('div', { class: 'field' }, el('label', { for: noteText.id, text: ui('cards_note_label') }), noteText), noteAdd);
  noteForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = noteText.value.trim();
    if (text) act({ action: 'note', text }, () => { noteText.value = ''; });
  });
  const notes = el('ul', { class: 'card-notes', id: 'card-notes' });

  const newCard = el('input', { type: 'text', id: 'new-card', maxlength: 300, autocomplete: 'off' });
  const addCard = el('button', { type: 'submit', id: 'add-card', text: ui('cards_add') });
  const addForm = el('form', { class: 'inline-form', novalidate: true },
    el('div', { class: 'field' }, el('label', { for: newCard.id, text: ui('cards_add_label') }), newCard), addCard);
  addForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = newCard.value.trim();
    if (text) act({ action: 'add_card', text }, () => { newCard.value = ''; });
  });

  let lastDealt = null;
  // On a wide screen: the card, its buttons and the notes on the left, the other forms on the right.
  root.replaceChildren(
    el('div', { class: 'fac-main' },
      tables.node,
      face.node,
      el('p', { class: 'muted', id: 'card-pass-state', 'aria-live': 'polite' }),
      el('div', { class: 'button-row' }, dealRoom, dealTurn, pass),
      el('section', { class: 'card-notes-section' }, el('h3', { text: ui('cards_notes_heading') }), noteForm, notes)),
    el('div', { class: 'fac-side console-columns' },
      el('section', {}, el('h3', { text: ui('cards_talk_heading') }), talkForm, talkError),
      el('section', {}, el('h3', { text: ui('cards_choose_heading') }), dealForm),
      el('section', {}, el('h3', { text: ui('cards_add_heading') }), addForm)),
  );
  return {
    update() {
      const activity = ctx.activity() || {};
      // The hall of a session with tables: "Uddel" deals at every table at once.
      tables.update(activity.tables);
      // In the hall, each table has its own card: the console deals at all of them at once.
      const plenary = Array.isArray(activity.tables);
      face.node.hidden = plenary;
      pass.hidden = plenary;
      dealTurn.hidden = plenary;
      setText(dealRoom, ui(plenary ? 'cards_deal_tables' : 'cards_deal_room'));
      const current = face.update(activity, (c) => ui('cards_holder', { who: holderText(c.to) }));
      const passState = root.querySelector('#card-pass-state');
      setText(passState, current?.passed ? ui('cards_passed') : '');
      pass.disabled = !current || current.passed;
      noteAdd.disabled = !current;
      const deck = Array.isArray(activity.deck) ? activity.deck : [];
      const sorted = [...deck.filter((c) => !c.dealt), ...deck.filter((c) => c.dealt)];
      const dealtKey = deck.filter((c) => c.dealt).map((c) => c.id).join(',');
      const short = (text) => (text.length > 70 ? `${text.slice(0, 68)}…` : text);
      fillOptions(cardSelect, sorted.map((c) => ({
        value: c.id,
        label: c.dealt ? `${short(t(c.text))} ${ui('cards_used')}` : short(t(c.text)),
      })));
      // After a deal, offer the next unused card again.
      if (dealtKey !== lastDealt && document.activeElement !== cardSelect && sorted.length > 0) {
        cardSelect.value = sorted[0].id;
      }
      lastDealt = dealtKey;
      const people = Array.isArray(activity.participants) ? activity.participants : [];
      fillOptions(toSelect, [
        { value: 'room', label: ui('cards_to_room_option') },
        { value: 'turn', label: ui('cards_to_turn_option') },
        ...people.map((p, i) => ({ value: p.id, label: p.name || ui('participant_n', { n: i + 1 }) })),
      ]);
      const left = deck.filter((c) => !c.dealt).length;
      dealRoom.disabled = left === 0;
      dealTurn.disabled = left === 0 || people.length === 0;
      reconcile(notes, current?.notes || [], (_, i) => i, () => el('li'), (li, note) => setText(li, note));
    },
  };
}
