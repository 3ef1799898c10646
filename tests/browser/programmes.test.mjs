// Every built-in programme, run as a whole meeting in a real browser: a
// facilitator console at 1440×900, a projector at 1920×1080 and eight phones
// at 390×844. The phones answer every step as people would (scales, texts,
// list items shared with the group, grid ratings, actors on the map, plan
// proposals, a personal plan), the facilitator reveals and accepts, and at
// every step the room's screens are checked as a person would look at them:
// nothing clipped or off screen, text large enough for the back of the room,
// and the numbers the projector shows are the true ones (the console agrees,
// and they count everyone who answered). No private text ever reaches a staff
// page. Screenshots of the projector, the console and one phone for every
// step go to tests/browser/artifacts/programmes-*.
//
// Run with scripts/browser-test.sh, or `node --test tests/browser/programmes.test.mjs`
// after `cargo build --bin trivsel`.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  Harness, until, expectText, expectVisible, assertNothingHidden, assertLegible, roomFloor,
} from './helpers.mjs';

const PHONES = 8;
const PHONE_390 = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
/** Every built-in programme; the test fails when the library has one more or one fewer. */
const PROGRAMMES = ['del1', 'del2', 'del3', 'enkelte-leder', 'ledergruppen', 'opfolgning', 'organisationen'];
/** An evaluation's figures (issue 17), as a facilitator pastes them: twelve questions. */
const FIGURES = ['Spørgsmål;Gennemsnit;Skala;Antal',
  ...Array.from({ length: 12 }, (_, i) => `Spørgsmål ${i + 1} om ledelse, trivsel og samarbejde i hverdagen;${(1 + (i % 9) * 0.5).toFixed(1).replace('.', ',')};1-5;${8 + i}`)].join('\n');
const RUN = Math.random().toString(36).slice(2, 8);

const h = new Harness('programmes');
const server = h.server;
const fac = () => h.device('facilitator');
const proj = () => h.device('projector');
const phones = () => Array.from({ length: PHONES }, (_, i) => h.device(`phone${i + 1}`));

/** What a phone typed and shared, by programme: it may reach the room only through a shared item. */
function secret(programme, phone, what) {
  const text = `${what} ${phone} ${programme} ${RUN}`;
  h.secrets.push(text);
  return text;
}

/**
 * The room's screens at one moment: the projector shows everything it holds
 * inside its screen at a readable size; the console and phone are photographed
 * and pass axe. Phones 2–8 only get their picture taken on failure (time).
 */
async function look(moment) {
  for (const device of [proj(), fac(), h.device('phone1')]) {
    await h.screenshot(device, `${moment}-${device.name}`);
    await h.axe(device, moment);
    await h.assertWordsWhole(device, moment);
  }
  await assertNothingHidden(proj(), moment);
  await assertLegible(proj(), moment, roomFloor(proj().page.viewportSize()));
  if (h.secrets.length > 0) await h.assertPrivate(moment);
}

async function tap(device, selector) {
  await device.page.locator(selector).first().tap();
}

/** The facilitator moves on; every screen follows. */
async function next(step) {
  await until('facilitator: #next enabled', () => fac().page.locator('#next').isEnabled(), (v) => v === true);
  await fac().page.locator('#next').click();
  for (const device of [fac(), proj(), ...phones()]) await expectText(device, '#step-title', step.title.da);
}

/**
 * A phone answers a reflection step as its page shows it (the programme API
 * gives titles only): every scale, every text, two items in every list (half
 * of the phones share the first with the group). Returns the scale prompts.
 */
async function reflect(programme, phone, n) {
  const { page } = phone;
  // A reflection's prompts, or those beside an evaluation's figures (in the activity).
  await until(`${phone.name}: the prompts`, () => page.locator('#prompts .prompt, #activity .prompt').count(), (c) => c > 0);
  const scales = await page.$$eval('fieldset.prompt.scale input[type=radio]',
    (inputs) => [...new Set(inputs.map((input) => input.name.replace(/^prompt-/, '')))]);
  for (const [k, p] of scales.entries()) {
    const values = await page.$$eval(`input[name="prompt-${p}"]`, (inputs) => inputs.map((input) => input.value));
    await tap(phone, `label[for="prompt-${p}-${values[(n * 3 + k) % values.length]}"]`);
  }
  const texts = await page.$$eval('.prompt.text textarea', (areas) => areas.map((area) => area.id.replace(/^prompt-/, '')));
  for (const p of texts) await page.locator(`#prompt-${p}`).fill(secret(programme, phone.name, `tekst ${p}`));
  const lists = await page.$$eval('[data-testid=list-prompt]', (nodes) => nodes.map((node) => node.id.replace(/^list-/, '')));
  for (const p of lists) {
    for (const k of [1, 2]) {
      await page.locator(`#new-item-${p}`).fill(secret(programme, phone.name, `punkt ${k} ${p}`));
      await page.locator(`#add-item-${p}`).click();
    }
    await until(`${phone.name}: two items in ${p}`, () => page.locator(`#items-${p} > li[data-testid=list-item]`).count(), (c) => c === 2);
    if (n % 2 === 0) {
      const first = page.locator(`#items-${p} > li[data-testid=list-item]`).first();
      const key = await first.getAttribute('data-key');
      const text = await first.locator('textarea').inputValue();
      await page.locator(`#share-${p}-${key}`).check();
      // Shared on purpose: the room may see it now.
      h.secrets.splice(h.secrets.indexOf(text), 1);
    }
  }
  return scales;
}

