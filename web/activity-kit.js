// Small helpers shared by the activity views (activity-*.js): SVG building,
// keyed in-place list updates (no flicker), number formatting, client ids,
// save-state lines and blob downloads (with their button and status line).
// Text always goes in as text nodes.

import { el, setText, ui, getLang } from './common.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element. Attributes as for `el`; children are nodes or strings. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.setAttribute('class', value);
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) throw new Error('use addEventListener');
    else node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** Set an attribute only when it changed. */
export function setAttr(node, name, value) {
  const text = value === null || value === undefined ? null : String(value);
  if (text === null) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== text) {
    node.setAttribute(name, text);
  }
}

/**
 * Make `container`'s children match `items`, keyed by `keyOf(item)`: existing
 * nodes are kept and updated in place (focus, scroll and typed text survive),
 * new ones created, missing ones removed, order fixed with minimal moves.
 */
export function reconcile(container, items, keyOf, create, update = () => {}) {
  const existing = new Map();
  for (const child of Array.from(container.children)) {
    if (child.dataset && child.dataset.key !== undefined) existing.set(child.dataset.key, child);
    else child.remove();
  }
  const seen = new Set();
  let previous = null;
  items.forEach((item, index) => {
    const key = String(keyOf(item, index));
    seen.add(key);
    let node = existing.get(key);
    if (!node) {
      node = create(item, index);
      node.dataset.key = key;
    }
    update(node, item, index);
    const wanted = previous ? previous.nextSibling : container.firstChild;
    if (node !== wanted) container.insertBefore(node, wanted);
    previous = node;
  });
  for (const [key, node] of existing) if (!seen.has(key)) node.remove();
}

/** A number for people: at most one decimal, Danish decimal comma. */
/**
 * The box around a data table: scrolls sideways on a narrow screen, so it can
 * take keyboard focus (WCAG 2.1.1) and is a region named by the table's
 * caption. `visible` false hides the table from the eye, not from screen readers.
 */
export function scrollBox(visible, table, captionId) {
  if (!visible) return el('div', { class: 'visually-hidden' }, table);
  return el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': captionId }, table);
}

export function fmt(value, decimals = 1) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  return new Intl.NumberFormat(getLang() === 'da' ? 'da-DK' : 'en-GB', {
    maximumFractionDigits: decimals,
  }).format(value);
}

/** A client-chosen id (1–32 of A-Za-z0-9-_) not in `taken`. */
export function clientId(prefix, taken = []) {
  const used = new Set(taken);
  for (;;) {
    const bytes = new Uint8Array(4);
    window.crypto.getRandomValues(bytes);
    const id = `${prefix}${Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('')}`.slice(0, 32);
    if (!used.has(id)) return id;
  }
}

/** The text of a save state: 'saving' | 'queued' (kept on the phone until it can be sent) | 'saved' | 'none'. */
export function saveStateText(state) {
  return { saving: ui('saving'), queued: ui('saved_on_phone'), saved: ui('saved') }[state] ?? '';
}

/** Show 'saving' | 'queued' | 'saved' | 'none' in a save-state line. */
export function showSaveState(node, state) {
  if (!node) return;
  setText(node, saveStateText(state));
  node.dataset.state = state;
}

/** A checkbox with its label, as a row. Returns {row, input}. */
export function checkbox(id, labelText, extra = {}) {
  const input = el('input', { type: 'checkbox', id, ...extra });
  const row = el('label', { class: 'check', for: id }, input, el('span', { text: labelText }));
  return { row, input };
}

/** A labelled <select> with options [{value, label}]. Returns {field, select}. */
export function selectField(id, labelText, options, extra = {}) {
  const select = el('select', { id, ...extra });
  fillOptions(select, options);
  const field = el('div', { class: 'field' }, el('label', { for: id, text: labelText }), select);
  return { field, select };
}

/** Replace a select's options, keeping the chosen value when it still exists. */
export function fillOptions(select, options) {
  const current = select.value;
  const same = select.options.length === options.length
    && options.every((o, i) => select.options[i].value === String(o.value) && select.options[i].text === o.label);
  if (same) return;
  select.replaceChildren(...options.map((o) => el('option', { value: o.value, text: o.label })));
  if (options.some((o) => String(o.value) === current)) select.value = current;
}

