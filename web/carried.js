// What earlier meetings of a series handed on (`session.carried`:
// [{from: {da, en}, kind, text}]), as the facilitator, the projector and the
// phones show it. The facilitator sees everything, grouped by kind; the room
// (projector, phones) sees a short "Det tog vi med fra sidst" list on the
// first step and on plan steps: priorities and agreed plan rows first, the
// most recent meeting first within a kind.
//
// Stable ids and test ids (room): section#carried, #carried-list
// li[data-testid=carried-item][data-kind], #carried-more.

import { el, setText, ui } from './common.js';

/** Kinds in the order the facilitator's panel groups them. */
export const KINDS = ['priority', 'shared', 'note', 'actor', 'row'];
/** Kinds in the order the room sees them: what the group decided comes first. */
const ROOM_ORDER = ['priority', 'row', 'shared', 'note', 'actor'];

/** The carried items of a session, or []. */
export function carriedOf(session) {
  return Array.isArray(session?.carried)
    ? session.carried.filter((c) => c && typeof c.text === 'string' && c.text.trim() !== '')
    : [];
}

/** Whether the room sees the carried list on this step. */
export function roomShowsCarried(session, step) {
  return Boolean(step) && (step.index === 0 || step.kind === 'plan') && carriedOf(session).length > 0;
}

/** A key for "the same meeting": its Danish title, else its English one. */
const meetingKey = (item) => (item.from && (item.from.da || item.from.en)) || '';

/** The items for the room, in the order it should read them. */
export function roomOrder(carried) {
  const meetings = [];
  for (const item of carried) if (!meetings.includes(meetingKey(item))) meetings.push(meetingKey(item));
  const rank = (kind) => {
    const i = ROOM_ORDER.indexOf(kind);
    return i < 0 ? ROOM_ORDER.length : i;
  };
  return carried
    .map((item, index) => ({ item, index }))
    .sort((a, b) => rank(a.item.kind) - rank(b.item.kind)
      || meetings.indexOf(meetingKey(b.item)) - meetings.indexOf(meetingKey(a.item))
      || a.index - b.index)
    .map((x) => x.item);
}

/**
 * Items grouped for the facilitator: [{kind, parts: [{from, items: [{item, index}]}]}],
 * kinds in KINDS order, each kind's items split by the meeting they came from.
 */
export function groupByKind(carried) {
  const groups = [];
  for (const kind of KINDS) {
    const items = carried.map((item, index) => ({ item, index })).filter((x) => x.item.kind === kind);
    if (items.length === 0) continue;
    const parts = [];
    for (const x of items) {
      const last = parts[parts.length - 1];
      if (last && meetingKey(last.from) === meetingKey(x.item)) last.items.push(x);
      else parts.push({ from: x.item, items: [x] });
    }
    groups.push({ kind, parts: parts.map((p) => ({ from: p.from.from, items: p.items })) });
  }
  // Kinds a newer server may add: shown last, as they are.
  const other = carried.map((item, index) => ({ item, index })).filter((x) => !KINDS.includes(x.item.kind));
  if (other.length > 0) groups.push({ kind: 'other', parts: [{ from: null, items: other }] });
  return groups;
}

/**
 * The room's list in `section` (an h2 and a list made here): at most `max`
 * items, then "+ N mere". Hidden when there is nothing to show. With `fits`
 * (a function telling whether the section fits its place on the screen now),
 * items are dropped from the end until it does; `layout` in `update` names the
 * screen's current layout, so a new size or arrangement fits again.
 */
export function roomCarried(section, { max, fits = null }) {
  const heading = el('h2', { class: 'carried-heading', id: 'carried-heading' });
  const list = el('ul', { class: 'carried-list', id: 'carried-list' });
  const more = el('p', { class: 'carried-more', id: 'carried-more' });
  section.setAttribute('aria-labelledby', heading.id);
  section.replaceChildren(heading, list, more);
  let key = null;

  /** Show the first `n` of `ordered`, and how many more there are. */
  const show = (ordered, n) => {
    const shown = ordered.slice(0, n);
    list.replaceChildren(...shown.map((item) => {
      const tag = ui(`carried_tag_${item.kind}`);
      // The tag first: a long text is cut at its end, never the tag.
      return el('li', { class: 'carried-item', 'data-testid': 'carried-item', 'data-kind': item.kind },
        tag === `carried_tag_${item.kind}` ? null : el('span', { class: 'carried-tag', text: tag }),
        el('span', { class: 'carried-text', text: item.text }));
    }));
    list.classList.toggle('many', ordered.length > 4 && shown.length > 1);
    const rest = ordered.length - shown.length;
    setText(more, rest > 0 ? ui('carried_more', { n: rest }) : '');
    more.hidden = rest <= 0;
  };

  return {
    /** Show the session's carried items when `visible`; cheap when nothing changed. */
    update(session, visible, layout = '') {
      const carried = visible ? carriedOf(session) : [];
      section.hidden = carried.length === 0;
      const next = JSON.stringify([ui('carried_room'), carried, layout]);
      if (next === key) return;
      key = next;
      setText(heading, ui('carried_room'));
      const ordered = roomOrder(carried);
      let n = Math.min(max, ordered.length);
      show(ordered, n);
      if (!fits || section.hidden) return;
      while (n > 1 && !fits()) {
        n -= 1;
        show(ordered, n);
      }
    },
  };
}