/** A phone rates every topic of a grid step. */
async function rate(phone, n) {
  const topics = await until(`${phone.name}: the topics`,
    () => phone.page.$$eval('[data-testid=grid-topic]', (nodes) => nodes.map((node) => node.dataset.topic)),
    (list) => list.length > 0);
  for (const [i, topic] of topics.entries()) {
    await tap(phone, `label[for="imp-${topic}-${1 + ((i + n) % 5)}"]`);
    await tap(phone, `label[for="suc-${topic}-${1 + ((2 * i + n) % 5)}"]`);
  }
  return topics;
}

/** A phone puts two actors on the map. */
async function placeActors(phone, n) {
  const labels = ['Borgerne', 'Direktionen', 'Medarbejderne', 'Politikerne', 'Pressen', 'Tillidsrepræsentanten'];
  for (const k of [0, 1]) {
    await phone.page.locator('#actor-label').fill(labels[(n + k * 3) % labels.length]);
    await tap(phone, `label[for="actor-influence-${1 + ((n + k) % 5)}"]`);
    await tap(phone, `label[for="actor-effect-${['m2', 'm1', '0', '1', '2'][(n * 2 + k) % 5]}"]`);
    await tap(phone, '#actor-save');
    await until(`${phone.name}: actor ${k + 1} saved`, () => phone.page.locator('#my-actors li[data-testid=my-actor]').count(),
      (count) => count === k + 1);
  }
}

/** A phone proposes one plan row. */
async function propose(programme, phone, n) {
  const area = phone.page.locator('#row-area');
  if (await area.count() > 0 && (await area.locator('option').count()) > 1) await area.selectOption({ index: 1 });
  await phone.page.locator('#row-action').fill(`Handling ${n + 1} ${programme} ${RUN}`);
  await phone.page.locator('#row-owner').fill('Ledergruppen');
  await tap(phone, '#row-submit');
  await until(`${phone.name}: proposal sent`, () => phone.page.locator('#row-status').textContent(), (v) => /sendt/.test(v || ''));
}

/** A phone fills in its personal plan. */
async function personalPlan(programme, phone) {
  const areas = await until(`${phone.name}: the plan's areas`,
    () => phone.page.$$eval('fieldset[data-testid=plan-area]', (nodes) => nodes.map((node) => node.dataset.area)),
    (list) => list.length > 0);
  for (const area of areas) {
    await phone.page.locator(`#plan-${area}-work`).fill(secret(programme, phone.name, `arbejder med ${area}`));
    await phone.page.locator(`#plan-${area}-first`).fill(secret(programme, phone.name, `første skridt ${area}`));
  }
}

/** Every phone's outbox is empty and no answer says "saving": the server has everything. */
async function settled(code) {
  for (const phone of phones()) {
    // A typed text is saved when the typing pauses or the field is left.
    await phone.page.locator('body').click({ position: { x: 2, y: 2 } }).catch(() => {});
    await until(`${phone.name}: nothing left saving`,
      () => phone.page.locator('.save-state[data-state="saving"]').count(), (c) => c === 0);
    await until(`${phone.name}: outbox empty`,
      () => phone.page.evaluate((key) => window.localStorage.getItem(key), `trivsel:${code}:outbox`),
      (outbox) => outbox === null || outbox === '[]');
  }
}

/** The facilitator reveals the step's results, when the step has a reveal. */
async function reveal() {
  const button = fac().page.locator('#reveal-toggle');
  if (await button.count() === 0 || !(await button.isVisible())) return false;
  if (await button.getAttribute('data-state') !== 'shown') await button.click();
  await until('facilitator: revealed', () => button.getAttribute('data-state'), (v) => v === 'shown');
  return true;
}

