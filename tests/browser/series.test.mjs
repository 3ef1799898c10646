// Real-browser test of a series and of what the start page and the console
// offer around a meeting: the "tre-trins-raket" series is created from the
// start page; meeting 2's console shows the series, the preparation and the
// invitation (copy, calendar file, print); there a topic is prioritised and an
// accepted plan row added; meeting 3's console, projector and a phone then show
// what meeting 2 handed on (its agreed row on the review of its plan, issue 17),
// and a carried priority becomes a plan row. Last, a
// del2 session with its own dialogue cards. No page may log an error, break
// the CSP or talk to another host.
//
// Run with scripts/browser-test.sh, or `node --test tests/browser/*.test.mjs`
// after `cargo build --bin trivsel`. Screenshots go to tests/browser/artifacts/series-*.

import { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  Harness, PHONE, until, textOf, attrOf, expectText, expectAttr, expectVisible, expectCount, expectValue,
} from './helpers.mjs';

const SERIES = 'tre-trins-raket';
// What the Danish UI shows (web/i18n.js).
const UI = {
  connected: 'Forbundet',
  position: (n, m, title) => `Møde ${n} af ${m} i ${title}`,
  from: (title) => `Fra ${title}`,
  prefilled: 'Rækken er udfyldt – ret den til, og tryk på ”Tilføj række”.',
  copied: /^(Invitationen er kopieret|Teksten er markeret)/,
  tooLong: /linje 2: højst 300 tegn/,
};

// A tag that makes this run's typed texts unique.
const RUN = Math.random().toString(36).slice(2, 8);

const h = new Harness('series');
const server = h.server;

/** The series under test, as the start page showed it. */
const series = { title: null, token: null, meetings: [] };
let programmes = [];
const programme = (id) => programmes.find((p) => p.id === id);
const title = (id, step) => programme(id).steps.find((s) => s.id === step).title.da;
const fac = () => h.device('facilitator');
const proj = () => h.device('projector');
const phone = () => h.device('phone1');

/** Everything the projector shows fits its screen; the phone is no wider than 360 px. */
async function fits(tag) {
  const seen = await proj().page.evaluate(() => {
    const root = document.documentElement;
    return { scroll: [root.scrollWidth, root.scrollHeight], view: [window.innerWidth, window.innerHeight] };
  });
  assert.ok(seen.scroll[0] <= seen.view[0] && seen.scroll[1] <= seen.view[1],
    `${tag}: the projector scrolls (${seen.scroll} in ${seen.view})`);
  const width = await phone().page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `${tag}: the phone is ${width} px wide`);
}

/** The facilitator moves on one step; wait until the console shows it. */
async function next(programmeId, stepId) {
  await until('facilitator: #next enabled', () => fac().page.locator('#next').isEnabled(), (v) => v === true);
  await fac().page.locator('#next').click();
  await expectText(fac(), '#step-title', title(programmeId, stepId));
}

/** Click a button that downloads; returns the downloaded bytes and the suggested name. */
async function download(device, selector) {
  const [file] = await Promise.all([device.page.waitForEvent('download'), device.page.locator(selector).click()]);
  return { bytes: fs.readFileSync(await file.path()), name: file.suggestedFilename() };
}

async function fetchText(url) {
  const response = await fetch(new URL(url, server.base), { signal: AbortSignal.timeout(5000) });
  return { status: response.status, type: response.headers.get('content-type') || '', text: await response.text() };
}

