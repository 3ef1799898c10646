// Real-browser test of hostile input and a locked-down server: the server runs
// with --create-token, so the start page must ask for the token; then every
// text a person can type — a participant's name, a shared answer, a grid topic
// (customised on the start page), a stakeholder, every field of an action-plan
// row — carries markup that would run script if it were inserted as HTML. Every
// page at every step must show it as text, run nothing, and pass axe; the
// exports must carry it escaped.
//
// Programme: tests/browser/fixtures/heldag.toml. Run with scripts/browser-test.sh.

import { describe } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Harness, PHONE, until, textOf, countOf, expectText, expectAttr, expectVisible, expectCount,
} from './helpers.mjs';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const TOKEN = 'kommunens-noegle-til-trivsel';
// Each would run script or load an image from elsewhere if inserted as HTML.
const PAYLOADS = {
  name: '<img src=x onerror=window.__xss=1>',
  answer: '"><script>window.__xss=2</script>',
  topic: '<svg onload=window.__xss=3>',
  actor: '<iframe src=javascript:window.__xss=4>',
  action: '<b onmouseover=window.__xss=5>fed</b>',
  owner: '</td><img src=y onerror=window.__xss=6>',
};

const h = new Harness('hostile', ['--create-token', TOKEN, '--content', FIXTURES]);
const server = h.server;
const session = { code: null, token: null, steps: [] };
const title = (id) => session.steps.find((s) => s.id === id).title.da;
const fac = () => h.device('facilitator');
const proj = () => h.device('projector');
const phones = () => ['phone1', 'phone2', 'phone3'].map((name) => h.device(name));

async function tap(device, selector) {
  await device.page.locator(selector).first().tap();
}

async function next(stepId) {
  await until('facilitator: #next enabled', () => fac().page.locator('#next').isEnabled(), (v) => v === true);
  await fac().page.locator('#next').click();
  for (const device of [fac(), proj(), ...phones()]) await expectText(device, '#step-title', title(stepId));
}

/**
 * On every open page: no payload ran (window.__xss), no element a payload
 * would have made exists, and no script but the page's own modules.
 */
async function assertInert(moment) {
  for (const device of h.devices.values()) {
    const found = await device.page.evaluate(() => ({
      ran: window.__xss ?? null,
      // The console's own live mirror of the projector (#mirror in its box) is the one frame allowed.
      injected: [...document.querySelectorAll('img[src="x"], img[src="y"], iframe:not(#mirror-box > #mirror), b[onmouseover], svg[onload], [onerror], [onload]')]
        .map((n) => n.outerHTML.slice(0, 80)),
      scripts: [...document.scripts].map((s) => s.getAttribute('src')).filter((src) => !src || !src.startsWith('/static/')),
    }));
    assert.equal(found.ran, null, `${moment}: a payload ran on ${device.name}`);
    assert.deepEqual(found.injected, [], `${moment}: markup from a payload on ${device.name}`);
    assert.deepEqual(found.scripts, [], `${moment}: a foreign script on ${device.name}`);
  }
}

/** The page shows `text` literally (as text, not markup). */
async function shows(device, text) {
  await until(`${device.name} shows ${text}`, () => device.page.evaluate(() => document.body.innerText), (body) => body.includes(text));
}

