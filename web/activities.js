// Which views show which step kind. Every module exports `phone`, `projector`
// and `facilitator`; each takes (root element, page context) and returns
// {update()}, which the page calls whenever something it shows may have changed.
// Step kinds without an entry (info, and kinds added later) show their title
// and body only.

import * as reflection from './activity-reflection.js';
import * as cards from './activity-cards.js';
import * as grid from './activity-grid.js';
import * as map from './activity-map.js';
import * as plan from './activity-plan.js';
import * as personal from './activity-personal.js';
import * as end from './activity-end.js';
import * as review from './activity-review.js';
import * as evaluation from './activity-evaluation.js';

export const views = {
  reflection,
  cards,
  grid,
  map,
  plan,
  personal_plan: personal,
  end,
  review,
  evaluation,
};
