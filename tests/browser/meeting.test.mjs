// Real-browser test of one whole meeting, the way the room lives it: a
// facilitator console on a laptop, the projector on a 16:9 and a 4:3 screen,
// three phones 360 px wide. They join through the join URL, answer privately,
// see the scale distribution revealed, rate the priority grid, build the
// stakeholder map and the action plan (one phone offline and back meanwhile),
// and the facilitator downloads the export. On the way: "preview as
// participant", who is here, the English switch, keyboard-only joining and
// answering, and the accessibility statement linked from every page.
//
// At every step every open page is checked by axe-core (WCAG 2.1 A and AA,
// zero violations), photographed (tests/browser/artifacts/meeting-*), and
// the projectors must fit their screens without scrolling.
//
// The programme is tests/browser/fixtures/heldag.toml (a whole day in one
// meeting, every shared step kind in a row): the server runs with
// `--content tests/browser/fixtures`. Run with scripts/browser-test.sh.

import { describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Harness, PHONE, until, textOf, countOf, expectText, expectAttr, expectVisible, expectCount,
} from './helpers.mjs';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const NAMED = 'Mette Testesen';
const RUN = Math.random().toString(36).slice(2, 8);
const UI = {
  connected: 'Forbundet',
  readyOf: (n, m) => `${n} af ${m} til stede er klar`,
  rated: (n, m) => `Du har vurderet ${n} af ${m} emner`,
  raters: (n) => `${n} har vurderet emnerne`,
  a11yDa: 'Tilgængelighedserklæring for Trivsel',
  a11yEn: 'Accessibility statement for Trivsel',
};

const h = new Harness('meeting', ['--content', FIXTURES]);
const server = h.server;
const session = { code: null, token: null, join: null, steps: [] };
const title = (id) => session.steps.find((s) => s.id === id).title.da;
const fac = () => h.device('facilitator');
const projectors = () => ['projector', 'projector-4x3'].map((name) => h.device(name));
const phones = () => ['phone1', 'phone2', 'phone3'].map((name) => h.device(name));

async function tap(device, selector) {
  await device.page.locator(selector).first().tap();
}

/** The facilitator presses "Næste"; every screen follows. */
async function next(stepId) {
  await until('facilitator: #next enabled', () => fac().page.locator('#next').isEnabled(), (v) => v === true);
  await fac().page.locator('#next').click();
  await expectText(fac(), '#step-title', title(stepId));
  for (const device of [...projectors(), ...phones()]) await expectText(device, '#step-title', title(stepId));
}

/** Opens the page a link opens in a new tab (target=_blank) and returns it, watched like the others. */
async function followToNewTab(device, selector) {
  const [popup] = await Promise.all([
    device.context.waitForEvent('page'),
    device.page.locator(selector).click(),
  ]);
  await popup.waitForLoadState();
  return popup;
}