/** The file name from a Content-Disposition header, else `fallback`. */
export function filenameFrom(disposition, fallback) {
  if (!disposition) return fallback;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1].trim() : fallback;
}

/**
 * Fetch a file with an Authorization header and hand it to the browser as a
 * download (an object URL on a temporary link). Resolves to {name, size,
 * type}; rejects with an Error whose message is the server's, if it gave one.
 */
export async function downloadFile(url, authorization, fallbackName) {
  let response;
  try {
    response = await fetch(url, { headers: { Authorization: authorization }, cache: 'no-store' });
  } catch {
    throw new Error(ui('network_error'));
  }
  if (!response.ok) {
    let message = '';
    try {
      message = (await response.json()).error || '';
    } catch {
      // not JSON
    }
    throw new Error(message || `HTTP ${response.status}`);
  }
  const blob = await response.blob();
  const name = filenameFrom(response.headers.get('Content-Disposition'), fallbackName);
  const href = URL.createObjectURL(blob);
  const link = el('a', { href, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return { name, size: blob.size, type: blob.type };
}

/**
 * A download started from a button, reported in a status line: the button is
 * disabled and the line says "preparing" until the file is handed over, then
 * names the file, or says why it failed (and turns `error`). `request`
 * returns (or resolves to) {url, authorization, name}: the arguments of
 * `downloadFile`; whatever it awaits first (e.g. typed answers settling)
 * happens while the line says "preparing", and a rejection is reported too.
 */
export async function downloadWithStatus(button, status, request) {
  button.disabled = true;
  status.classList.remove('error');
  setText(status, ui('download_preparing'));
  try {
    const { url, authorization, name } = await request();
    const file = await downloadFile(url, authorization, name);
    setText(status, ui('download_done', { name: file.name }));
  } catch (error) {
    status.classList.add('error');
    setText(status, ui('download_failed', { msg: error.message }));
  } finally {
    button.disabled = false;
  }
}

/** Who holds something: a name, "en deltager" or "hele gruppen". */
export function holderText(to) {
  if (!to) return ui('cards_to_room');
  return to.name || ui('cards_to_someone');
}

/** Says how many newer answers wait for the next publication (staff views only carry it). */
export function showWaiting(node, waiting) {
  const n = Number(waiting ?? 0);
  node.hidden = n === 0;
  setText(node, n > 0 ? ui('results_waiting', { n }) : '');
}

/** The legible floor of the room's screen: 28 px at 1920×1080, in proportion at other sizes (issue 12). */
export function roomFloorPx() {
  return 28 * Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
}

/**
 * How big a chart's SVG is drawn, in user units. `fit` (the projector): the
 * size of its box in pixels, so the chart fills its region and its text has
 * the size it says, a little above the legible floor. Otherwise the fallback
 * size, scaled by the browser to its box.
 */
export function chartSize(box, fit, fallback) {
  if (!fit) return fallback;
  const w = Math.round(box.clientWidth);
  const h = Math.round(box.clientHeight);
  if (w < 50 || h < 50) return fallback;
  return { w, h, fs: Math.ceil(roomFloorPx() * 1.12) };
}

/**
 * Markers that would sit on top of each other, nudged apart along a spiral
 * until none is closer than `gap` to another (or after a few tries).
 * `points` are {x, y}; returns new {x, y} in the same order.
 */
export function spreadOut(points, gap, bounds) {
  const placed = [];
  for (const p of points) {
    let { x, y } = p;
    for (let tries = 0; tries < 24 && placed.some((q) => Math.hypot(q.x - x, q.y - y) < gap); tries += 1) {
      const angle = tries * 2.4;
      const radius = gap * (0.6 + tries * 0.18);
      x = p.x + Math.cos(angle) * radius;
      y = p.y + Math.sin(angle) * radius;
      if (bounds) {
        x = Math.min(bounds.x1, Math.max(bounds.x0, x));
        y = Math.min(bounds.y1, Math.max(bounds.y0, y));
      }
    }
    placed.push({ x, y });
  }
  return placed;
}
