// Builds the input for one prompt of a reflection step. Scale prompts are a
// row of radio buttons (tap, no dragging) with the end labels at both ends;
// text prompts are a textarea. Values are filled in later by the page.

import { el, t } from './common.js';

/**
 * @param prompt  StepView prompt ({id, kind, label, ...})
 * @param handlers {onScale(value), onText(value), onBlur()}
 */
export function buildPrompt(prompt, { onScale, onText, onBlur }) {
  const status = [
    el('p', { class: 'save-state', id: `saved-${prompt.id}`, 'aria-live': 'polite' }),
    el('p', { class: 'error', id: `error-${prompt.id}`, 'aria-live': 'polite' }),
  ];
  if (prompt.kind === 'scale') return buildScale(prompt, onScale, status);
  if (prompt.kind === 'text') return buildText(prompt, onText, onBlur, status);
  // Unknown prompt kinds (added later): show the label so nothing is hidden.
  return el('div', { class: 'prompt' }, el('p', { text: t(prompt.label) }));
}

function buildScale(prompt, onScale, status) {
  const endsId = `ends-${prompt.id}`;
  const fieldset = el('fieldset', { class: 'prompt scale', 'aria-describedby': endsId },
    el('legend', { text: t(prompt.label) }));
  const ends = el('div', { class: 'scale-ends', id: endsId },
    el('span', { class: 'scale-min', text: `${prompt.min} = ${t(prompt.min_label)}` }),
    el('span', { class: 'scale-max', text: `${prompt.max} = ${t(prompt.max_label)}` }));
  const row = el('div', { class: 'scale-options' });
  for (let value = prompt.min; value <= prompt.max; value += 1) {
    const id = `prompt-${prompt.id}-${value}`;
    const input = el('input', { type: 'radio', class: 'visually-hidden', id, name: `prompt-${prompt.id}`, value });
    input.addEventListener('change', () => {
      if (input.checked) onScale(value);
    });
    row.append(el('label', { class: 'scale-option', for: id }, input, el('span', { text: String(value) })));
  }
  fieldset.append(ends, row, ...status);
  return fieldset;
}

function buildText(prompt, onText, onBlur, status) {
  const id = `prompt-${prompt.id}`;
  const area = el('textarea', { id, name: id, rows: 4, maxlength: prompt.max_len || null });
  area.addEventListener('input', () => onText(area.value));
  area.addEventListener('blur', onBlur);
  return el('div', { class: 'prompt text' },
    el('label', { for: id, text: t(prompt.label) }), area, ...status);
}