describe('one whole meeting in a real browser', { timeout: 420_000 }, () => {
  h.hooks();

  h.step('a: the facilitator starts the day from the start page', async () => {
    const device = await h.newDevice('facilitator', { viewport: { width: 1280, height: 800 } });
    await device.page.goto(`${server.base}/`);
    const choice = device.page.locator('input[name="programme"][value="heldag"]');
    await choice.waitFor();
    await h.checkPages('01-start');
    await choice.check();
    await device.page.locator('#create-button').click();
    await device.page.waitForURL(/\/s\/[^/]+\/facilitator#.+$/);
    const url = new URL(device.page.url());
    session.code = decodeURIComponent(url.pathname.split('/')[2]);
    session.token = url.hash.slice(1);
    await expectText(device, '#join-code', session.code);
    session.join = await device.page.locator('#join-link').getAttribute('href');
    const programmes = await server.api('GET', '/api/programmes');
    session.steps = programmes.find((p) => p.id === 'heldag').steps;
    assert.deepEqual(session.steps.map((s) => s.kind), ['info', 'reflection', 'grid', 'map', 'plan', 'end']);
  });

  h.step('b: two projectors (16:9 and 4:3) and three phones join; one phone by keyboard alone', async () => {
    const projectorUrl = await fac().page.locator('#projector-link').getAttribute('href');
    for (const [name, viewport] of [['projector', { width: 1280, height: 720 }], ['projector-4x3', { width: 1024, height: 768 }]]) {
      const device = await h.newDevice(name, { viewport });
      await device.page.goto(projectorUrl);
      await expectText(device, '#join-code', session.code);
    }
    for (const [i, name] of ['phone1', 'phone2', 'phone3'].entries()) {
      const phone = await h.newDevice(name, PHONE);
      await phone.page.goto(session.join);
      await expectVisible(phone, '#join-form');
      if (i === 0) {
        await phone.page.locator('#join-name').fill(NAMED);
        await tap(phone, '#join-button');
      } else if (i === 2) {
        // Keyboard only: Tab to the name field, skip it, Tab to the button, Enter.
        await phone.page.locator('#join-name').focus();
        await phone.page.keyboard.press('Tab');
        assert.equal(await phone.page.evaluate(() => document.activeElement?.id), 'join-button');
        await phone.page.keyboard.press('Enter');
      } else {
        await tap(phone, '#join-button');
      }
      await expectText(phone, '#connection', UI.connected);
      await expectText(phone, '#step-title', title('velkommen'));
    }
    for (const device of projectors()) await expectText(device, '#joined', '3 deltagere');
    // The console also works on a phone, beside the laptop.
    const facPhone = await h.newDevice('facilitator-phone', PHONE);
    await facPhone.page.goto(fac().page.url());
    await expectText(facPhone, '#joined', '3');
    await expectText(fac(), '#joined', '3');
    await expectText(fac(), '#people li[data-testid=person] .person-name', NAMED);
    await expectText(fac(), '#people-anonymous', '2 anonyme deltagere, heraf 2 forbundet');
    await h.checkPages('02-velkommen');
  });

  h.step('c: status — private answers (one by keyboard); the projector shows only how many are ready', async () => {
    await next('status');
    await Promise.all(phones().map(async (phone, i) => {
      const score = [2, 4, 4][i];
      if (i === 1) {
        // Keyboard: focus the first radio, arrow to the score, Tab on to the text.
        await phone.page.locator('#prompt-trivsel-1').focus();
        await phone.page.keyboard.press('Space');
        for (let n = 1; n < score; n += 1) await phone.page.keyboard.press('ArrowRight');
      } else {
        await tap(phone, `label[for="prompt-trivsel-${score}"]`);
      }
      await until(`${phone.name}: ${score} chosen`,
        () => phone.page.evaluate(() => document.querySelector('input[name="prompt-trivsel"]:checked')?.value ?? null),
        (v) => v === String(score));
      const secret = `${RUN}-status-${i + 1}`;
      h.secrets.push(secret);
      await phone.page.locator('#prompt-hvorfor').fill(`For mange møder ${secret}`);
      await expectAttr(phone, '#saved-hvorfor', 'data-state', 'saved');
      await expectAttr(phone, '#saved-trivsel', 'data-state', 'saved');
      await tap(phone, '#ready-button');
      await expectAttr(phone, '#ready-button', 'aria-pressed', 'true');
    }));
    for (const device of projectors()) {
      await expectText(device, '#ready', UI.readyOf(3, 3));
      await expectVisible(device, '#reflection-results', false);
    }
    await expectText(fac(), '#count-trivsel', '3 svar');
    await h.assertPrivate('status answered');
    await h.checkPages('03-status-answered');
  });

  h.step('d: status — the facilitator reveals; both projectors draw the distribution', async () => {
    await fac().page.locator('#reveal-toggle').click();
    for (const device of projectors()) {
      await expectVisible(device, '#reflection-results');
      await expectVisible(device, '[data-testid=scale-chart][data-prompt="trivsel"]');
    }
    // The distribution, as text for screen readers and for the chart's table: 1×2, 2×4.
    const chart = await textOf(projectors()[0].page, '[data-testid=scale-chart][data-prompt="trivsel"]');
    assert.ok(chart && chart.includes('3'), `the chart names how many answered: ${chart}`);
    await h.assertPrivate('status revealed');
    await h.checkPages('04-status-revealed');
  });

  h.step('e: "preview as participant" shows the phone view, read-only, and joins nobody', async () => {
    const preview = await followToNewTab(fac(), '#preview-link');
    assert.match(preview.url(), new RegExp(`/s/${session.code}/preview#`));
    await until('preview: the step title', () => textOf(preview, '#step-title'), (v) => v === title('status'));
    await until('preview: the banner', () => preview.locator('#preview-banner').isVisible(), (v) => v === true);
    // Trying an answer in the preview changes nothing on the server.
    await preview.locator('label[for="prompt-trivsel-5"]').click();
    await h.axe({ name: 'preview', page: preview }, '05-preview');
    await preview.screenshot({ path: h.artifact('05-preview.png'), fullPage: true });
    const info = await server.api('GET', `/api/sessions/${session.code}`, { token: session.token });
    assert.equal(info.participants.joined, 3, 'the preview did not join');
    await expectText(fac(), '#count-trivsel', '3 svar');
    await preview.close();
  });

  h.step('f: grid — every phone rates every topic by tapping; the reveal draws the grid on both projectors', async () => {
    // The facilitator moves on by keyboard; the focused button shows it has focus.
    await fac().page.locator('#prev').focus();
    await fac().page.keyboard.press('Tab');
    assert.equal(await fac().page.evaluate(() => document.activeElement?.id), 'next');
    const outline = await fac().page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'focus is visible');
    await fac().page.keyboard.press('Enter');
    for (const device of [fac(), ...projectors(), ...phones()]) await expectText(device, '#step-title', title('prioritering'));
    const topics = await until('phone1: the topics',
      () => phones()[0].page.$$eval('[data-testid=grid-topic]', (nodes) => nodes.map((n) => n.dataset.topic)),
      (list) => list.length === 3);
    await Promise.all(phones().map(async (phone, n) => {
      for (const [i, topic] of topics.entries()) {
        await tap(phone, `label[for="imp-${topic}-${1 + ((i + n) % 5)}"]`);
        await tap(phone, `label[for="suc-${topic}-${1 + ((2 * i + n) % 5)}"]`);
      }
      await expectText(phone, '#grid-progress', UI.rated(3, 3));
    }));
    await expectText(fac(), '#grid-raters', UI.raters(3));
    await h.checkPages('06-grid-rating');
    await fac().page.locator('#reveal-toggle').click();
    for (const device of projectors()) {
      await expectVisible(device, '#grid-chart');
      await expectCount(device, '#grid-chart g.topic-marker', 3);
    }
    await h.checkPages('07-grid-revealed');
  });

  h.step('g: map — phones add actors; the reveal draws the map', async () => {
    await next('omverden');
    const actors = [['Pårørende', 5, 'm2'], ['Pårørende', 4, 'm1'], ['Pårørende', 4, '1']];
    await Promise.all(phones().map(async (phone, n) => {
      const [label, influence, effect] = actors[n];
      await phone.page.locator('#actor-label').fill(label);
      await tap(phone, `label[for="actor-influence-${influence}"]`);
      await tap(phone, `label[for="actor-effect-${effect}"]`);
      await tap(phone, '#actor-save');
      await expectCount(phone, '#my-actors li[data-testid=my-actor]', 1);
      await until(`${phone.name}: actor saved`, () => countOf(phone.page, '#my-actors .save-state:not(:empty)'), (c) => c === 0);
    }));
    await h.checkPages('08-map-adding');

    // One leader reads English: the switch turns the step and the UI, and is checked too.
    const english = phones()[2];
    await tap(english, '#lang-toggle');
    await expectText(english, '#step-title', session.steps.find((s) => s.id === 'omverden').title.en);
    await expectText(english, '#ready-button', 'I am ready');
    assert.equal(await english.page.evaluate(() => document.documentElement.lang), 'en');
    await h.axe(english, '08-map-english');
    await h.screenshot(english, '08-map-adding-phone3-english');
    await tap(english, '#lang-toggle');
    await expectText(english, '#step-title', title('omverden'));
    await fac().page.locator('#reveal-toggle').click();
    for (const device of projectors()) await expectCount(device, '#map-chart g.actor-marker', 1);
    await h.checkPages('09-map-revealed');
  });

  h.step('h: plan — proposals from phones (one offline and back), accepted by the facilitator', async () => {
    await next('handleplan');
    const first = `Fast sparringsmakker ${RUN}`;
    await phones()[0].page.locator('#row-area').selectOption('ledergruppen');
    await phones()[0].page.locator('#row-action').fill(first);
    await phones()[0].page.locator('#row-owner').fill('Alle');
    await tap(phones()[0], '#row-submit');
    await until('facilitator: the proposal', () => fac().page.locator('#row-r1-action').inputValue(), (v) => v === first);
    await fac().page.locator('#accept-r1').click();
    for (const device of projectors()) await expectText(device, '#plan-table tr[data-row="r1"] td', first);

    // Phone 2 loses its network, proposes anyway, and comes back.
    const phone = phones()[1];
    const offline = `Spørg borgerne før vi ændrer ${RUN}`;
    await h.goOffline(phone);
    await phone.page.locator('#row-area').selectOption('omverdenen');
    await phone.page.locator('#row-action').fill(offline);
    await tap(phone, '#row-submit');
    await expectText(phone, '#plan-rows li[data-key^="pending-"] .badge', 'sendes…');
    await h.screenshot(phone, '10-plan-offline-phone2');
    await h.axe(phone, '10-plan-offline');
    await h.backOnline(phone);
    await expectCount(phone, '#plan-rows li[data-key^="pending-"]', 0);
    await until('facilitator: the offline proposal, once', async () => {
      const values = await fac().page.locator('form.plan-row textarea[id$="-action"]').evaluateAll((areas) => areas.map((a) => a.value));
      return values.filter((v) => v === offline).length;
    }, (n) => n === 1);
    await fac().page.locator('#accept-r2').click();
    for (const device of projectors()) await expectCount(device, '#plan-table tr[data-row]', 2);
    await expectCount(phones()[2], '#plan-rows li[data-accepted="true"]', 2);
    await h.checkPages('11-plan');
  });

  h.step('i: the facilitator downloads the export; it holds the plan and no private answer', async () => {
    const [response, file] = await Promise.all([
      fac().page.waitForResponse((r) => r.url().includes('/export?format=md')),
      fac().page.waitForEvent('download'),
      fac().page.locator('#export-md').click(),
    ]);
    assert.equal(response.status(), 200);
    const text = fs.readFileSync(await file.path(), 'utf8');
    assert.ok(text.includes(`Fast sparringsmakker ${RUN}`), 'the accepted row is in the export');
    assert.ok(text.includes(`Spørg borgerne før vi ændrer ${RUN}`), 'the offline proposal is in the export');
    for (const secret of h.secrets) assert.ok(!text.includes(secret), `the export holds a private answer ${secret}`);
    assert.match(file.suggestedFilename(), /\.md$/);
  });

  h.step('j: the end; the statement is linked from every page, in Danish and English', async () => {
    await next('tak');
    // The end shows what was agreed: the plan table in the room, a list to take away on phones.
    for (const phone of phones()) {
      await expectVisible(phone, '#thanks');
      await expectCount(phone, '#agreed-rows li[data-testid=plan-row]', 2);
    }
    for (const device of projectors()) await expectCount(device, '#plan-table tr[data-row]', 2);
    await expectText(projectors()[0], '#plan-table tr[data-row="handleplan:r1"] td', `Fast sparringsmakker ${RUN}`);
    await h.checkPages('12-tak');
    // A leader deletes what they gave: two presses, then it is gone from their phone too.
    const leaving = phones()[0];
    await tap(leaving, '#forget-button');
    await expectVisible(leaving, '#forget-confirm');
    await h.axe(leaving, '12-tak-forget-confirm');
    await tap(leaving, '#forget-yes');
    await expectText(leaving, '#forget-status', 'Dine svar og dit navn er slettet.');
    await until('facilitator: her name is no longer listed',
      () => countOf(fac().page, '#people li[data-testid=person]'), (n) => n === 0);
    for (const device of [fac(), ...projectors(), ...phones()]) {
      assert.equal(await device.page.locator('footer.site-footer a').getAttribute('href'), '/tilgaengelighed',
        `${device.name}: the footer links the accessibility statement`);
    }
    const statement = await followToNewTab(phones()[0], 'footer.site-footer a');
    await until('statement: Danish heading', () => textOf(statement, 'h1'), (v) => v === UI.a11yDa);
    assert.ok(await countOf(statement, 'main li') >= 8, 'the statement lists what was tested and what is not done');
    await h.axe({ name: 'statement', page: statement }, '13-statement');
    await statement.screenshot({ path: h.artifact('13-statement-da.png'), fullPage: true });
    await statement.locator('#lang-toggle').click();
    await until('statement: English heading', () => textOf(statement, 'h1'), (v) => v === UI.a11yEn);
    assert.equal(await statement.evaluate(() => document.documentElement.lang), 'en');
    await h.axe({ name: 'statement', page: statement }, '13-statement-en');
    await statement.close();
    // The print page links it too.
    const print = await fac().context.newPage();
    await print.goto(`${server.base}/api/programmes/heldag/print?lang=da`);
    assert.equal(await print.locator('footer a').getAttribute('href'), '/tilgaengelighed');
    await print.close();
  });

  h.step('k: nothing private reached a staff screen; no errors, no foreign requests', async () => {
    await h.assertPrivate('at the end');
    h.assertClean();
  });
});