/** One programme from the first step to the last. */
async function meeting(programme, steps) {
  const created = await server.api('POST', '/api/sessions', { body: { programme, lang: 'da' } });
  const code = created.code;
  await fac().page.goto(created.facilitator_url);
  await expectText(fac(), '#join-code', code);
  await proj().page.goto(created.projector_url);
  await expectText(proj(), '#join-code', code);
  for (const phone of phones()) {
    await phone.page.goto(created.join_url);
    await expectVisible(phone, '#join-form');
    await tap(phone, '#join-button');
    await expectText(phone, '#step-title', steps[0].title.da);
  }
  await expectText(fac(), '#joined', String(PHONES));
  await look(`${programme}-00-${steps[0].id}`);

  for (const [index, step] of steps.entries()) {
    if (index > 0) await next(step);
    const moment = `${programme}-${String(index).padStart(2, '0')}-${step.id}`;
    let scales = [];
    if (step.kind === 'reflection') {
      const answered = await Promise.all(phones().map((phone, n) => reflect(programme, phone, n)));
      scales = answered[0];
    } else if (step.kind === 'grid') {
      await Promise.all(phones().map((phone, n) => rate(phone, n)));
    } else if (step.kind === 'map') {
      await Promise.all(phones().map((phone, n) => placeActors(phone, n)));
    } else if (step.kind === 'plan') {
      for (const [n, phone] of phones().slice(0, 4).entries()) await propose(programme, phone, n);
      await until('facilitator: four proposals', () => fac().page.locator('[id^="accept-r"]').count(), (c) => c === 4);
      for (const id of await fac().page.$$eval('[id^="accept-r"]', (nodes) => nodes.map((node) => node.id).slice(0, 3))) {
        await fac().page.locator(`#${id}`).click();
      }
      await until('projector: three accepted rows', () => proj().page.locator('#plan-table tr[data-row]').count(), (c) => c === 3);
    } else if (step.kind === 'personal_plan') {
      await Promise.all(phones().map((phone) => personalPlan(programme, phone)));
    } else if (step.kind === 'evaluation') {
      // The facilitator brings in the figures; every screen shows them; the phones reflect beside them.
      const response = await fetch(`${server.base}/api/sessions/${code}/evaluation/${step.id}`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${created.facilitator_token}`, 'Content-Type': 'text/csv' },
        body: FIGURES,
      });
      assert.equal(response.status, 200, await response.text());
      await until('projector: every question on the chart', () => proj().page.locator('#evaluation-chart li[data-testid=evaluation-bar]').count(), (c) => c === 12);
      await Promise.all(phones().map((phone, n) => reflect(programme, phone, n)));
    } else if (step.kind === 'cards') {
      await fac().page.locator('#deal-room').click();
      await expectVisible(proj(), '#card-text');
      const minutes = fac().page.locator('#talk-minutes');
      if (await minutes.count() > 0) {
        await minutes.fill('5');
        await fac().page.locator('#talk-start').click();
        await expectVisible(proj(), '#timer');
      }
    }
    await settled(code);
    const revealed = await reveal();

    // The true numbers: every scale counts all eight phones, on the projector as on the console.
    if (revealed && step.kind === 'reflection') {
      for (const p of scales) {
        for (const device of [proj(), fac()]) {
          await expectText(device, `[data-testid=scale-chart][data-prompt="${p}"] .chart-caption`, `${PHONES} svar`);
        }
      }
    }
    if (revealed && step.kind === 'grid') {
      await expectText(fac(), '#grid-raters', `${PHONES} har vurderet emnerne`);
      const topics = await fac().page.locator('#grid-table tbody tr').count();
      await until('projector: every topic on the grid', () => proj().page.locator('#grid-chart g.topic-marker').count(), (c) => c === topics);
    }
    if (revealed && step.kind === 'map') {
      await until('projector: actors on the map', () => proj().page.locator('#map-chart g.actor-marker').count(), (c) => c > 0);
    }
    await look(moment);
  }
}

describe('every built-in programme as a whole meeting, eight phones', { timeout: 1_800_000 }, () => {
  h.hooks();
  before(async () => {
    await h.newDevice('facilitator', { viewport: { width: 1440, height: 900 } });
    await h.newDevice('projector', { viewport: { width: 1920, height: 1080 } });
    for (let i = 1; i <= PHONES; i += 1) await h.newDevice(`phone${i}`, PHONE_390);
  });

  it('the library holds exactly the programmes this test runs', async () => {
    const programmes = await server.api('GET', '/api/programmes');
    // A series (its meetings are these programmes) has no steps of its own.
    const meetings = programmes.filter((p) => (p.steps || []).length > 0);
    assert.deepEqual(meetings.map((p) => p.id).sort(), [...PROGRAMMES].sort());
  });

  for (const programme of PROGRAMMES) {
    it(`${programme}: a whole meeting shows nothing clipped, stale or false`, async () => {
      const steps = (await server.api('GET', '/api/programmes')).find((p) => p.id === programme).steps;
      try {
        await meeting(programme, steps);
      } catch (error) {
        for (const device of h.devices.values()) await h.screenshot(device, `failed-${programme}-${device.name}`).catch(() => {});
        throw error;
      }
    });
  }

  it('no console errors, page errors, CSP violations or foreign requests', () => {
    h.assertClean();
  });
});
