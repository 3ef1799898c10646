// Real-browser test of the activity steps: a Del 2 meeting (dialogue cards,
// prioritisation grid with agreed positions, priorities and a dot vote, action
// plan, exports) and a short Del 3 meeting (stakeholder map with a merge, list
// reflection with shared items), with a facilitator on a laptop, a projector
// and three phones. Private texts typed on phones must never reach the staff
// pages; no page may log an error or talk to another host.
//
// Run with scripts/browser-test.sh, or `node --test tests/browser/*.test.mjs`
// after `cargo build --bin trivsel`. Screenshots of the projector and a phone
// for every step go to tests/browser/artifacts/activities-*.

import { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  Harness, PHONE, until, textOf, attrOf, countOf, expectText, expectAttr, expectVisible, expectCount,
} from './helpers.mjs';

const LANG = 'da';
const NAMED = 'Mette Testesen';
// What the Danish UI shows (web/i18n.js); the sessions are created in Danish.
const UI = {
  connected: 'Forbundet',
  saved: 'gemt ✓',
  yourTurn: 'Det er din tur',
  holder: (who) => `Kortet er til: ${who}`,
  passed: 'Kortet er sprunget over.',
  cardCount: (n, m) => `Kort ${n} af ${m}`,
  rated: (n, m) => `Du har vurderet ${n} af ${m} emner`,
  raters: (n) => `${n} har vurderet emnerne`,
  dotsLeft: (n) => (n === 1 ? `Du har ${n} prik tilbage` : `Du har ${n} prikker tilbage`),
};
const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

// A tag that makes this run's typed texts unique.
const RUN = Math.random().toString(36).slice(2, 8);

const h = new Harness('activities');
const server = h.server;

/** The session under test: code, links, token and the programme's steps. */
const session = { code: null, join: null, projector: null, facilitator: null, token: null, steps: [] };
const title = (id) => session.steps.find((s) => s.id === id).title[LANG];
const fac = () => h.device('facilitator');
const proj = () => h.device('projector');
const phones = () => ['phone1', 'phone2', 'phone3'].map((name) => h.device(name));

/**
 * Every open page at one moment: screenshots, axe-core WCAG 2.1 A/AA with
 * zero violations, a projector that fits its screen and phones their 360 px.
 */
async function shots(tag) {
  await h.checkPages(tag);
}

async function tap(device, selector) {
  await device.page.locator(selector).first().tap();
}

/** The facilitator moves on; wait until the server and every screen agree. */
async function facilitatorGoesTo(stepId) {
  const index = session.steps.findIndex((s) => s.id === stepId);
  await until('facilitator: #next enabled', () => fac().page.locator('#next').isEnabled(), (v) => v === true);
  await fac().page.locator('#next').click();
  await expectText(fac(), '#step-title', title(stepId));
  await until(`server: session at step ${stepId}`,
    () => server.api('GET', `/api/sessions/${session.code}`, { token: session.token }),
    (info) => info.step.id === stepId && info.step.index === index);
  await expectText(proj(), '#step-title', title(stepId));
  for (const phone of phones()) await expectText(phone, '#step-title', title(stepId));
}

/** Open a session's facilitator console and projector, then join it on three phones, one at a time. */
async function openSession(created) {
  Object.assign(session, {
    code: created.code, join: created.join_url, projector: created.projector_url,
    facilitator: created.facilitator_url, token: created.facilitator_token,
  });
  const programmes = await server.api('GET', '/api/programmes');
  const info = await server.api('GET', `/api/sessions/${session.code}`, { token: session.token });
  session.steps = programmes.find((p) => p.id === info.programme).steps;
  if (fac().page.url() !== session.facilitator) await fac().page.goto(session.facilitator);
  await expectText(fac(), '#join-code', session.code);
  await proj().page.goto(session.projector);
  await expectText(proj(), '#join-code', session.code);
  // One after another, so phone1 is the first to join (the first "in turn").
  for (const [i, phone] of phones().entries()) {
    await phone.page.goto(session.join);
    await expectVisible(phone, '#join-form');
    if (i === 0) await phone.page.locator('#join-name').fill(NAMED);
    await tap(phone, '#join-button');
    await expectText(phone, '#connection', UI.connected);
    await expectText(phone, '#step-title', title(session.steps[0].id));
  }
  await expectText(fac(), '#joined', '3');
}

