// Real-browser test of a follow-up meeting (issue 17): an earlier meeting (four people answer
// the two recurring questions; three actions agreed) is followed up three months on. Its
// console creates a follow-up; the start page creates the one that is run, with two texts to
// prepare. In it a phone sees "Til forberedelse" on the first step; the review shows the three
// rows on every screen, a phone sets one done with a note, the console sets one in progress and
// carries the third on into today's plan; the recurring questions show their trend beside the
// results on the projector and the console; the leader evaluation is pasted in the console (a
// wrong table first: its problems name line and field), shown as bars on the projector and as
// a list on the phone; the plan holds the carried row; the exports carry all of it. axe-clean
// at every moment, the projector hiding nothing and legible at 1920×1080, no error, CSP
// violation or foreign request. Screenshots: tests/browser/artifacts/follow-*.
//
// Run with scripts/browser-test.sh, or `node --test tests/browser/follow.test.mjs` after
// `cargo build --bin trivsel`.

import { describe, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  Harness, PHONE, until, textOf, expectText, expectVisible, expectCount, assertNothingHidden, assertLegible, roomFloor, installClients, sendFrom,
} from './helpers.mjs';

const PROJECTOR = { width: 1920, height: 1080 };
const h = new Harness('follow');
const server = h.server;
const fac = () => h.device('facilitator');
const proj = () => h.device('projector');
const phone = () => h.device('phone');
const driver = () => h.device('driver');

const ACTIONS = ['Fast punkt om trivsel på ledermødet', 'Sparring med HR om arbejdspres', 'Gåmøder én gang om ugen'];
const TABLE_BAD = 'Spørgsmål;Gennemsnit;Skala;Antal\nJeg har tillid til min chef;3,8;1-5;12\nVi taler åbent om fejl;4,1;1-5;tre\n';
const TABLE = 'Spørgsmål\tGennemsnit\tSkala\tAntal\nJeg har tillid til min chef\t3,8\t1-5\t12\nVi taler åbent om fejl\t4,1\t1-5\t11\nJeg har tid til ledelse\t2,6\t1-5\t12\n';

let earlier = null;
let session = null;
let programme = null;
const title = (step) => programme.steps.find((s) => s.id === step).title.da;

/** Sends from the helper page (see `installClients`). */
const sendAll = (list) => sendFrom(driver().page, list);

/** The facilitator moves on one step; the console and the projector show it. */
async function next(step) {
  await until('facilitator: #next enabled', () => fac().page.locator('#next').isEnabled(), (v) => v === true);
  await fac().page.locator('#next').click();
  await expectText(fac(), '#step-title', title(step));
  await expectText(proj(), '#step-title', title(step));
}

/** Other screens a room may have: the projector is looked at on these too. */
const SMALLER = [{ width: 1280, height: 720 }, { width: 1024, height: 768 }];

/** The projector at 1920×1080 and the smaller sizes: nothing cut off, nothing below the floor. */
async function room(moment) {
  for (const size of [PROJECTOR, ...SMALLER]) {
    if (size !== PROJECTOR) {
      await proj().page.setViewportSize(size);
      await until(`projector at ${size.width}×${size.height}`, () => proj().page.evaluate(() => window.innerWidth), (w) => w === size.width);
      await proj().page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await h.screenshot(proj(), `${moment}-${size.width}x${size.height}`);
    }
    await assertNothingHidden(proj(), `${moment} ${size.width}×${size.height}`);
    await assertLegible(proj(), `${moment} ${size.width}×${size.height}`, roomFloor(size));
  }
  await proj().page.setViewportSize(PROJECTOR);
}