describe('hostile input and a create token in a real browser', { timeout: 300_000 }, () => {
  h.hooks();

  h.step('a: the start page asks for the create token; a wrong one is refused, the right one creates', async () => {
    const device = await h.newDevice('facilitator', { viewport: { width: 1280, height: 800 } });
    await device.page.goto(`${server.base}/`);
    const choice = device.page.locator('input[name="programme"][value="heldag"]');
    await choice.waitFor();
    await choice.check();
    await device.page.locator('#customise summary').click();
    await device.page.locator('#custom-heldag-prioritering').fill(`Vi sparrer med hinanden\n${PAYLOADS.topic}`);
    await expectVisible(device, '#create-token-field', false);
    await device.page.locator('#create-button').click();
    await expectVisible(device, '#create-token-field');
    await expectText(device, '#create-status', 'Skriv adgangskoden til at oprette sessioner, og prøv igen.');
    assert.equal(await device.page.evaluate(() => document.activeElement?.id), 'create-token');
    await h.checkPages('01-token-asked');
    await device.page.locator('#create-token').fill('forkert-noegle-til-trivsel');
    await device.page.locator('#create-button').click();
    await expectText(device, '#create-status', 'Adgangskoden er forkert. Prøv igen.');
    // The failed tries are answered 401 by the server; that is the point here.
    const refused = (p) => /401/.test(p) && /\/api\/sessions|Failed to load resource/.test(p);
    h.tolerated.push(...h.problems.filter(refused));
    h.problems.splice(0, h.problems.length, ...h.problems.filter((p) => !refused(p)));
    await device.page.locator('#create-token').fill(TOKEN);
    await device.page.locator('#create-button').click();
    await device.page.waitForURL(/\/s\/[^/]+\/facilitator#.+$/);
    const url = new URL(device.page.url());
    session.code = decodeURIComponent(url.pathname.split('/')[2]);
    session.token = url.hash.slice(1);
    session.steps = (await server.api('GET', '/api/programmes')).find((p) => p.id === 'heldag').steps;
  });

  h.step('b: the projector and three phones join; one phone is named with markup', async () => {
    await expectText(fac(), '#join-code', session.code);
    const projector = await h.newDevice('projector', { viewport: { width: 1280, height: 720 } });
    await projector.page.goto(await fac().page.locator('#projector-link').getAttribute('href'));
    const join = await fac().page.locator('#join-link').getAttribute('href');
    for (const [i, name] of ['phone1', 'phone2', 'phone3'].entries()) {
      const phone = await h.newDevice(name, PHONE);
      await phone.page.goto(join);
      await expectVisible(phone, '#join-form');
      if (i === 0) await phone.page.locator('#join-name').fill(PAYLOADS.name);
      await tap(phone, '#join-button');
      await expectText(phone, '#connection', 'Forbundet');
    }
    await expectText(fac(), '#people li[data-testid=person] .person-name', PAYLOADS.name);
    await assertInert('joined');
    await h.checkPages('02-joined');
  });

  h.step('c: a shared answer with markup, named by the marked-up name, revealed', async () => {
    await next('status');
    await Promise.all(phones().map(async (phone, i) => {
      await tap(phone, `label[for="prompt-trivsel-${3 + (i % 2)}"]`);
      await phone.page.locator('#prompt-hvorfor').fill(`${PAYLOADS.answer} ${i + 1}`);
      await expectAttr(phone, '#saved-hvorfor', 'data-state', 'saved');
    }));
    const author = phones()[0];
    await author.page.locator('#named-hvorfor').check();
    await author.page.locator('#share-hvorfor').check();
    await fac().page.locator('#reveal-toggle').click();
    await expectCount(proj(), '#shared-list [data-testid=shared-item]', 1);
    await shows(proj(), `${PAYLOADS.answer} 1`);
    await shows(proj(), PAYLOADS.name);
    await assertInert('answer shared');
    await h.checkPages('03-shared');
  });

  h.step('d: a grid topic with markup, rated and revealed', async () => {
    await next('prioritering');
    const topics = await until('phone1: the topics',
      () => phones()[0].page.$$eval('[data-testid=grid-topic]', (nodes) => nodes.map((n) => n.dataset.topic)),
      (list) => list.length === 2);
    await shows(phones()[0], PAYLOADS.topic);
    await Promise.all(phones().map(async (phone) => {
      for (const topic of topics) {
        await tap(phone, `label[for="imp-${topic}-4"]`);
        await tap(phone, `label[for="suc-${topic}-2"]`);
      }
      await expectText(phone, '#grid-progress', 'Du har vurderet 2 af 2 emner');
    }));
    await fac().page.locator('#reveal-toggle').click();
    await expectCount(proj(), '#grid-chart g.topic-marker', 2);
    await shows(proj(), PAYLOADS.topic);
    await assertInert('grid revealed');
    await h.checkPages('04-grid');
  });

  h.step('e: a stakeholder with markup, named by everyone, revealed', async () => {
    await next('omverden');
    await Promise.all(phones().map(async (phone) => {
      await phone.page.locator('#actor-label').fill(PAYLOADS.actor);
      await tap(phone, 'label[for="actor-influence-4"]');
      await tap(phone, 'label[for="actor-effect-m1"]');
      await tap(phone, '#actor-save');
      await expectCount(phone, '#my-actors li[data-testid=my-actor]', 1);
    }));
    await fac().page.locator('#reveal-toggle').click();
    await expectCount(proj(), '#map-chart g.actor-marker', 1);
    await shows(proj(), PAYLOADS.actor);
    await assertInert('map revealed');
    await h.checkPages('05-map');
  });

  h.step('f: an action-plan row with markup in every field, accepted; the end shows it', async () => {
    await next('handleplan');
    const phone = phones()[1];
    await phone.page.locator('#row-action').fill(PAYLOADS.action);
    await phone.page.locator('#row-first').fill(PAYLOADS.answer);
    await phone.page.locator('#row-owner').fill(PAYLOADS.owner);
    await phone.page.locator('#row-answers').fill(PAYLOADS.topic);
    await tap(phone, '#row-submit');
    await until('facilitator: the row', () => fac().page.locator('#row-r1-action').inputValue(), (v) => v === PAYLOADS.action);
    await fac().page.locator('#accept-r1').click();
    await expectText(proj(), '#plan-table tr[data-row="r1"] td', PAYLOADS.action);
    await shows(proj(), PAYLOADS.owner);
    await assertInert('plan');
    await h.checkPages('06-plan');
    await next('tak');
    await expectCount(phones()[2], '#agreed-rows li[data-testid=plan-row]', 1);
    await shows(phones()[2], PAYLOADS.owner);
    await assertInert('end');
    await h.checkPages('07-end');
  });

  h.step('g: every export carries the markup as text', async () => {
    const get = async (format) => {
      const response = await fetch(`${server.base}/api/sessions/${session.code}/export?format=${format}`, {
        headers: { Authorization: `Bearer ${session.token}` },
      });
      assert.equal(response.status, 200, format);
      return response.text();
    };
    const html = await get('html');
    for (const raw of ['<img src=x', '<script>window', '<svg onload', '<iframe', '<b onmouseover', '</td><img']) {
      assert.ok(!html.includes(raw), `the HTML export holds raw markup ${raw}`);
    }
    assert.ok(html.includes('&lt;b onmouseover=window.__xss=5&gt;fed&lt;/b&gt;'), 'the action is in the HTML export, escaped');
    const md = await get('md');
    // (The export's own charts are <img> tags with data: pictures; the payloads' tags must all be escaped.)
    assert.ok(!/(?<!\\)<(img src=[xy]|script>|svg onload|iframe src|b onmouseover)/.test(md), 'the Markdown export holds raw markup');
    assert.ok(md.includes('\\<b onmouseover=window.\\_\\_xss=5\\>fed\\</b\\>'), 'the action is in the Markdown export, escaped');
    const json = JSON.parse(await get('json'));
    assert.equal(json.action_plan[0].action, PAYLOADS.action, 'JSON keeps the text exactly');
    const csv = await get('csv');
    assert.ok(csv.includes(PAYLOADS.action), 'CSV keeps the text');
  });

  h.step('h: no payload ran anywhere', async () => {
    await assertInert('at the end');
    assert.ok(await countOf(proj().page, '#plan-table tr[data-row]') >= 1);
    assert.equal(await textOf(proj().page, '#step-title'), title('tak'));
  });

  h.step('i: the facilitator deletes the session; every screen says so and the server forgot it', async () => {
    await fac().page.locator('#delete-session').click();
    await expectVisible(fac(), '#delete-confirm');
    await h.axe(fac(), '08-delete-confirm');
    await fac().page.locator('#delete-yes').click();
    for (const device of [fac(), proj(), ...phones()]) {
      await expectText(device, '#message-title', 'Sessionen er slettet');
    }
    await h.checkPages('08-deleted');
    const response = await fetch(`${server.base}/api/sessions/${session.code}`, {
      headers: { Authorization: `Bearer ${session.token}` },
    });
    assert.equal(response.status, 404);
  });

  h.step('j: no errors, no foreign requests', async () => {
    h.assertClean();
  });
});
