// Start page (/): list the programmes and series (with audience, length and a
// printable paper version), optionally customise the chosen programme's cards,
// topics and actor types, then create a session (and go to its facilitator
// console) or a series (and show every meeting's links); or jump to a session
// by its join code.
//
// Stable ids: input[name=programme][value={id}] (data-series on a series),
// .programme-entry[data-id={id}] with a.print-link, #customise (details),
// #customise-fields textarea#custom-{programme}-{step} (for a series
// #custom-{series}-{programme}-{step}), #create-button, #create-status,
// #series-result with #series-page-link (the series' own page), #series-meetings li[data-code]
// (a.join-link, a.facilitator-link, a.projector-link), #series-export-{docx,html}.
// Issue 17: #followup-start (details) with #follows-code and #follows-token (a follow-up of an
// earlier session); #articles-start (details) with #article-{1,2,3}-{title,url,text}.

import { ui, t, getLang, applyStatic, mountLangToggle, onLangChange, byId, el, setText } from './common.js';
import { downloadWithStatus } from './activity-kit.js';

/** Which step kinds can be customised, with the field the server expects and its limit. */
const CUSTOMISABLE = {
  cards: { field: 'cards', hint: 'customise_cards', max: 100 },
  grid: { field: 'topics', hint: 'customise_topics', max: 50 },
  map: { field: 'categories', hint: 'customise_categories', max: 50 },
};
const MAX_TEXT = 300;

/** Programmes and series from the server, or null until loaded. */
let programmes = null;
/** Textareas made so far, by "{selection}/{programme}/{step}": typed text survives a change of mind. */
const textareas = new Map();
/** The series just created (the reply of POST /api/series), or null. */
let createdSeries = null;

const isSeries = (p) => Array.isArray(p?.series);
const byProgrammeId = (id) => (programmes || []).find((p) => p.id === id && !isSeries(p)) || null;

function selectedId() {
  return new FormData(byId('create-form')).get('programme');
}

function selectedEntry() {
  const id = selectedId();
  return (programmes || []).find((p) => p.id === id) || null;
}

/** The session language chosen in the form. */
function sessionLang() {
  return new FormData(byId('create-form')).get('lang') === 'en' ? 'en' : 'da';
}

/** A print page: a programme's, or a series' booklet; `version` is `handout` or `guide`. */
const printHref = (id, version, series) =>
  `/api/${series ? 'series' : 'programmes'}/${encodeURIComponent(id)}/print?version=${version}&lang=${sessionLang()}`;