/** Click an export button; returns {bytes, type, name} of the download. */
async function download(device, button, urlPart) {
  const [response, file] = await Promise.all([
    device.page.waitForResponse((r) => r.url().includes(urlPart)),
    device.page.waitForEvent('download'),
    device.page.locator(button).click(),
  ]);
  const bytes = fs.readFileSync(await file.path());
  return { bytes, type: response.headers()['content-type'] || '', name: file.suggestedFilename() };
}

describe('activity steps in a real browser', { timeout: 300_000 }, () => {
  h.hooks();
  before(async () => {
    await h.newDevice('facilitator', { viewport: { width: 1280, height: 800 } });
    await h.newDevice('projector', { viewport: { width: 1280, height: 720 } });
    for (const name of ['phone1', 'phone2', 'phone3']) await h.newDevice(name, PHONE);
  });

  // -------------------------------------------------------------------------
  // Del 2

  h.step('del2 a: a del2 session is created from the start page; projector and three phones join', async () => {
    await fac().page.goto(`${server.base}/`);
    const choice = fac().page.locator('input[name="programme"][value="del2"]');
    await choice.waitFor();
    await choice.check();
    await fac().page.locator('#create-button').click();
    await fac().page.waitForURL(/\/s\/[^/]+\/facilitator#.+$/);
    const url = new URL(fac().page.url());
    const code = decodeURIComponent(url.pathname.split('/')[2]);
    // The console fills its links from the first snapshot.
    const projectorUrl = await until('facilitator: the projector link', () => attrOf(fac().page, '#projector-link', 'href'),
      (href) => typeof href === 'string' && href.includes(`/s/${code}/projector#`));
    await openSession({
      code, join_url: `${server.base}/j/${code}`, projector_url: projectorUrl,
      facilitator_url: fac().page.url(), facilitator_token: url.hash.slice(1),
    });
    assert.deepEqual(session.steps.map((s) => s.kind), ['info', 'cards', 'grid', 'plan', 'end']);
  });

  h.step('del2 b: cards — one dealt to the room, one in turn; its holder passes; a note and talk time', async () => {
    await facilitatorGoesTo('dialogkort');
    await expectVisible(phones()[0], '#card-waiting');
    await fac().page.locator('#deal-room').click();
    const first = await until('facilitator: a card in play', () => textOf(fac().page, '#card-text'), (v) => Boolean(v));
    for (const device of [proj(), ...phones()]) {
      await expectText(device, '#card-text', first);
      await expectText(device, '#card-count', UI.cardCount(1, 9));
    }
    await expectText(phones()[1], '#card-holder', UI.holder('hele gruppen'));
    await expectVisible(phones()[1], '#card-pass', false);
    await shots('del2-01-card-room');

    await fac().page.locator('#deal-turn').click();
    const second = await until('facilitator: the next card', () => textOf(fac().page, '#card-text'), (v) => Boolean(v) && v !== first);
    await expectText(proj(), '#card-text', second);
    await expectText(proj(), '#card-count', UI.cardCount(2, 9));
    const [holder, other] = phones();
    await expectText(holder, '#card-holder', UI.yourTurn);
    await expectText(other, '#card-holder', UI.holder(NAMED));
    await expectVisible(other, '#card-pass', false);
    await expectVisible(holder, '#card-pass');
    await shots('del2-02-card-turn');
    await tap(holder, '#card-pass');
    await expectVisible(holder, '#card-passed');
    await expectVisible(holder, '#card-pass', false);
    // Passing names nobody on the room's screen.
    await expectText(proj(), '#card-holder', UI.passed);
    assert.ok(!(await proj().page.locator('#activity').innerText()).includes(NAMED), 'the projector names who passed');

    const note = `Vi vil mødes på tværs hver måned ${RUN}`;
    await fac().page.locator('#note-text').fill(note);
    await fac().page.locator('#note-add').click();
    await expectText(proj(), '#card-notes li', note);
    await expectText(fac(), '#card-notes li', note);
    await fac().page.locator('#talk-minutes').fill('2');
    await fac().page.locator('#talk-start').click();
    await expectText(proj(), '#timer', /^0[12]:\d\d$/);
    await expectVisible(holder, '#timer-box');
    await shots('del2-03-card-passed');
  });

  h.step('del2 c: grid — every phone rates every topic; the facilitator reveals; the projector draws the grid', async () => {
    await facilitatorGoesTo('prioritering');
    const topics = await until('phone1: the topics', () => phones()[0].page.$$eval('[data-testid=grid-topic]', (nodes) => nodes.map((n) => n.dataset.topic)),
      (list) => list.length === 6);
    await Promise.all(phones().map(async (phone, n) => {
      for (const [i, topic] of topics.entries()) {
        await tap(phone, `label[for="imp-${topic}-${1 + ((i + n) % 5)}"]`);
        await tap(phone, `label[for="suc-${topic}-${1 + ((2 * i + n) % 5)}"]`);
      }
      await expectText(phone, '#grid-progress', UI.rated(6, 6));
      for (const topic of topics) await expectAttr(phone, `#saved-${topic}`, 'data-state', 'saved');
    }));
    await expectText(fac(), '#grid-raters', UI.raters(3));
    // Not revealed yet: the projector lists the topics, no results.
    await expectVisible(proj(), '#grid-chart', false);
    await expectCount(proj(), '#grid-topic-list li', 6);
    await shots('del2-04-grid-rating');

    await fac().page.locator('#reveal-toggle').click();
    await expectAttr(fac(), '#reveal-toggle', 'data-state', 'shown');
    await expectVisible(proj(), '#grid-chart');
    await expectCount(proj(), '#grid-chart g.topic-marker', 6);
    await expectCount(proj(), '#grid-legend li', 6);
    await expectCount(proj(), '#grid-table tbody tr', 6);
    await shots('del2-05-grid-revealed');
  });

  h.step('del2 d: grid — an agreed position, priorities and a dot vote', async () => {
    await fac().page.locator('#agreed-imp-tillid').selectOption('5');
    await fac().page.locator('#agreed-suc-tillid').selectOption('2');
    await fac().page.locator('#agreed-set-tillid').click();
    await expectCount(proj(), '#grid-chart g.agreed-marker[data-topic="tillid"]', 1);
    await expectText(proj(), '#grid-legend li[data-topic="tillid"] .legend-meta', /Aftalt: vigtighed 5, lykkes 2/);

    await fac().page.locator('#priority-1').selectOption('tillid');
    await fac().page.locator('#priority-2').selectOption('frirum');
    await fac().page.locator('#priorities-save').click();
    await expectCount(proj(), '#grid-chart g.topic-marker.priority', 2);
    await expectText(proj(), '#grid-legend li[data-topic="tillid"] .legend-meta', /^Prioritet 1/);
    await expectText(proj(), '#grid-legend li[data-topic="frirum"] .legend-meta', /^Prioritet 2/);

    await fac().page.locator('#vote-toggle').click();
    await expectText(proj(), '#grid-voting', /Prikafstemningen er åben/);
    // Dot totals move only in batches of min_group (3) people, so one person's dots never show
    // by themselves. The phones vote one after another, each waiting until the server has it.
    const settled = (phone) => until(`${phone.name}: outbox empty`,
      () => phone.page.evaluate((key) => window.localStorage.getItem(key), `trivsel:${session.code}:outbox`),
      (outbox) => outbox === null || outbox === '[]');
    const legend = (topic) => `#grid-legend li[data-topic="${topic}"] .legend-meta`;
    for (const phone of phones()) {
      await expectVisible(phone, '#vote-box');
      await expectText(phone, '#dots-left', UI.dotsLeft(3));
      await tap(phone, '#vote-plus-tillid');
      await tap(phone, '#vote-plus-tillid');
      await tap(phone, '#vote-plus-fejl');
      await expectText(phone, '#dots-left', UI.dotsLeft(0));
      await expectText(phone, '#vote-count-tillid', '2');
      await until(`${phone.name}: + buttons disabled`, () => phone.page.locator('#vote-plus-frirum').isDisabled(), (v) => v === true);
      await settled(phone);
    }
    // Published at the third voter's first dot: 2 + 2 + 1 and 1 + 1; her next two dots wait.
    await expectText(proj(), legend('tillid'), /5 prikker/);
    await expectText(proj(), legend('fejl'), /2 prikker/);
    // Two more people change theirs: three changes since, shown together.
    for (const phone of phones().slice(0, 2)) {
      await tap(phone, '#vote-minus-fejl');
      await expectText(phone, '#dots-left', UI.dotsLeft(1));
      await settled(phone);
    }
    await expectText(proj(), legend('tillid'), /6 prikker/);
    await expectText(proj(), legend('fejl'), /1 prik\b/);
    // One phone alone takes a dot back: the room cannot see whose it was.
    await tap(phones()[2], '#vote-minus-fejl');
    await expectText(phones()[2], '#dots-left', UI.dotsLeft(1));
    await settled(phones()[2]);
    await fac().page.waitForTimeout(500);
    await expectText(proj(), legend('fejl'), /1 prik\b/);
    await shots('del2-06-grid-vote');
  });

  h.step('del2 e: plan — a phone proposes a row; the facilitator accepts and edits it; the projector shows it', async () => {
    await facilitatorGoesTo('handleplan');
    const action = `Fast sparringsmakker i ledergruppen ${RUN}`;
    const phone = phones()[1];
    await phone.page.locator('#row-area').selectOption('ledergruppen');
    await phone.page.locator('#row-action').fill(action);
    await phone.page.locator('#row-first').fill('Vi parrer os på næste møde');
    await phone.page.locator('#row-owner').fill('Alle');
    await phone.page.locator('#row-deadline').fill('2027-02-01');
    await phone.page.locator('#row-follow').fill('2027-03-01');
    await phone.page.locator('#row-answers').fill('Tillid i ledergruppen');
    await tap(phone, '#row-submit');
    await expectText(phone, '#row-status', 'Tak – dit forslag er sendt.');
    for (const p of phones()) {
      await expectText(p, '#plan-rows li[data-key="r1"] .plan-action', action);
      await expectAttr(p, '#plan-rows li[data-key="r1"]', 'data-accepted', 'false');
      await expectText(p, '#plan-rows li[data-key="r1"] .badge', 'forslag');
    }
    await expectVisible(proj(), '#plan-empty');
    await expectCount(proj(), '#plan-table tr[data-row]', 0);
    await shots('del2-07-plan-proposed');

    await until('facilitator: the proposal in the editor', () => fac().page.locator('#row-r1-action').inputValue(), (v) => v === action);
    await fac().page.locator('#accept-r1').click();
    await expectText(proj(), '#plan-table tr[data-row="r1"] td', action);
    for (const p of phones()) await expectAttr(p, '#plan-rows li[data-key="r1"]', 'data-accepted', 'true');

    await fac().page.locator('#row-r1-owner').fill('Mette og Per');
    await fac().page.locator('#save-r1').click();
    await until('projector: the edited owner', () => proj().page.locator('#plan-table tr[data-row="r1"] td').nth(2).textContent(),
      (v) => v === 'Mette og Per');

    await fac().page.locator('#new-row-area').selectOption('selvledelse');
    await fac().page.locator('#new-row-action').fill('Blokér en time til fordybelse hver uge');
    await fac().page.locator('#new-row-submit').click();
    await expectCount(proj(), '#plan-table tr[data-row]', 2);
    await expectCount(phones()[0], '#plan-rows li[data-accepted="true"]', 2);
    await shots('del2-08-plan-accepted');
  });

  h.step('del2 f: plan — a proposal made offline waits in the outbox and arrives once back online', async () => {
    const phone = phones()[2];
    const action = `Frokost på tværs hver fredag ${RUN}`;
    await h.goOffline(phone);
    await phone.page.locator('#row-area').selectOption('ledergruppen');
    await phone.page.locator('#row-action').fill(action);
    await tap(phone, '#row-submit');
    await expectText(phone, '#plan-rows li[data-key^="pending-"] .badge', 'sendes…');
    await expectText(phone, '#row-status', /sendes, så snart der er forbindelse/);
    await until(`${phone.name}: the proposal is in the outbox`,
      () => phone.page.evaluate((key) => window.localStorage.getItem(key) ?? '', `trivsel:${session.code}:outbox`),
      (outbox) => outbox.includes(action));
    await h.screenshot(phone, 'del2-09-plan-offline-phone');
    await h.axe(phone, 'del2-09-plan-offline');

    await h.backOnline(phone);
    await expectCount(phone, '#plan-rows li[data-key^="pending-"]', 0);
    await expectText(phone, '#row-status', 'Tak – dit forslag er sendt.');
    await until('facilitator: the offline proposal arrived', async () => {
      const values = await fac().page.locator('form.plan-row textarea[id$="-action"]').evaluateAll((areas) => areas.map((a) => a.value));
      return values.filter((v) => v === action).length;
    }, (n) => n === 1);
    await expectText(phones()[0], '#plan-rows', new RegExp(action));
  });

  h.step('del2 g: the facilitator downloads the Word and HTML exports', async () => {
    const docx = await download(fac(), '#export-docx', '/export?format=docx');
    assert.equal(docx.type, DOCX_TYPE, 'Word export content type');
    assert.ok(docx.bytes.length > 1000, `Word export has ${docx.bytes.length} bytes`);
    assert.equal(docx.bytes.subarray(0, 2).toString('latin1'), 'PK', 'a .docx is a zip');
    assert.match(docx.name, new RegExp(`^trivsel-${session.code}.*\\.docx$`));
    await expectText(fac(), '#export-status', `Hentet: ${docx.name}`);

    const html = await download(fac(), '#export-html', '/export?format=html');
    assert.match(html.type, /^text\/html/, 'HTML export content type');
    const text = html.bytes.toString('utf8');
    assert.match(text, /^<!doctype html/i);
    assert.ok(text.includes(`Fast sparringsmakker i ledergruppen ${RUN}`), 'the accepted row is in the HTML export');
    assert.match(html.name, /\.html$/);
  });

  // -------------------------------------------------------------------------
  // Del 3

  h.step('del3 a: a del3 session; the same screens open it and the phones join', async () => {
    const created = await server.api('POST', '/api/sessions', { body: { programme: 'del3', lang: 'da' } });
    await openSession(created);
    assert.deepEqual(session.steps.map((s) => s.kind), ['info', 'map', 'reflection', 'plan', 'end']);
  });

  h.step('del3 b: map — phones add actors; the facilitator reveals and merges two labels', async () => {
    await facilitatorGoesTo('kortet');
    const actors = [
      [['Pårørende', 4, 'm2', 3], ['Borgere', 3, '1']],
      [['pårørende', 5, 'm1'], ['Brugere', 3, '2']],
      [['Pårørende ', 4, 'm2'], ['Borgere', 2, '1'], ['Byrådet', 5, '0']],
    ];
    await Promise.all(phones().map(async (phone, n) => {
      await expectVisible(phone, '#roles-note');
      for (const [label, influence, effect, closeness] of actors[n]) {
        await phone.page.locator('#actor-label').fill(label);
        await tap(phone, `label[for="actor-influence-${influence}"]`);
        await tap(phone, `label[for="actor-effect-${effect}"]`);
        if (closeness) await tap(phone, `label[for="actor-closeness-${closeness}"]`);
        await tap(phone, '#actor-save');
      }
      await expectCount(phone, '#my-actors li[data-testid=my-actor]', actors[n].length);
      await until(`${phone.name}: actors saved`, () => countOf(phone.page, '#my-actors .save-state:not(:empty)'), (c) => c === 0);
    }));
    // A quick pick fills the label; the phone then deletes what it added.
    await tap(phones()[0], '.category-pick');
    assert.equal(await phones()[0].page.locator('#actor-label').inputValue(), 'Borgere og brugere');
    await phones()[0].page.locator('#actor-label').fill('');
    const byraadet = await phones()[2].page.locator('#my-actors li', { hasText: 'Byrådet' }).getAttribute('data-key');
    await tap(phones()[2], `#delete-${byraadet}`);
    await expectCount(phones()[2], '#my-actors li[data-testid=my-actor]', 2);
    await expectText(fac(), '#map-contributors', '3 har tilføjet aktører');
    await until('facilitator: Byrådet is gone', () => textOf(fac().page, '#map-table'), (v) => v !== null && !v.includes('Byrådet'));
    await expectVisible(proj(), '#map-chart', false);
    await shots('del3-01-map-adding');

    await fac().page.locator('#reveal-toggle').click();
    await expectVisible(proj(), '#map-chart');
    await expectCount(proj(), '#map-chart g.actor-marker', 1);
    assert.equal((await attrOf(proj().page, '#map-chart g.actor-marker', 'data-label')).trim().toLowerCase(), 'pårørende');
    // Named by too few: the room is told how many, never the words (issue 13); the console
    // lists them, marked as not shown to the room.
    await expectText(proj(), '#map-few', '2 aktører nævnt af for få');
    // With results up, the projector still says how many are in (issue 13).
    await expectVisible(proj(), '#joined');
    await expectText(proj(), '#joined', '3 deltagere');
    const room = await proj().page.content();
    assert.ok(!room.includes('Borgere') && !room.includes('Brugere'), 'one or two people\'s words on the projector');
    await expectText(fac(), '#map-few', /Vises ikke for rummet: (Borgere, Brugere|Brugere, Borgere)/i);

    await fac().page.locator('input.actor-pick[value="Borgere"]').check();
    await fac().page.locator('input.actor-pick[value="Brugere"]').check();
    await fac().page.locator('#merge-label').fill('Borgere og brugere');
    await fac().page.locator('#merge-apply').click();
    await expectCount(proj(), '#map-chart g.actor-marker', 2);
    await expectCount(proj(), '#map-chart g.actor-marker[data-label="Borgere og brugere"]', 1);
    await expectVisible(proj(), '#map-few', false);
    await shots('del3-02-map-merged');
  });

  h.step('del3 c: reflection — list items stay private unless shared; shared ones show, grouped', async () => {
    await facilitatorGoesTo('handlerum');
    await Promise.all(phones().map(async (phone, i) => {
      const n = i + 1;
      const secret = `${RUN}-privat-${n}`;
      h.secrets.push(secret);
      await phone.page.locator('#new-item-selv').fill(`Sige nej oftere ${n}`);
      await tap(phone, '#add-item-selv');
      await phone.page.locator('#new-item-selv').fill(`Kun til mig ${secret}`);
      await phone.page.locator('#new-item-selv').press('Enter');
      await expectCount(phone, '#items-selv li[data-testid=list-item]', 2);
      await expectAttr(phone, '#saved-selv', 'data-state', 'saved');
      const first = phone.page.locator('#items-selv li').first();
      if (n === 1) await first.locator('input[data-testid=share-named]').check();
      await first.locator('input[data-testid=share-toggle]').check();
      await expectText(phone, '#items-selv li:first-child .share-hint', /^Delt/);
    }));
    // The anonymous phones have no "with my name" choice.
    await expectVisible(phones()[1], '#items-selv li:first-child [data-testid=share-named]', false);
    await expectText(fac(), '#shared-count', '3 punkter er delt');
    await expectVisible(proj(), '#reflection-results', false);
    await h.assertPrivate('after writing list items');
    await shots('del3-03-reflection-writing');

    await fac().page.locator('#reveal-toggle').click();
    await expectVisible(proj(), '#reflection-results');
    await expectCount(proj(), '#shared-list [data-testid=shared-item]', 3);
    await expectText(proj(), '#shared-list', new RegExp(`Sige nej oftere 1 — ${NAMED}`));
    await fac().page.locator('#shared-list input.share-pick').nth(0).check();
    await fac().page.locator('#shared-list input.share-pick').nth(1).check();
    await fac().page.locator('#group-label').fill('Grænser');
    await fac().page.locator('#group-apply').click();
    await expectText(proj(), '#shared-list .group-title', 'Grænser');
    await expectCount(proj(), '#shared-list .shared-group', 2);
    await h.assertPrivate('after the reveal');
    await shots('del3-04-reflection-revealed');
  });

  h.step('no console errors, page errors, CSP violations or foreign requests', async () => {
    await h.assertPrivate('at the end');
    h.assertClean();
  });
});
