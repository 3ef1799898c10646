// A series' facilitator page (/s/{CODE}/series#{facilitator token}): every meeting of the
// series with its title, where it is, its join code and its facilitator and projector links,
// and the combined export. The token stays in the fragment; the page asks
// GET /api/series/{CODE} with it, so closing the start page's tab loses nothing.
//
// Stable ids: #series-title, #series-meetings li.meeting-result[data-code] (a.facilitator-link,
// a.projector-link, .meeting-status, strong.code), #series-export-{docx,html},
// #series-print-{handout,guide} (the series' booklet), #series-refresh.

import {
  ui, t, el, byId, setText, showOnly, applyStatic, mountLangToggle, onLangChange, pathCode, hashToken, getLang,
} from './common.js';
import { downloadWithStatus } from './activity-kit.js';

const CODE = pathCode();
const TOKEN = hashToken();
const VIEWS = ['view-loading', 'view-message', 'view-series'];
/** The server's reply (SeriesInfo), or null until loaded. */
let info = null;

function showMessage(title, body) {
  showOnly('view-message', VIEWS);
  setText(byId('message-title'), ui(title));
  setText(byId('message-body'), body ? ui(body) : '');
}

async function load() {
  let response;
  try {
    response = await fetch(`/api/series/${encodeURIComponent(CODE)}`, {
      headers: { Authorization: `Bearer ${TOKEN}` }, cache: 'no-store',
    });
  } catch {
    showMessage('network_error', null);
    return;
  }
  if (!response.ok) {
    // A wrong token and an unknown code read the same: the link is not valid.
    showMessage('invalid_link', 'invalid_link_help');
    return;
  }
  info = await response.json();
  render();
}

/** Where a meeting is, in words. */
function statusText(meeting) {
  const m = meeting.meeting;
  if (!m) return ui('series_meeting_deleted');
  const people = ui('series_meeting_people', { n: m.joined });
  if (m.step.kind === 'end') return `${ui('series_meeting_done')} · ${people}`;
  if (m.step.index === 0 && m.joined === 0) return ui('series_meeting_not_started');
  return `${ui('step_of', { n: m.step.index + 1, m: m.steps })} · ${people}`;
}

function render() {
  if (!info) return;
  showOnly('view-series', VIEWS);
  setText(byId('series-title'), t(info.title) || info.series);
  document.title = `${t(info.title)} – ${ui('series_page_title')}`;
  byId('series-meetings').replaceChildren(...info.meetings.map((meeting) => {
    const n = meeting.position + 1;
    const m = meeting.meeting;
    const title = m ? t(m.title) : '';
    const item = el('li', { class: 'meeting-result', 'data-code': meeting.code },
      el('h2', { text: title ? ui('meeting_n', { n, title }) : ui('meeting_plain', { n }) }),
      el('p', { class: 'meeting-status', text: statusText(meeting) }),
      el('p', {}, el('span', { text: `${ui('code_label')}: ` }), el('strong', { class: 'code', text: meeting.code })));
    if (m) {
      item.append(el('p', { class: 'button-row' },
        el('a', {
          class: 'button-link facilitator-link', href: m.facilitator_url, target: '_blank', rel: 'noopener',
          'aria-label': ui('open_console_label', { n }), text: ui('open_console'),
        }),
        el('a', {
          class: 'projector-link', href: m.projector_url, target: '_blank', rel: 'noopener',
          'aria-label': ui('open_projector_label', { n }), text: ui('open_projector'),
        })));
    }
    return item;
  }));
  // The whole series on paper as one booklet, in the page's language, with the meetings'
  // days where they were set.
  const days = info.meetings.map((meeting) => meeting.meeting?.date ?? '');
  const dates = days.some((day) => day !== '') ? `&dates=${days.join(',')}` : '';
  for (const version of ['handout', 'guide']) {
    byId(`series-print-${version}`).href =
      `/api/series/${encodeURIComponent(info.series)}/print?version=${version}&lang=${getLang() === 'en' ? 'en' : 'da'}${dates}`;
  }
}

async function exportSeries(format, button) {
  if (!info) return;
  await downloadWithStatus(button, byId('series-export-status'), () => ({
    url: `/api/series/${encodeURIComponent(CODE)}/export?format=${format}`,
    authorization: `Bearer ${TOKEN}`,
    name: `trivsel-serie-${CODE}.${format}`,
  }));
}

function init() {
  applyStatic();
  mountLangToggle(byId('lang-toggle'));
  onLangChange(render);
  byId('series-export-docx').addEventListener('click', (event) => exportSeries('docx', event.currentTarget));
  byId('series-export-html').addEventListener('click', (event) => exportSeries('html', event.currentTarget));
  byId('series-refresh').addEventListener('click', load);
  if (!TOKEN) showMessage('invalid_link', 'invalid_link_help');
  else load();
}

init();