async function loadProgrammes() {
  const box = byId('programmes');
  box.replaceChildren(el('p', { text: ui('loading') }));
  try {
    const response = await fetch('/api/programmes', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = await response.json();
    programmes = Array.isArray(data) ? data : [];
    renderProgrammes();
  } catch {
    programmes = null;
    const retry = el('button', { type: 'button', text: ui('retry') });
    retry.addEventListener('click', loadProgrammes);
    box.replaceChildren(el('p', { class: 'error', text: ui('programmes_error') }), retry);
  }
}

/** "5 trin · ca. 75 min." or "Forløb med 3 møder". */
function metaLine(p) {
  if (isSeries(p)) return ui('series_badge', { n: p.series.length });
  const parts = [ui('steps_count', { n: Array.isArray(p.steps) ? p.steps.length : 0 })];
  if (typeof p.minutes === 'number' && p.minutes > 0) parts.push(ui('minutes_count', { n: p.minutes }));
  return parts.join(' · ');
}

/** The two print links of a programme or a series (the participants' hand-out, the
 * facilitator's guide); each accessible name starts with its visible text (WCAG 2.5.3). */
function printLinks(id, title, series) {
  return ['handout', 'guide'].map((version) => {
    const text = ui(`print_${version}`);
    return el('a', {
      class: 'print-link', href: printHref(id, version, series), 'data-programme': id, 'data-version': version,
      'data-series': series ? 'true' : null, target: '_blank', rel: 'noopener',
      'aria-label': ui('print_version_label', { text, title }), text,
    });
  });
}

function renderProgrammes() {
  if (programmes === null) return;
  const box = byId('programmes');
  const selected = selectedId();
  if (programmes.length === 0) {
    box.replaceChildren(el('p', { text: ui('no_programmes') }));
    renderCustomise();
    return;
  }
  box.replaceChildren(...programmes.map((p, i) => {
    const checked = selected ? selected === p.id : i === 0;
    const title = t(p.title);
    const described = [];
    const extra = [];
    const audience = t(p.audience);
    if (isSeries(p)) {
      const meetings = el('ol', { class: 'series-list', id: `meetings-${p.id}`, 'aria-label': ui('series_meetings_label') },
        ...p.series.map((id) => el('li', { text: t(byProgrammeId(id)?.title) || id })));
      described.push(meetings.id);
      extra.push(meetings);
    }
    if (audience) {
      const node = el('p', { class: 'audience small', id: `audience-${p.id}`, text: audience });
      described.push(node.id);
      extra.push(node);
    }
    // A programme prints as a hand-out or a guide; a series as one booklet of its meetings.
    const links = el('p', { class: 'entry-links small' },
      el('span', { text: `${ui(isSeries(p) ? 'print_series' : 'print_link')}:` }), ...printLinks(p.id, title, isSeries(p)));
    return el('div', { class: `programme-entry${isSeries(p) ? ' series' : ''}`, 'data-id': p.id },
      el('label', { class: 'choice programme' },
        el('input', {
          type: 'radio', name: 'programme', value: p.id, checked, 'data-series': isSeries(p) ? 'true' : null,
          'aria-describedby': described.join(' ') || null,
        }),
        el('span', { class: 'choice-text' },
          el('span', { class: 'choice-title', text: title }),
          el('span', { class: 'muted small', text: metaLine(p) }))),
      ...extra,
      links);
  }));
  renderCustomise();
}

/** Keep the print links in the session's language. */
function updatePrintLinks() {
  for (const link of document.querySelectorAll('a.print-link')) {
    link.href = printHref(link.dataset.programme, link.dataset.version, link.dataset.series === 'true');
  }
}

// ---------------------------------------------------------------------------
// Customising cards, topics and actor types

/** The customisable steps of programme `id`: [{step, spec}]. */
function customisableSteps(id) {
  const programme = byProgrammeId(id);
  return (programme?.steps || []).filter((s) => CUSTOMISABLE[s.kind]).map((step) => ({ step, spec: CUSTOMISABLE[step.kind] }));
}

/** "Dialogkort om samarbejde (Dialogkort)", or just the title when it already says the kind. */
function fieldLabel(step) {
  const title = t(step.title);
  const kind = ui(`kind_${step.kind}`);
  return title.toLowerCase() === kind.toLowerCase() ? title : ui('customise_field', { step: title, kind });
}

/** One textarea per customisable step of `programmeId`, remembered under `prefix`. */
function customiseFields(prefix, programmeId) {
  const steps = customisableSteps(programmeId);
  if (steps.length === 0) return [el('p', { class: 'muted small', text: ui('customise_none') })];
  return steps.map(({ step, spec }) => {
    const key = `${prefix}/${programmeId}/${step.id}`;
    let area = textareas.get(key);
    if (!area) {
      const id = `custom-${prefix === programmeId ? '' : `${prefix}-`}${programmeId}-${step.id}`;
      area = el('textarea', {
        id, rows: 4, 'data-programme': programmeId, 'data-step': step.id, 'data-field': spec.field,
        'aria-describedby': `${id}-hint`, spellcheck: 'true',
      });
      area.addEventListener('input', updateCustomiseCount);
      textareas.set(key, area);
    }
    area.dataset.label = t(step.title);
    return el('div', { class: 'field' },
      el('label', { for: area.id, text: fieldLabel(step) }),
      el('p', { class: 'muted small hint', id: `${area.id}-hint`, text: ui(spec.hint) }),
      area);
  });
}

function renderCustomise() {
  const box = byId('customise-fields');
  const entry = selectedEntry();
  if (!entry) {
    box.replaceChildren(el('p', { class: 'muted small', text: ui('customise_pick') }));
  } else if (isSeries(entry)) {
    box.replaceChildren(...entry.series.map((id, n) => el('fieldset', { class: 'customise-meeting' },
      el('legend', { text: ui('meeting_n', { n: n + 1, title: t(byProgrammeId(id)?.title) || id }) }),
      ...customiseFields(entry.id, id))));
  } else {
    box.replaceChildren(...customiseFields(entry.id, entry.id));
  }
  renderDates();
  // A series is created with its programmes' own texts, and follows nothing (issue 17).
  const series = Boolean(entry && isSeries(entry));
  byId('followup-start').hidden = series;
  byId('articles-start').hidden = series;
  renderArticleFields();
  const button = byId('create-button');
  button.dataset.i18n = entry && isSeries(entry) ? 'create_series_button' : 'create_button';
  setText(button, ui(button.dataset.i18n));
  updateCustomiseCount();
}

// ---------------------------------------------------------------------------
// The meeting's day (issue 14): optional, one per meeting of a series; the exports carry it.

/** Date inputs by programme or series meeting, kept while the page lives. */
const dateInputs = new Map();

function dateField(key, label) {
  let input = dateInputs.get(key);
  if (!input) {
    input = el('input', {
      id: `date-${key}`, type: 'date', min: '2000-01-01', max: '2100-12-31',
      'aria-describedby': 'meeting-date-hint',
    });
    dateInputs.set(key, input);
  }
  return el('div', { class: 'field' }, el('label', { for: input.id, text: label }), input);
}

function renderDates() {
  const box = byId('meeting-dates');
  const entry = selectedEntry();
  if (!entry) {
    box.replaceChildren();
    return;
  }
  const fields = isSeries(entry)
    ? entry.series.map((id, n) => dateField(`${entry.id}-${n}`,
      ui('meeting_date_n', { n: n + 1, title: t(byProgrammeId(id)?.title) || id })))
    : [dateField(entry.id, ui('meeting_date_label'))];
  box.replaceChildren(...fields,
    el('p', { class: 'muted small', id: 'meeting-date-hint', text: ui('meeting_date_hint') }));
}

// ---------------------------------------------------------------------------
// What to read before the meeting (issue 17): up to three, each a title and a link or a text.

const ARTICLES = 3;

function renderArticleFields() {
  const box = byId('articles-fields');
  if (box.children.length > 0) {
    // Only the words change with the language; typed text stays.
    for (const node of box.querySelectorAll('[data-key]')) setText(node, ui(node.dataset.key, { n: Number(node.dataset.n) }));
    return;
  }
  box.replaceChildren(...Array.from({ length: ARTICLES }, (_, i) => {
    const n = i + 1;
    const field = (name, key, input) => el('div', { class: 'field' },
      el('label', { for: input.id, 'data-key': key, text: ui(key) }), input);
    return el('fieldset', { class: 'article-fields' },
      el('legend', { 'data-key': 'article_n', 'data-n': String(n), text: ui('article_n', { n }) }),
      field('title', 'article_title', el('input', { id: `article-${n}-title`, type: 'text', maxlength: 200, autocomplete: 'off' })),
      field('url', 'article_url', el('input', { id: `article-${n}-url`, type: 'url', maxlength: 500, autocomplete: 'off', inputmode: 'url' })),
      field('text', 'article_text', el('textarea', { id: `article-${n}-text`, rows: 2, maxlength: 1000 })));
  }));
}

/** The articles for the request: {articles} (null when none), or {error, input}. */
function collectArticles() {
  const articles = [];
  for (let n = 1; n <= ARTICLES; n += 1) {
    const value = (name) => byId(`article-${n}-${name}`).value.trim();
    const [title, url, text] = ['title', 'url', 'text'].map(value);
    if (!title && !url && !text) continue;
    if (!title || (!url && !text)) return { error: ui('article_need', { n }), input: byId(`article-${n}-${title ? 'url' : 'title'}`) };
    const article = { title };
    if (url) article.url = url;
    if (text) article.text = text;
    articles.push(article);
  }
  return { articles: articles.length > 0 ? articles : null };
}

/** The chosen days, in meeting order: `YYYY-MM-DD` or null. */
const chosenDates = () => Array.from(byId('meeting-dates').querySelectorAll('input[type="date"]'))
  .map((input) => input.value || null);

/** The textareas in the form now (for the chosen programme or series). */
const visibleAreas = () => Array.from(byId('customise-fields').querySelectorAll('textarea'));

const linesOf = (area) => area.value.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');

function updateCustomiseCount() {
  const n = visibleAreas().filter((area) => linesOf(area).length > 0).length;
  const badge = byId('customise-count');
  setText(badge, n > 0 ? ui('customise_active', { n }) : '');
}

/**
 * The `customise` object for the request, or {error, area} when a line is too
 * long or a list too long. `series` nests it by programme id.
 */
function collectCustomise(series) {
  const result = {};
  for (const area of visibleAreas()) {
    const lines = linesOf(area);
    if (lines.length === 0) continue;
    const { programme, step, field } = area.dataset;
    const max = Object.values(CUSTOMISABLE).find((s) => s.field === field)?.max ?? 50;
    const label = area.dataset.label || step;
    if (lines.length > max) return { error: ui('customise_too_many', { step: label, max }), area };
    const long = lines.findIndex((line) => line.length > MAX_TEXT);
    if (long >= 0) return { error: ui('customise_too_long', { step: label, n: long + 1 }), area };
    const target = series ? (result[programme] ??= {}) : result;
    target[step] = { [field]: lines };
  }
  return { customise: Object.keys(result).length > 0 ? result : null };
}

// ---------------------------------------------------------------------------
// Creating

async function create(event) {
  event.preventDefault();
  const form = byId('create-form');
  const status = byId('create-status');
  const data = new FormData(form);
  const entry = selectedEntry();
  const minGroup = Number(data.get('min_group'));
  if (!entry) {
    setText(status, ui('create_error', { msg: ui('programme_legend') }));
    return;
  }
  if (!Number.isInteger(minGroup) || minGroup < 1) {
    setText(status, ui('create_error', { msg: ui('min_group_label') }));
    byId('min-group').focus();
    return;
  }
  // Group results need at least 3 answers (issue 13); a programme for one person may go lower.
  const floor = Number(entry.min_group_floor) || 1;
  if (minGroup < floor) {
    setText(status, ui('min_group_too_small', { n: floor }));
    byId('min-group').focus();
    return;
  }
  const series = isSeries(entry);
  const custom = collectCustomise(series);
  if (custom.error) {
    setText(status, ui('create_error', { msg: custom.error }));
    byId('customise').open = true;
    custom.area.focus();
    return;
  }

  const body = series
    ? { series: entry.id, lang: sessionLang(), min_group: minGroup }
    : { programme: entry.id, lang: sessionLang(), min_group: minGroup };
  if (custom.customise) body.customise = custom.customise;
  const dates = chosenDates();
  if (dates.some(Boolean)) {
    if (series) body.dates = dates;
    else body.date = dates[0];
  }
  if (!series) {
    // Issue 17: the follow-up of an earlier session, and what to read before the meeting.
    const followsCode = byId('follows-code').value.replace(/[\s-]+/g, '').toUpperCase();
    const followsToken = byId('follows-token').value.trim();
    if (followsCode || followsToken) {
      if (!followsCode || !followsToken) {
        setText(status, ui('start_followup_missing'));
        byId('followup-start').open = true;
        byId(followsCode ? 'follows-token' : 'follows-code').focus();
        return;
      }
      body.follows = { code: followsCode, token: followsToken };
    }
    const articles = collectArticles();
    if (articles.error) {
      setText(status, ui('create_error', { msg: articles.error }));
      byId('articles-start').open = true;
      articles.input.focus();
      return;
    }
    if (articles.articles) body.articles = articles.articles;
  }

  const button = byId('create-button');
  button.disabled = true;
  setText(status, ui(series ? 'creating_series' : 'creating'));
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  const token = byId('create-token').value.trim();
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    const response = await fetch(series ? '/api/series' : '/api/sessions', {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    const reply = await response.json().catch(() => ({}));
    if (response.ok) {
      if (series) {
        setText(status, '');
        showSeries(reply);
      } else {
        window.location.assign(facilitatorUrl(reply));
        return;
      }
    } else if (body.follows && (response.status === 404 || (response.status === 401 && !/create token/.test(reply.error || '')))) {
      // The earlier session (issue 17): not found, or the key is not its facilitator's.
      setText(status, ui(response.status === 404 ? 'start_followup_unknown' : 'start_followup_wrong'));
      byId('followup-start').open = true;
      byId(response.status === 404 ? 'follows-code' : 'follows-token').focus();
    } else if (response.status === 401) {
      // The server was started with --create-token: ask for it (again, if it was wrong).
      byId('create-token-field').hidden = false;
      setText(status, ui(token ? 'create_token_wrong' : 'create_token_needed'));
      byId('create-token').focus();
    } else {
      setText(status, ui('create_error', { msg: reply.error || `HTTP ${response.status}` }));
    }
  } catch {
    setText(status, ui('network_error'));
  }
  button.disabled = false;
}

/** The facilitator URL with the token in its fragment (added if missing). */
function facilitatorUrl(body) {
  const url = body.facilitator_url || `/s/${encodeURIComponent(body.code)}/facilitator`;
  return url.includes('#') ? url : `${url}#${body.facilitator_token}`;
}

// ---------------------------------------------------------------------------
// The series just created

function showSeries(reply) {
  createdSeries = reply;
  renderSeries();
  byId('series-result').hidden = false;
  byId('create-card').hidden = true;
  setText(byId('series-export-status'), '');
  byId('series-result').focus();
}

function renderSeries() {
  if (!createdSeries) return;
  const reply = createdSeries;
  const entry = (programmes || []).find((p) => p.id === reply.series);
  setText(byId('series-result-heading'), ui('series_created_heading', { title: t(reply.title) || reply.series }));
  // The series' own page lists every meeting again later: the link to keep.
  const page = byId('series-page-link');
  if (reply.series_url) page.href = reply.series_url;
  page.hidden = !reply.series_url;
  const meetings = Array.isArray(reply.meetings) ? reply.meetings : [];
  byId('series-meetings').replaceChildren(...meetings.map((m, i) => {
    const programmeId = entry?.series?.[i];
    const title = t(byProgrammeId(programmeId)?.title);
    const n = i + 1;
    return el('li', { class: 'meeting-result', 'data-code': m.code },
      el('h3', { text: title ? ui('meeting_n', { n, title }) : ui('meeting_plain', { n }) }),
      el('p', {}, el('span', { text: `${ui('code_label')}: ` }), el('strong', { class: 'code', text: m.code })),
      el('p', {}, el('span', { text: `${ui('join_link_label')}: ` }),
        el('a', { class: 'join-link break', href: m.join_url, text: m.join_url })),
      el('p', { class: 'button-row' },
        el('a', {
          class: 'button-link facilitator-link', href: facilitatorUrl(m), target: '_blank', rel: 'noopener',
          'aria-label': ui('open_console_label', { n }), text: ui('open_console'),
        }),
        el('a', {
          class: 'projector-link', href: m.projector_url, target: '_blank', rel: 'noopener',
          'aria-label': ui('open_projector_label', { n }), text: ui('open_projector'),
        })));
  }));
}

async function exportSeries(format, button) {
  if (!createdSeries) return;
  const code = createdSeries.meetings?.[0]?.code;
  await downloadWithStatus(button, byId('series-export-status'), () => ({
    url: `/api/series/${encodeURIComponent(code)}/export?format=${format}`,
    authorization: `Bearer ${createdSeries.facilitator_token}`,
    name: `trivsel-serie-${code}.${format}`,
  }));
}

/**
 * Checks a typed join code with the server before leaving for it: a wrong code gets a clear
 * message and the field keeps what was typed.
 */
async function goToCode(event) {
  event.preventDefault();
  const input = byId('code-input');
  const status = byId('code-error');
  const code = input.value.replace(/[\s-]+/g, '').toUpperCase();
  setText(status, '');
  input.removeAttribute('aria-invalid');
  if (!code) return;
  const refuse = (key) => {
    setText(status, ui(key, { code }));
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };
  let response;
  try {
    response = await fetch(`/api/sessions/${encodeURIComponent(code)}/join`);
  } catch {
    refuse('code_offline');
    return;
  }
  if (response.ok) {
    const body = await response.json();
    window.location.assign(`/j/${encodeURIComponent(body.code)}`);
  } else if (response.status === 429) {
    refuse('code_too_many');
  } else {
    refuse('code_unknown');
  }
}

function init() {
  applyStatic();
  mountLangToggle(byId('lang-toggle'));
  onLangChange(() => {
    if (programmes === null) loadProgrammes();
    else renderProgrammes();
    renderSeries();
  });
  // The new session's language follows the UI language by default.
  for (const radio of document.querySelectorAll('input[name="lang"]')) {
    radio.checked = radio.value === getLang();
  }
  const form = byId('create-form');
  form.addEventListener('submit', create);
  form.addEventListener('change', (event) => {
    if (event.target.name === 'programme') renderCustomise();
    if (event.target.name === 'lang') updatePrintLinks();
  });
  byId('code-form').addEventListener('submit', goToCode);
  byId('series-export-docx').addEventListener('click', (event) => exportSeries('docx', event.currentTarget));
  byId('series-export-html').addEventListener('click', (event) => exportSeries('html', event.currentTarget));
  byId('create-another').addEventListener('click', () => {
    byId('create-card').hidden = false;
    byId('create-heading').focus();
  });
  loadProgrammes();
}

init();