describe('a series, preparation and customised cards in a real browser', { timeout: 300_000 }, () => {
  h.hooks();
  before(async () => {
    const facilitator = await h.newDevice('facilitator', { viewport: { width: 1280, height: 800 } });
    await facilitator.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
    await h.newDevice('projector', { viewport: { width: 1280, height: 720 } });
    await h.newDevice('phone1', PHONE);
    programmes = await server.api('GET', '/api/programmes');
  });

  h.step('a: the start page lists programmes and the series with audience, length and print links', async () => {
    await fac().page.goto(`${server.base}/`);
    await fac().page.locator(`input[name="programme"][value="${SERIES}"][data-series]`).waitFor();
    const del2 = '.programme-entry[data-id="del2"]';
    await expectText(fac(), `${del2} .choice-text`, /5 trin · ca\. 75 min\./);
    await expectText(fac(), `${del2} .audience`, programme('del2').audience.da);
    const entry = `.programme-entry[data-id="${SERIES}"]`;
    await expectCount(fac(), `${entry} .series-list li`, 3);
    await expectText(fac(), `${entry} .series-list li:nth-child(2)`, programme('del2').title.da);
    // The series prints as one booklet: the participants' hand-out and the facilitator's guide.
    await expectCount(fac(), `${entry} a.print-link`, 2);

    // The paper version of a programme (the hand-out for the participants), in the session's language.
    const handout = `${del2} a.print-link[data-version="handout"]`;
    const href = await attrOf(fac().page, handout, 'href');
    assert.equal(href, '/api/programmes/del2/print?version=handout&lang=da');
    const print = await fetchText(href);
    assert.equal(print.status, 200);
    assert.match(print.type, /^text\/html/);
    assert.ok(print.text.includes('@page'), 'the printable page has an @page rule');
    // The link opens it in a new tab (watched like every page: no errors, no foreign requests).
    const [tab] = await Promise.all([
      fac().context.waitForEvent('page'),
      fac().page.locator(handout).click(),
    ]);
    await tab.waitForLoadState();
    assert.equal(new URL(tab.url()).pathname, '/api/programmes/del2/print');
    assert.ok((await tab.content()).includes('@page'), 'the opened page is the printable programme');
    await tab.close();
    await fac().page.locator('input[name="lang"][value="en"]').check();
    await expectAttr(fac(), handout, 'href', '/api/programmes/del2/print?version=handout&lang=en');
    await fac().page.locator('input[name="lang"][value="da"]').check();

    // The customise section follows the chosen programme.
    await fac().page.locator('input[name="programme"][value="del2"]').check();
    await fac().page.locator('#customise > summary').click();
    await expectVisible(fac(), '#custom-del2-dialogkort');
    await expectVisible(fac(), '#custom-del2-prioritering');
    await h.checkPages('a-start-customise');

    await phone().page.goto(`${server.base}/`);
    await phone().page.locator('input[name="programme"][value="del2"]').check();
    await phone().page.locator('#customise > summary').click();
    await expectVisible(phone(), '#custom-del2-dialogkort');
    const width = await phone().page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `the start page is ${width} px wide on a phone`);
    await h.checkPages('a-start-phone-joined');
  });

  h.step('b: the series is created from the start page; every meeting gets its links', async () => {
    await fac().page.locator(`input[name="programme"][value="${SERIES}"]`).check();
    await expectText(fac(), '#create-button', 'Opret forløb');
    // A series offers the same customising, meeting by meeting.
    await expectVisible(fac(), `#custom-${SERIES}-del2-dialogkort`);
    await expectVisible(fac(), `#custom-${SERIES}-del3-kortet`);
    await fac().page.locator('#customise > summary').click();
    // Issue 14: a day for meetings 1 and 3; meeting 2 goes without one.
    await expectCount(fac(), '#meeting-dates input[type="date"]', 3);
    await fac().page.locator(`#date-${SERIES}-0`).fill('2027-01-12');
    await fac().page.locator(`#date-${SERIES}-2`).fill('2027-03-09');
    await fac().page.locator('#create-button').click();
    await expectVisible(fac(), '#series-result');
    await expectVisible(fac(), '#create-card', false);
    await expectCount(fac(), '#series-meetings li.meeting-result', 3);
    series.meetings = await fac().page.$$eval('#series-meetings li.meeting-result', (items) => items.map((li) => ({
      code: li.dataset.code,
      join: li.querySelector('a.join-link').href,
      facilitator: li.querySelector('a.facilitator-link').href,
      projector: li.querySelector('a.projector-link').href,
      heading: li.querySelector('h3').textContent,
    })));
    series.title = programme(SERIES).title.da;
    await expectText(fac(), '#series-result-heading', `Forløbet er oprettet: ${series.title}`);
    for (const [i, m] of series.meetings.entries()) {
      assert.equal(m.heading, `Møde ${i + 1}: ${programme(programme(SERIES).series[i]).title.da}`);
      assert.equal(m.join, `${server.base}/j/${m.code}`);
      assert.match(m.facilitator, new RegExp(`/s/${m.code}/facilitator#[0-9a-f]+$`));
      assert.match(m.projector, new RegExp(`/s/${m.code}/projector#[0-9a-f]+$`));
    }
    series.token = new URL(series.meetings[0].facilitator).hash.slice(1);
    assert.ok(series.meetings.every((m) => new URL(m.facilitator).hash.slice(1) === series.token), 'one token for every meeting');
    await h.checkPages('b-series-created');

    const combined = await download(fac(), '#series-export-docx');
    assert.equal(combined.bytes.subarray(0, 2).toString(), 'PK', 'the combined export is a Word file');
    const report = await server.api('GET', `/api/series/${series.meetings[0].code}/export?format=json`, { token: series.token });
    const dates = report.meetings.map((m) => m.date);
    assert.equal(dates[0], '2027-01-12');
    assert.match(dates[1], /^\d{4}-\d{2}-\d{2}$/, 'no day set: the day it is held');
    assert.equal(dates[2], '2027-03-09');
  });

  h.step('c: meeting 2: the series, the preparation, the invitation, the calendar file and the print link', async () => {
    // Meeting 1 was given its day: its calendar file starts then (issue 14).
    await fac().page.goto(series.meetings[0].facilitator);
    await expectText(fac(), '#connection', UI.connected);
    await expectValue(fac(), '#ics-start', '2027-01-12T09:00');
    const m2 = series.meetings[1];
    await fac().page.goto(m2.facilitator);
    await expectText(fac(), '#join-code', m2.code);
    await expectText(fac(), '#connection', UI.connected);
    await expectText(fac(), '#series-position', UI.position(2, 3, series.title));
    await expectCount(fac(), '#series-meetings li', 3);
    const other = await attrOf(fac().page, `#series-meetings li[data-code="${series.meetings[2].code}"] a`, 'href');
    assert.equal(other, `/s/${series.meetings[2].code}/facilitator#${series.token}`);
    // Meeting 1 handed nothing on.
    await expectVisible(fac(), '#carried-panel', false);

    // Collapsed until asked for.
    assert.equal(await fac().page.locator('#prep-panel').evaluate((d) => d.open), false);
    await expectVisible(fac(), '#prep-text', false);
    await fac().page.locator('#prep-panel > summary').click();
    await expectVisible(fac(), '#prep-text');
    await expectCount(fac(), '#prep-text p', (n) => n >= 3);
    await expectText(fac(), '#invitation-subject', 'Ledertrivsel, møde 2: Trivsel i ledergruppen');
    const body = await textOf(fac().page, '#invitation-body');
    assert.ok(body.includes(m2.join) && body.includes(m2.code), 'the invitation holds the join link and the code');
    assert.ok(!/\{(link|code)\}/.test(body), 'no placeholder is left');

    await fac().page.locator('#invitation-copy').click();
    const copied = await expectText(fac(), '#invitation-status', UI.copied);
    if (copied.startsWith('Invitationen er kopieret')) {
      const clip = await fac().page.evaluate(() => navigator.clipboard.readText());
      assert.ok(clip.startsWith('Ledertrivsel, møde 2') && clip.includes(m2.join), 'the clipboard holds the invitation');
    }

    await expectValue(fac(), '#ics-minutes', String(programme('del2').minutes));
    await fac().page.locator('#ics-start').fill('2027-01-12T09:00');
    const ics = await download(fac(), '#ics-download');
    const calendar = ics.bytes.toString('utf8');
    assert.ok(calendar.startsWith('BEGIN:VCALENDAR'), `the calendar file starts with BEGIN:VCALENDAR: ${calendar.slice(0, 40)}`);
    // 09:00 in Copenhagen on the meeting's day (winter time: 08:00 UTC), the zone stated.
    assert.match(calendar, /DTSTART:20270112T080000Z/);
    assert.match(calendar, /X-WR-TIMEZONE:Europe\/Copenhagen/);
    assert.match(calendar, /DTEND:20270112T091500Z/);
    await expectText(fac(), '#ics-status', /^Hentet: .*\.ics$/);

    const print = await attrOf(fac().page, '#print-link', 'href');
    assert.equal(print, `/api/sessions/${m2.code}/print?version=guide&lang=da`);
    const page = await fetchText(print);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('@page'), 'the printable page has an @page rule');
    await h.checkPages('c-meeting2-preparation');
  });

  h.step('d: meeting 2: the console prioritises a topic and adds an accepted plan row', async () => {
    const m2 = series.meetings[1];
    await next('del2', 'dialogkort');
    await next('del2', 'prioritering');
    await fac().page.locator('#priority-1').selectOption('tillid');
    await fac().page.locator('#priorities-save').click();
    await until('server: tillid is priority 1 in meeting 2',
      () => server.api('GET', `/api/sessions/${m2.code}/export?format=json`, { token: series.token }),
      (outcome) => JSON.stringify(outcome).includes('"priority":1'));
    // The option reads "3. Tillid i ledergruppen": the topic's number on the grid, then its text.
    series.topic = await fac().page.$eval('#priority-1', (s) => s.selectedOptions[0].textContent.trim().replace(/^\d+\.\s*/, ''));
    assert.ok(series.topic, 'the prioritised topic has a text');

    await next('del2', 'handleplan');
    series.action = `Sparring på tværs hver anden uge ${RUN}`;
    await fac().page.locator('#new-row-action').fill(series.action);
    await fac().page.locator('#new-row-owner').fill('Alle');
    await fac().page.locator('#new-row-submit').click();
    await expectCount(fac(), '#plan-editor form.plan-row[data-accepted="true"]', 1);
    await expectValue(fac(), '#plan-editor form.plan-row textarea', series.action);
  });

  h.step('e: meeting 3: the console lists what meeting 2 handed on, grouped by kind', async () => {
    const m3 = series.meetings[2];
    await fac().page.goto(m3.facilitator);
    await expectText(fac(), '#join-code', m3.code);
    await expectText(fac(), '#series-position', UI.position(3, 3, series.title));
    await expectVisible(fac(), '#carried-panel');
    await expectText(fac(), '#carried-groups section[data-kind="priority"] h3', 'Prioriteret');
    await expectText(fac(), '#carried-groups section[data-kind="priority"] .carried-text', series.topic);
    await expectText(fac(), '#carried-groups section[data-kind="priority"] .carried-from', UI.from(programme('del2').title.da));
    // Issue 17: meeting 3 follows meeting 2's plan, so it opens with a review of it (its second
    // step); the agreed row is there, not in the list of what was carried in.
    await expectText(fac(), '#step-list li:nth-child(2) .step-name', 'Opfølgning på handleplanen');
    await expectCount(fac(), '#carried-groups section[data-kind="row"]', 0);
    // "Foreslå som række" only on a plan step.
    await expectCount(fac(), '#carried-groups button.carried-suggest', 0);
    await h.checkPages('e-meeting3-console');
  });

  h.step('f: meeting 3: projector and phone show "Det tog vi med fra sidst" on the first step; the QR stays whole', async () => {
    const m3 = series.meetings[2];
    await proj().page.goto(m3.projector);
    await expectText(proj(), '#join-code', m3.code);
    await expectVisible(proj(), '#carried');
    await expectText(proj(), '#carried-heading', 'Det tog vi med fra sidst');
    await expectCount(proj(), '#carried-list li[data-testid="carried-item"]', 1);
    await expectAttr(proj(), '#carried-list li:nth-child(1)', 'data-kind', 'priority');
    await expectText(proj(), '#carried-list li:nth-child(1) .carried-text', series.topic);
    const qr = await proj().page.locator('#qr').boundingBox();
    assert.ok(qr && qr.width >= 250, `the QR code is large enough (${qr?.width} px)`);
    assert.ok(qr.x >= 0 && qr.y >= 0 && qr.x + qr.width <= 1280 && qr.y + qr.height <= 720,
      `the QR code is whole on the first screen (${JSON.stringify(qr)})`);
    const code = await proj().page.locator('#join-code').boundingBox();
    assert.ok(code.y + code.height <= 720, 'the join code is on the first screen');

    await phone().page.goto(m3.join);
    await expectVisible(phone(), '#join-form');
    await phone().page.locator('#join-button').tap();
    await expectText(phone(), '#connection', UI.connected);
    await expectText(phone(), '#step-title', title('del3', 'velkommen'));
    await expectVisible(phone(), '#carried');
    await expectText(phone(), '#carried-list li:nth-child(1) .carried-text', series.topic);
    await expectText(fac(), '#joined', '1');
    await fits('first step');
    await h.checkPages('f-meeting3-joined');

    // The review of meeting 2's plan (issue 17): the agreed row on every screen.
    await fac().page.locator('#next').click();
    await expectText(fac(), '#step-title', 'Opfølgning på handleplanen');
    await expectText(proj(), '#review-table tr[data-testid=review-row] .review-action', series.action);
    await expectText(phone(), '#review-rows li[data-testid=review-row] .review-action', series.action);
    await expectVisible(proj(), '#carried', false);
    await h.checkPages('f-meeting3-review');

    // The next step (the map) shows no list.
    await next('del3', 'kortet');
    await expectText(proj(), '#step-title', title('del3', 'kortet'));
    await expectVisible(proj(), '#carried', false);
    await expectVisible(phone(), '#carried', false);
  });

  h.step('g: meeting 3 plan step: the room sees the list again; a carried priority becomes a plan row', async () => {
    await next('del3', 'handlerum');
    await next('del3', 'handleplan');
    await expectText(proj(), '#step-title', title('del3', 'handleplan'));
    await expectVisible(proj(), '#carried');
    await expectVisible(phone(), '#carried');
    await expectCount(fac(), '#carried-groups button.carried-suggest', 1);
    await fac().page.locator('#carried-groups section[data-kind="priority"] button.carried-suggest').click();
    await expectValue(fac(), '#new-row-action', series.topic);
    await expectValue(fac(), '#new-row-answers', series.topic);
    await expectText(fac(), '#new-row-status', UI.prefilled);
    assert.equal(await fac().page.evaluate(() => document.activeElement?.id), 'new-row-action');
    await h.checkPages('g-meeting3-plan-console');
    await fac().page.locator('#new-row-submit').click();
    await expectCount(fac(), '#plan-editor form.plan-row[data-accepted="true"]', 1);
    await expectCount(proj(), '#plan-table tr[data-testid="plan-row"]', 1);
    await expectVisible(proj(), '#carried');
    await fits('plan step');
    await h.checkPages('g-meeting3-plan-shown');
  });

  h.step('h: del2 with its own dialogue cards: a too long line is refused; the deck holds the cards', async () => {
    await fac().page.goto(`${server.base}/`);
    await fac().page.locator('input[name="programme"][value="del2"]').check();
    await fac().page.locator('#customise > summary').click();
    const cards = [`Hvad gav dig energi i denne uge? ${RUN}`, `Hvem hjalp dig sidst? ${RUN}`];
    await fac().page.locator('#custom-del2-dialogkort').fill(`${cards[0]}\n${'x'.repeat(301)}\n`);
    await fac().page.locator('#create-button').click();
    await expectText(fac(), '#create-status', UI.tooLong);
    assert.equal(await fac().page.evaluate(() => document.activeElement?.id), 'custom-del2-dialogkort');
    await fac().page.locator('#custom-del2-dialogkort').fill(`${cards[0]}\n\n  ${cards[1]}  \n`);
    await expectText(fac(), '#customise-count', '1 tilpasset');
    await fac().page.locator('#create-button').click();
    await fac().page.waitForURL(/\/s\/[^/]+\/facilitator#.+$/);
    await expectText(fac(), '#connection', UI.connected);
    await next('del2', 'dialogkort');
    await until('facilitator: the deck holds the custom cards',
      () => fac().page.$$eval('#deal-card option', (options) => options.map((o) => o.textContent)),
      (texts) => JSON.stringify(texts) === JSON.stringify(cards));
    await fac().page.locator('#deal-room').click();
    await expectText(fac(), '#card-text', cards[0]);
    await expectText(fac(), '#card-count', 'Kort 1 af 2');
    // On paper too: the console's hand-out has these two cards to cut out, and no others.
    const handout = await fetchText(await attrOf(fac().page, '#print-handout', 'href'));
    assert.equal(handout.status, 200);
    for (const card of cards) assert.ok(handout.text.includes(card), `the hand-out has ${card}`);
    assert.equal(handout.text.match(/<div class="card">/g)?.length, 2, 'the two cards, no built-in ones');
  });

  h.step('i: no console errors, CSP violations or requests to other hosts', async () => {
    h.assertClean();
  });
});