describe('a follow-up meeting: review, trend and a leader evaluation, in a real browser', { timeout: 300_000 }, () => {
  h.hooks();
  before(async () => {
    await h.newDevice('facilitator', { viewport: { width: 1280, height: 800 } });
    await h.newDevice('projector', { viewport: PROJECTOR });
    await h.newDevice('phone', PHONE);
    await h.newDevice('driver', { viewport: { width: 800, height: 600 } });
    programme = (await server.api('GET', '/api/programmes')).find((p) => p.id === 'opfolgning');
  });

  h.step('a: an earlier meeting — four answer the recurring questions, three actions are agreed', async () => {
    earlier = await server.api('POST', '/api/sessions', { body: { programme: 'opfolgning', date: '2027-01-12' } });
    await driver().page.goto(`${server.base}/tilgaengelighed`);
    await driver().page.evaluate(installClients);
    await driver().page.evaluate(async ({ code, token }) => {
      await window.connect('fac', code, { type: 'hello', token });
      for (let i = 0; i < 4; i += 1) await window.connect(`a${i}`, code, { type: 'join' });
    }, { code: earlier.code, token: earlier.facilitator_token });
    const index = (id) => programme.steps.findIndex((s) => s.id === id);
    const list = [['fac', { type: 'goto', index: index('status') }]];
    for (let i = 0; i < 4; i += 1) {
      list.push([`a${i}`, { type: 'answer', step: 'status', prompt: 'balance', value: 4 + i }]);
      list.push([`a${i}`, { type: 'answer', step: 'status', prompt: 'energi-niveau', value: 5 }]);
    }
    list.push(['fac', { type: 'act', step: 'status', action: 'reveal', revealed: true }]);
    for (const action of ACTIONS) {
      list.push(['fac', { type: 'act', step: 'handleplan', action: 'add_row', row: { area: 'ledergruppen', action, owner: 'Mette', deadline: '2027-03-01' } }]);
    }
    list.push(['fac', { type: 'goto', index: index('tak') }]);
    await sendAll(list);
  });

  h.step('b: the earlier meeting\'s console creates a follow-up; the start page creates another with texts to prepare', async () => {
    await fac().page.goto(`${server.base}/s/${earlier.code}/facilitator#${earlier.facilitator_token}`);
    await expectText(fac(), '#step-title', title('tak'));
    await fac().page.locator('#followup-panel > summary').click();
    await fac().page.locator('#followup-date').fill('2027-04-12');
    await until('the programmes are offered', () => fac().page.locator('#followup-programme').inputValue(), (v) => v === 'opfolgning');
    await fac().page.locator('#followup-create').click();
    await expectText(fac(), '#followup-status', 'Opfølgningsmødet er oprettet.');
    await expectVisible(fac(), '#followup-link');
    await h.checkPages('b-console-followup');

    await fac().page.goto(`${server.base}/`);
    await fac().page.locator('input[name="programme"][value="opfolgning"]').check();
    await fac().page.locator('#date-opfolgning').fill('2027-04-12');
    await fac().page.locator('#followup-start > summary').click();
    await fac().page.locator('#follows-code').fill(earlier.code.toLowerCase());
    await fac().page.locator('#follows-token').fill('0'.repeat(40));
    await fac().page.locator('#articles-start > summary').click();
    await fac().page.locator('#article-1-title').fill('Ledertrivsel er noget, vi skaber sammen');
    await fac().page.locator('#article-1-url').fill('https://example.dk/ledertrivsel');
    await fac().page.locator('#article-1-text').fill('Læs afsnittet om ledergruppen.');
    await fac().page.locator('#article-2-title').fill('Vores lederevaluering');
    await fac().page.locator('#article-2-text').fill('Se resultaterne igennem – vi taler om dem på mødet.');
    // A key that is not the earlier meeting's is refused in plain words.
    h.expectMiss('/api/sessions', 401);
    await fac().page.locator('#create-button').click();
    await expectText(fac(), '#create-status', 'Facilitator-nøglen passer ikke til det tidligere møde.');
    await h.checkPages('b-start-followup');
    await fac().page.locator('#follows-token').fill(earlier.facilitator_token);
    await fac().page.locator('#create-button').click();
    await fac().page.waitForURL(/\/s\/[A-Z0-9]+\/facilitator#/);
    const code = new URL(fac().page.url()).pathname.split('/')[2];
    const token = new URL(fac().page.url()).hash.slice(1);
    session = { code, token };
    await expectText(fac(), '#step-title', title('velkommen'));
    await fac().page.locator('#followup-panel > summary').click();
    await expectText(fac(), '#follows-note', new RegExp(`^Opfølgning på møde ${earlier.code} \\(Opfølgning – tre måneder efter, 12\\. jan\\. 2027\\)$`));
    // The invitation ends with what to read before the meeting.
    await fac().page.locator('#prep-panel > summary').click();
    await expectText(fac(), '#invitation-body', /Til forberedelse:\s+– Ledertrivsel er noget, vi skaber sammen\s+https:\/\/example\.dk\/ledertrivsel/);
    await fac().page.locator('#prep-panel > summary').click();
    await fac().page.locator('#followup-panel > summary').click();
  });

  h.step('c: the projector and a phone join; the phone shows what to prepare on the first step', async () => {
    const info = await server.api('GET', `/api/sessions/${session.code}`, { token: session.token });
    assert.equal(info.programme, 'opfolgning');
    const projectorUrl = await fac().page.locator('#projector-link').getAttribute('href');
    await proj().page.goto(projectorUrl);
    await expectText(proj(), '#join-code', session.code);
    await phone().page.goto(`${server.base}/j/${session.code}`);
    await phone().page.locator('#join-button').click();
    await expectText(phone(), '#step-title', title('velkommen'));
    await expectCount(phone(), '#articles-list li[data-testid=article]', 2);
    await expectText(phone(), '#articles-heading', 'Til forberedelse');
    const link = phone().page.locator('#articles-list a.article-link');
    assert.equal(await link.getAttribute('href'), 'https://example.dk/ledertrivsel');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    await expectText(fac(), '#joined', '1');
    await h.checkPages('c-welcome');
  });

  h.step('d: the review — every screen shows the earlier rows; a phone and the console set statuses; one is carried on', async () => {
    await next('opfoelgning');
    await expectCount(proj(), '#review-table tr[data-testid=review-row]', 3);
    await expectCount(phone(), '#review-rows li[data-testid=review-row]', 3);
    await expectText(phone(), '#review-rows li:nth-child(1) .review-action', ACTIONS[0]);
    await expectText(phone(), '#review-rows li:nth-child(1) .review-from', /^Fra Opfølgning – tre måneder efter, 12\. jan\. 2027$/);
    // The owner, on their phone: done, with a note.
    const mine = phone().page.locator('#review-rows li:nth-child(1)');
    await mine.locator('input[type=radio][value=done]').check();
    await mine.locator('textarea.review-note').fill('Det kører hver måned nu');
    await mine.locator('button.review-note-save').click();
    await expectText(proj(), '#review-table tr:nth-child(1) .status-badge', 'Gjort');
    await expectText(proj(), '#review-table tr:nth-child(1) td:nth-child(4)', 'Det kører hver måned nu');
    // The console: in progress, and the third carried on into today's plan.
    const second = fac().page.locator('#review-rows li:nth-child(2)');
    await second.locator('input[type=radio][value=ongoing]').check();
    await expectText(phone(), '#review-rows li:nth-child(2) .status-choice[data-status=ongoing] span', 'I gang');
    await until('phone: the second row in progress',
      () => phone().page.locator('#review-rows li:nth-child(2) input[value=ongoing]').isChecked(), (v) => v === true);
    await fac().page.locator('#review-rows li:nth-child(3) button.review-carry').click();
    await expectVisible(fac(), '#review-rows li:nth-child(3) .review-carried');
    await expectText(proj(), '#review-table tr:nth-child(3) .status-badge', 'Taget med i dagens handleplan');
    await expectText(phone(), '#review-rows li:nth-child(1) .review-state', 'gemt ✓');
    await expectText(fac(), '#answer-counts #activity-count', '2 af 3 handlinger har fået status');
    await h.checkPages('d-review');
    await room('d-review');
  });

  h.step('e: the recurring questions — the trend stands beside the results, earlier meeting first', async () => {
    await next('status');
    await phone().page.locator('label[for="prompt-balance-7"]').click();
    await phone().page.locator('label[for="prompt-energi-niveau-6"]').click();
    await driver().page.evaluate(async (code) => {
      for (let i = 0; i < 3; i += 1) await window.connect(`b${i}`, code, { type: 'join' });
    }, session.code);
    const list = [];
    for (let i = 0; i < 3; i += 1) {
      list.push([`b${i}`, { type: 'answer', step: 'status', prompt: 'balance', value: [5, 6, 8][i] }]);
      list.push([`b${i}`, { type: 'answer', step: 'status', prompt: 'energi-niveau', value: 7 }]);
    }
    await sendAll(list);
    await expectText(fac(), '#count-balance', '4 svar');
    await fac().page.locator('#reveal-toggle').click();
    const trend = '[data-testid=trend][data-prompt=balance]';
    await expectCount(proj(), `${trend} li[data-testid=trend-point]`, 2);
    await expectText(proj(), `${trend} li:nth-child(1) .trend-when`, '12. jan. 2027');
    await expectText(proj(), `${trend} li:nth-child(2) .trend-when`, 'I dag');
    await expectText(proj(), `${trend} li:nth-child(1) .trend-figures`, 'snit 5,5 · 4 svar');
    await expectText(proj(), `${trend} li:nth-child(2) .trend-figures`, 'snit 6,5 · 4 svar');
    await expectCount(fac(), `#activity ${trend} li[data-testid=trend-point]`, 2);
    const label = await proj().page.locator(`${trend} .trend-points`).getAttribute('aria-label');
    assert.equal(label, 'Udviklingen: 12. jan. 2027: gennemsnit 5,5, 4 svar; I dag: gennemsnit 6,5, 4 svar');
    // Phones never get results.
    await expectCount(phone(), '[data-testid=trend]', 0);
    await h.checkPages('e-trend');
    await room('e-trend');
  });

  h.step('f: the leader evaluation — a wrong table names its line and field; the right one shows as bars and a list', async () => {
    await next('lederevaluering');
    await expectText(proj(), '#evaluation-empty', 'Resultaterne kommer op her, når de er lagt ind.');
    h.expectMiss(`/api/sessions/${session.code}/evaluation/lederevaluering`, 400);
    await fac().page.locator('#evaluation-text').fill(TABLE_BAD);
    await fac().page.locator('#evaluation-upload').click();
    await expectText(fac(), '#evaluation-status', 'Resultaterne blev ikke lagt ind. Ret tabellen, og prøv igen:');
    await expectText(fac(), '#evaluation-problems li', "Linje 3, feltet 'antal': 'tre' er ikke et tal");
    await h.checkPages('f-evaluation-refused');
    await fac().page.locator('#evaluation-text').fill(TABLE);
    await fac().page.locator('#evaluation-upload').click();
    await expectText(fac(), '#evaluation-status', '3 spørgsmål er lagt ind.');
    await expectCount(fac(), '#evaluation-table tr[data-testid=evaluation-row]', 3);
    await expectCount(proj(), '#evaluation-chart li[data-testid=evaluation-bar]', 3);
    await expectText(proj(), '#evaluation-chart li:nth-child(1) .evaluation-figures', '3,8 på skalaen 1–5 · 12 svar');
    await expectCount(phone(), '#evaluation-list li[data-testid=evaluation-row]', 3);
    await expectText(phone(), '#evaluation-list li:nth-child(3) .evaluation-figures', '2,6 på skalaen 1–5 · 12 svar');
    // Participants reflect beside it, privately.
    const secret = 'Tid til ledelse står lavest – HEMMELIGT-17';
    h.secrets.push(secret);
    await phone().page.locator('#prompt-ser').fill(secret);
    await until('phone: the answer is saved', () => textOf(phone().page, '#saved-ser'), (v) => v === 'gemt ✓');
    // A keyword shared with the group; the room sees it beside the figures once revealed.
    await phone().page.locator('#new-item-stikord').fill('Tid til ledelse');
    await phone().page.locator('#add-item-stikord').click();
    await phone().page.locator('#items-stikord li input[data-testid=share-toggle]').check();
    await expectText(fac(), '#evaluation-shared-count', '1 punkt er delt');
    await fac().page.locator('#reveal-toggle').click();
    await expectText(fac(), '#reveal-state', 'De delte punkter vises på skærmen nu.');
    await expectText(proj(), '#shared-list li[data-testid=shared-item] .shared-text', 'Tid til ledelse');
    await h.checkPages('f-evaluation');
    await room('f-evaluation');
    await h.assertPrivate('f-evaluation');
  });

  h.step('g: the plan holds the carried row; the exports carry the review, the trend and the figures', async () => {
    await next('handleplan');
    await expectText(proj(), '#plan-table tr[data-testid=plan-row] td:nth-child(1)', ACTIONS[2]);
    await h.checkPages('g-plan');
    const outcome = await server.api('GET', `/api/sessions/${session.code}/export?format=json`, { token: session.token });
    const section = (kind) => outcome.sections.find((s) => s.kind === kind);
    assert.deepEqual(section('review').rows.map((r) => [r.status, r.carried_on]), [['done', false], ['ongoing', false], [null, true]]);
    assert.equal(section('review').rows[0].note, 'Det kører hver måned nu');
    assert.deepEqual(section('reflection').scales[0].trend.map((p) => p.n), [4, 4]);
    assert.equal(section('evaluation').rows[2].score, 2.6);
    assert.equal(outcome.action_plan[0].action, ACTIONS[2]);
    const markdown = await (await fetch(`${server.base}/api/sessions/${session.code}/export?format=md`, {
      headers: { Authorization: `Bearer ${session.token}` },
    })).text();
    for (const words of ['## Opfølgning', 'Udvikling over møderne', '| Jeg har tid til ledelse | 2,6 | 1–5 | 12 |', 'Det kører hver måned nu']) {
      assert.ok(markdown.includes(words), `the Markdown export has "${words}"`);
    }
    h.assertClean();
  });
});
