// Accessibility statement (/tilgaengelighed): static text from i18n.js in the
// chosen language. Lists are kept in i18n.js as one string, an item a line.

import { ui, applyStatic, mountLangToggle, onLangChange, el } from './common.js';

function render() {
  applyStatic();
  for (const list of document.querySelectorAll('[data-i18n-list]')) {
    const items = ui(list.dataset.i18nList).split('\n').filter((line) => line.trim() !== '');
    list.replaceChildren(...items.map((text) => el('li', { text })));
  }
}

mountLangToggle(document.getElementById('lang-toggle'));
onLangChange(render);
render();
