// The end of a meeting: what the group agreed. The server sends every
// accepted action-plan row of the meeting's plan steps with their areas
// (null when there are none); the projector shows them as the plan table,
// each phone as a list to take away. The facilitator already has the export.
//
// Stable ids: phone #agreed-rows li[data-testid=plan-row]; projector as the
// plan step's (#plan-table, tr[data-row={step}:{row}]).

import { el, ui } from './common.js';
import { reconcile } from './activity-kit.js';
import * as plan from './activity-plan.js';

/** The plan rows as a plan step would hold them, with the areas they came with. */
function asPlanStep(ctx) {
  const agreed = () => ctx.activity() || {};
  return {
    step: { ...ctx.step, areas: agreed().areas || [] },
    activity: () => ({ rows: agreed().rows || [] }),
  };
}

/** Phone and facilitator: the agreed rows as cards, under a heading (both hidden without rows). */
export function phone(root, ctx) {
  const heading = el('h2', { text: ui('agreed_heading') });
  const list = el('ul', { class: 'plan-cards', id: 'agreed-rows' });
  root.replaceChildren(heading, list);
  return {
    update() {
      const { step, activity } = asPlanStep(ctx);
      const rows = activity().rows;
      heading.hidden = rows.length === 0;
      heading.textContent = ui('agreed_heading');
      reconcile(list, rows, (r) => r.id, plan.rowCard, (li, row) => plan.fillCard(step, li, row, ''));
    },
  };
}

export function projector(root, ctx) {
  const shown = asPlanStep(ctx);
  // The plan table reads the step's areas when it updates: keep them current.
  const view = plan.projector(root, { ...ctx, step: shown.step, activity: shown.activity });
  return {
    update() {
      shown.step.areas = (ctx.activity() || {}).areas || [];
      view.update();
      // Nothing agreed: the end screen is just its thanks, without "the plan fills up…".
      const empty = root.querySelector('#plan-empty');
      if (empty) empty.hidden = true;
    },
  };
}

export const facilitator = phone;
