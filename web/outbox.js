// The participant's outbox: every operation is stored here before it is sent
// and stays until the server acknowledges (or refuses) it. Pure logic over a
// small storage interface ({get, set}) so it can be tested without a browser.

/** Two ops target the same thing if a newer one makes the older one moot. */
function sameTarget(a, b) {
  if (a.type !== b.type || a.step !== b.step) return false;
  if (a.type === 'answer') return a.prompt === b.prompt;
  return a.type === 'ready';
}

export class Outbox {
  /**
   * @param {string} key storage key, e.g. `trivsel:{CODE}:outbox`
   * @param {{get(key, fallback), set(key, value), remove?(key)}} storage
   * @param {() => string} newId generator for operation ids
   */
  constructor(key, storage, newId) {
    this.key = key;
    this.storage = storage;
    this.newId = newId;
    const saved = storage.get(key, []);
    // The in-memory list is authoritative for this page; storage is a copy.
    this.ops = Array.isArray(saved) ? saved.filter((op) => op && typeof op.op === 'string') : [];
  }

  list() {
    return this.ops.slice();
  }

  save() {
    this.storage.set(this.key, this.ops);
  }

  /**
   * Add an operation (without `op` id; one is assigned). An older pending op
   * for the same step+prompt (or the same step's ready flag) is replaced: the
   * new op gets a fresh id, so a server that already stored the old one
   * still applies the new value rather than treating it as a duplicate.
   */
  add(fields) {
    const op = { ...fields, op: this.newId() };
    this.ops = this.ops.filter((old) => !sameTarget(old, op));
    this.ops.push(op);
    this.save();
    return op;
  }

  /** Remove by id; returns the removed op or null if it was not queued. */
  remove(opId) {
    const index = this.ops.findIndex((op) => op.op === opId);
    if (index < 0) return null;
    const [op] = this.ops.splice(index, 1);
    this.save();
    return op;
  }

  /** Give every queued op a new id (used after re-joining as a new participant). */
  renewIds() {
    this.ops = this.ops.map((op) => ({ ...op, op: this.newId() }));
    this.save();
  }

  /** Is anything still waiting for step+prompt? */
  pendingFor(step, prompt) {
    return this.ops.some((op) => op.type === 'answer' && op.step === step && op.prompt === prompt);
  }

  /** Forget everything, including the stored copy. */
  clear() {
    this.ops = [];
    if (typeof this.storage.remove === 'function') this.storage.remove(this.key);
    else this.save();
  }
}

/**
 * The answers and ready flags to display: the server's (from the snapshot,
 * `me.answers` / `me.ready`) with queued ops applied on top, in order.
 * Returns fresh objects; inputs are not modified.
 */
export function overlay(answers, ready, ops) {
  const shown = {};
  for (const [step, prompts] of Object.entries(answers || {})) shown[step] = { ...prompts };
  const readySet = new Set(ready || []);
  for (const op of ops) {
    if (op.type === 'answer') {
      shown[op.step] = shown[op.step] || {};
      shown[op.step][op.prompt] = op.value;
    } else if (op.type === 'ready') {
      if (op.ready) readySet.add(op.step);
      else readySet.delete(op.step);
    }
  }
  return { answers: shown, ready: readySet };
}

/** Fold an acknowledged op into `me` (mutates it) so the display keeps it. */
export function applyToMe(me, op) {
  if (!me) return;
  if (op.type === 'answer') {
    me.answers = me.answers || {};
    me.answers[op.step] = me.answers[op.step] || {};
    me.answers[op.step][op.prompt] = op.value;
  } else if (op.type === 'ready') {
    const set = new Set(me.ready || []);
    if (op.ready) set.add(op.step);
    else set.delete(op.step);
    me.ready = [...set];
  }
}
