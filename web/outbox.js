// The participant's outbox: every operation is stored here before it is sent
// and stays until the server acknowledges (or refuses) it — answers and the
// participant's `act` messages alike. Pure logic over a small storage
// interface ({get, set}) so it can be tested without a browser.

/** Acts where only the newest one counts (the server replaces, never adds). */
const LAST_WINS = new Set(['vote', 'share_plan']);

/** Two ops target the same thing if a newer one makes the older one moot. */
function sameTarget(a, b) {
  if (a.type !== b.type || a.step !== b.step) return false;
  if (a.type === 'answer') return a.prompt === b.prompt;
  if (a.type === 'act') return a.action === b.action && LAST_WINS.has(a.action);
  // Shares, passes, proposals and topics are never merged: each must arrive.
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

  /** The answer still waiting for step+prompt, or null. */
  pendingFor(step, prompt) {
    return this.ops.find((op) => op.type === 'answer' && op.step === step && op.prompt === prompt) ?? null;
  }

  /** Forget everything, including the stored copy. */
  clear() {
    this.ops = [];
    if (typeof this.storage.remove === 'function') this.storage.remove(this.key);
    else this.save();
  }
}

/** Fold one op into a view of `me` ({answers, ready:Set, shares, votes, planShared:Set}). */
function fold(view, op) {
  if (op.type === 'answer') {
    view.answers[op.step] = { ...(view.answers[op.step] || {}) };
    if (op.value === null) delete view.answers[op.step][op.prompt];
    else view.answers[op.step][op.prompt] = op.value;
  } else if (op.type === 'ready') {
    if (op.ready) view.ready.add(op.step);
    else view.ready.delete(op.step);
  } else if (op.type === 'act' && op.action === 'share') {
    const item = op.item ?? null;
    view.shares = view.shares.filter((s) => !(s.step === op.step && s.prompt === op.prompt && (s.item ?? null) === item));
    if (op.share) view.shares.push({ step: op.step, prompt: op.prompt, item, named: Boolean(op.named) });
  } else if (op.type === 'act' && op.action === 'vote') {
    view.votes = { ...view.votes, [op.step]: op.topics.slice() };
  } else if (op.type === 'act' && op.action === 'share_plan') {
    if (op.share) view.planShared.add(op.step);
    else view.planShared.delete(op.step);
  } else if (op.type === 'forget_me') {
    view.answers = {};
    view.shares = [];
    view.votes = {};
    view.planShared = new Set();
  }
}

/**
 * What to display of the participant's own inputs: the server's (from the
 * snapshot's `me`) with queued ops applied on top, in order. Returns
 * {answers, ready: Set, shares: [], votes: {}, planShared: Set}; `me` is not
 * modified.
 */
export function overlay(me, ops) {
  const view = {
    answers: {},
    ready: new Set(me?.ready || []),
    shares: Array.isArray(me?.shares) ? me.shares.slice() : [],
    votes: { ...(me?.votes || {}) },
    planShared: new Set(me?.plan_shared || []),
  };
  for (const [step, prompts] of Object.entries(me?.answers || {})) view.answers[step] = { ...prompts };
  for (const op of ops) fold(view, op);
  return view;
}

/** Fold an acknowledged op into `me` (mutates it) so the display keeps it. */
export function applyToMe(me, op) {
  if (!me) return;
  const view = overlay(me, [op]);
  me.answers = view.answers;
  me.ready = [...view.ready];
  me.shares = view.shares;
  me.votes = view.votes;
  me.plan_shared = [...view.planShared];
  if (op.type === 'forget_me') me.name = null;
}
