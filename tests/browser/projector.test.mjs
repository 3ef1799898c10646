// The room's screen with as much on it as a real meeting gives (issue 12):
// for every step kind with maximal content — a long dialogue card with notes
// and a running countdown, 20 grid topics, 25 map actors, 30 shared items of
// 200 characters under two questions, 12 plan rows — at 1920×1080, 1280×720
// and 1024×768, nothing is cut off (what does not fit goes in pages that say
// so and turn by themselves) and no text is smaller than 28 px at 1920×1080
// (in proportion at the others), SVG chart text included. And a reflection
// revealed before anyone answered ends with the true result once four phones
// have answered.
//
// One projector page is resized to the three sizes at each step. The content
// comes from participants and a facilitator speaking the real WebSocket
// protocol from a helper page on the server's origin (four phones typing 30
// items of 200 characters would take minutes); the early-reveal scenario uses
// four real phone pages. Screenshots: tests/browser/artifacts/projector-*.

import { describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  Harness, PHONE, until, textOf, expectText, expectCount, assertNothingHidden, assertLegible, roomFloor, installClients, sendFrom,
} from './helpers.mjs';

const SIZES = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 720 },
  { width: 1024, height: 768 },
];
const PEOPLE = 4;

const h = new Harness('projector');
const server = h.server;
const proj = () => h.device('projector');
const driver = () => h.device('driver');
/** Smallest text per moment and size, for the report. */
const smallest = [];

/** A text of exactly `n` characters that reads like a sentence. */
function sentence(tag, n) {
  const words = 'vi skal have bedre tid til at tale sammen om det der fylder i hverdagen og om hvordan vi hjælper hinanden'.split(' ');
  let text = `${tag}:`;
  for (let i = 0; text.length < n; i += 1) text += ` ${words[i % words.length]}`;
  return text.slice(0, n);
}

/** Sends from the helper page (see `installClients`). */
const sendAll = (list) => sendFrom(driver().page, list);

/** A new session with a facilitator socket and `PEOPLE` participant sockets (p0…) on the helper page. */
async function openSession(body) {
  const created = await server.api('POST', '/api/sessions', { body });
  const programmes = await server.api('GET', '/api/programmes');
  const info = await server.api('GET', `/api/sessions/${created.code}`, { token: created.facilitator_token });
  const steps = programmes.find((p) => p.id === info.programme).steps;
  await driver().page.evaluate(async ({ code, token, people }) => {
    await window.connect('fac', code, { type: 'hello', token });
    for (let i = 0; i < people; i += 1) await window.connect(`p${i}`, code, { type: 'join', name: `Deltager ${i + 1}` });
  }, { code: created.code, token: created.facilitator_token, people: PEOPLE });
  await proj().page.goto(created.projector_url);
  await expectText(proj(), '#join-code', created.code);
  return { ...created, steps, index: (id) => steps.findIndex((s) => s.id === id) };
}

/** Everyone moves to a step; the projector shows it. */
async function goTo(session, id) {
  await sendAll([['fac', { type: 'goto', index: session.index(id) }]]);
  const title = session.steps.find((s) => s.id === id).title.da;
  await expectText(proj(), '#step-title', title);
}

/** Resize the projector and wait until it has laid itself out for the new size. */
async function resizeTo(size) {
  await proj().page.setViewportSize(size);
  await until(`projector laid out for ${size.width}×${size.height}`,
    () => proj().page.evaluate(() => [window.innerWidth, window.innerHeight]), (v) => v[0] === size.width && v[1] === size.height);
  await proj().page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/**
 * The projector at every size: nothing hidden, nothing too small, a
 * screenshot; axe and the no-scroll check of the harness at the first size.
 */
async function checkSizes(moment) {
  for (const size of SIZES) {
    await resizeTo(size);
    const tag = `${moment}-${size.width}x${size.height}`;
    await h.screenshot(proj(), tag);
    if (size === SIZES[0]) await h.checkPages(moment);
    await assertNothingHidden(proj(), tag);
    const floor = roomFloor(size);
    const { min, what } = await assertLegible(proj(), tag, floor);
    smallest.push(`${tag}: smallest ${min.toFixed(1)} px (floor ${floor.toFixed(1)}) — ${what}`);
  }
  await proj().page.setViewportSize(SIZES[0]);
}

describe('the projector shows everything, legibly, at three sizes', { timeout: 240_000 }, () => {
  h.hooks();
  const del2 = {};
  const del3 = {};

  h.step('open a projector and a helper page', async () => {
    const projector = await h.newDevice('projector', { viewport: SIZES[0] });
    assert.ok(projector);
    const helper = await h.newDevice('driver', { viewport: { width: 800, height: 600 } });
    await helper.page.goto(`${server.base}/tilgaengelighed`);
    await helper.page.evaluate(installClients);
  });

  h.step('Del 2: a long dialogue card with four notes and a running countdown', async () => {
    const card = sentence('Kort', 300);
    const topics = Array.from({ length: 20 }, (_, i) => `Emne ${i + 1}: ${['tid til ledelse og sparring med kolleger', 'fælles retning i ledergruppen', 'arbejdsmiljø og trivsel i hverdagen', 'samarbejde på tværs af afdelinger'][i % 4]}`);
    Object.assign(del2, await openSession({
      programme: 'del2', lang: 'da',
      customise: { dialogkort: { cards: [card, 'Hvem hjalp dig sidst?'] }, prioritering: { topics } },
    }));
    // The join screen, with everyone in.
    await expectText(proj(), '#joined', `${PEOPLE} deltagere`);
    await checkSizes('join');
    await goTo(del2, 'dialogkort');
    await sendAll([
      ['fac', { type: 'act', step: 'dialogkort', action: 'deal', to: 'room' }],
      ...[1, 2, 3, 4].map((n) => ['fac', { type: 'act', step: 'dialogkort', action: 'note', text: sentence(`Note ${n}`, 220) }]),
      ['fac', { type: 'timer_start', seconds: 600 }],
    ]);
    await expectText(proj(), '#card-text', card);
    await expectCount(proj(), '#card-notes li', 4);
    await until('projector: the countdown runs', () => proj().page.locator('#timer').isVisible(), (v) => v === true);
    await checkSizes('cards');
  });

  h.step('Del 2: 20 grid topics rated by four, one agreed placement, three priorities', async () => {
    await goTo(del2, 'prioritering');
    await expectCount(proj(), '#grid-topic-list li', 20);
    await checkSizes('grid-waiting');
    const topics = await until('facilitator: the 20 topics', () => driver().page.evaluate(() => window.clients.fac.activity?.topics ?? []),
      (list) => list.length === 20);
    const ids = topics.map((tp) => tp.id);
    // Realistic disagreement: four people, spread over the whole scale.
    const answers = [];
    for (let p = 0; p < PEOPLE; p += 1) {
      ids.forEach((id, i) => answers.push([`p${p}`, {
        type: 'answer', step: 'prioritering', prompt: id,
        value: { importance: 1 + ((i * 7 + p * 3) % 5), success: 1 + ((i * 3 + p * 2) % 5) },
      }]));
    }
    await sendAll([
      ...answers,
      ['fac', { type: 'act', step: 'prioritering', action: 'place', topic: ids[0], position: [5, 2] }],
      ['fac', { type: 'act', step: 'prioritering', action: 'prioritise', topics: [ids[1], ids[4], ids[8]] }],
      ['fac', { type: 'act', step: 'prioritering', action: 'reveal', revealed: true }],
    ]);
    await expectCount(proj(), '#grid-chart g.topic-marker', 20);
    await expectCount(proj(), '#grid-legend li', 20);
    await expectText(proj(), `#grid-legend li[data-topic="${ids[0]}"] .legend-meta`, /Aftalt: vigtighed 5, lykkes 2/);
    await checkSizes('grid');
    // The chart uses its region, not a square third of it.
    const [chartW, boxW] = await proj().page.evaluate(() => [
      document.querySelector('#grid-chart').getBoundingClientRect().width,
      document.querySelector('#activity').getBoundingClientRect().width]);
    assert.ok(chartW > boxW * 0.5, `the grid takes ${Math.round(chartW)} of ${Math.round(boxW)} px`);
    // No quadrant name sits under a marker.
    const covered = await proj().page.evaluate(() => {
      const boxes = [...document.querySelectorAll('#grid-chart .topic-marker, #grid-chart .agreed-marker')].map((m) => m.getBoundingClientRect());
      return [...document.querySelectorAll('#grid-chart .quadrant-label')].filter((l) => {
        const r = l.getBoundingClientRect();
        return boxes.some((b) => b.left < r.right && b.right > r.left && b.top < r.bottom && b.bottom > r.top);
      }).map((l) => l.textContent);
    });
    assert.deepEqual(covered, [], 'quadrant names under markers');
  });

  h.step('Del 2: twelve accepted plan rows, on the plan step and the closing step', async () => {
    await goTo(del2, 'handleplan');
    const areas = await driver().page.evaluate(() => (window.clients.fac.step?.areas || []).map((a) => a.id));
    assert.ok(areas.length > 0, 'the plan step has areas');
    await sendAll(Array.from({ length: 12 }, (_, i) => ['fac', {
      type: 'act', step: 'handleplan', action: 'add_row',
      row: {
        area: areas[i % areas.length], action: sentence(`Handling ${i + 1}`, 80), first_step: sentence('Første skridt', 60),
        owner: 'Ledergruppen', deadline: '2027-03-01', follow_up: '2027-04-15',
      },
    }]));
    await expectCount(proj(), '#plan-table tr[data-row]', 12);
    await checkSizes('plan');
    await goTo(del2, 'tak');
    await expectCount(proj(), '#plan-table tr[data-row]', 12);
    await checkSizes('end');
  });

  h.step('Del 3: 25 actors named by four on the map', async () => {
    Object.assign(del3, await openSession({ programme: 'del3', lang: 'da' }));
    await goTo(del3, 'kortet');
    const labels = Array.from({ length: 25 }, (_, i) => `Aktør ${i + 1} ${['Borgerne', 'Direktionen', 'Fagforeningen', 'Pressen', 'Politikerne'][i % 5]}`);
    const answers = [];
    for (let p = 0; p < PEOPLE; p += 1) {
      labels.forEach((label, i) => answers.push([`p${p}`, {
        type: 'answer', step: 'kortet', prompt: `a-${p}-${i}`,
        value: { label, influence: 1 + ((i * 3 + p) % 5), effect: ((i * 2 + p) % 5) - 2 },
      }]));
    }
    await sendAll([...answers, ['fac', { type: 'act', step: 'kortet', action: 'reveal', revealed: true }]]);
    await expectCount(proj(), '#map-chart g.actor-marker', 25);
    await expectCount(proj(), '#map-legend li', 25);
    await checkSizes('map');
  });

  h.step('Del 3: 30 shared items of 200 characters under their two questions, while a countdown runs', async () => {
    await goTo(del3, 'handlerum');
    const sends = [];
    let shared = 0;
    for (let p = 0; p < PEOPLE; p += 1) {
      for (const prompt of ['selv', 'sammen']) {
        const items = Array.from({ length: 4 }, (_, i) => ({ id: `i${i}`, text: sentence(`${prompt} ${p + 1}.${i + 1}`, 200) }));
        sends.push([`p${p}`, { type: 'answer', step: 'handlerum', prompt, value: items }]);
        for (const item of items) {
          if (shared >= 30) break;
          shared += 1;
          sends.push([`p${p}`, { type: 'act', step: 'handlerum', action: 'share', prompt, item: item.id, share: true, named: p === 0 }]);
        }
      }
    }
    await sendAll([...sends, ['fac', { type: 'timer_start', seconds: 600 }],
      ['fac', { type: 'act', step: 'handlerum', action: 'reveal', revealed: true }]]);
    await expectCount(proj(), '#shared-list [data-testid=shared-item]', 30);
    // Each item under the question it answers.
    const placed = await proj().page.evaluate(() => [...document.querySelectorAll('#shared-list .shared-prompt')].map((section) => ({
      prompt: section.dataset.prompt,
      title: section.querySelector('h3').textContent,
      items: [...section.querySelectorAll('.shared-text')].map((n) => n.textContent.split(' ')[0]),
    })));
    assert.deepEqual(placed.map((g) => [g.prompt, g.title]),
      [['selv', 'Det kan jeg selv påvirke'], ['sammen', 'Det kan vi kun påvirke sammen']]);
    for (const group of placed) assert.ok(group.items.every((word) => word === group.prompt), `${group.prompt}: ${group.items}`);
    await checkSizes('shared');
    // What does not fit is in pages that say so; every item is on one of them, and they turn.
    await resizeTo(SIZES[2]);
    const pages = await until('projector: the shared items in pages', () => proj().page.evaluate(() => {
      const region = document.querySelector('#shared-list');
      return { pages: Number(region.dataset.pages), on: [...region.querySelectorAll('li.shared-item')].map((li) => li.dataset.page) };
    }), (v) => v.pages > 1);
    assert.ok(pages.on.every((n) => Number(n) >= 0 && Number(n) < pages.pages), `every item on a page: ${pages.on}`);
    const pager = await textOf(proj().page, '#shared-list .pager');
    assert.match(pager, new RegExp(`^Side \\d af ${pages.pages}$`));
    await until('projector: the next page turns by itself', () => textOf(proj().page, '#shared-list .pager'), (v) => v !== pager);
    await proj().page.setViewportSize(SIZES[0]);
  });

  h.step('revealed before anyone answered, then four phones answer: the true result', async () => {
    const created = await server.api('POST', '/api/sessions', { body: { programme: 'del1', lang: 'da' } });
    const steps = (await server.api('GET', '/api/programmes')).find((p) => p.id === 'del1').steps;
    const index = steps.findIndex((s) => s.id === 'arbejde-privat');
    await proj().page.goto(created.projector_url);
    await driver().page.evaluate(async ({ code, token }) => window.connect('fac1', code, { type: 'hello', token }),
      { code: created.code, token: created.facilitator_token });
    const phones = [];
    for (let i = 0; i < PEOPLE; i += 1) {
      const phone = await h.newDevice(`phone${i + 1}`, PHONE);
      await phone.page.goto(created.join_url);
      await phone.page.locator('#join-button').tap();
      await expectText(phone, '#connection', 'Forbundet');
      phones.push(phone);
    }
    await sendAll([['fac1', { type: 'goto', index }],
      ['fac1', { type: 'act', step: 'arbejde-privat', action: 'reveal', revealed: true }]]);
    await expectText(proj(), '[data-prompt="balance"] .chart-note', /Færre end 3/);
    const answer = async (phone, value) => {
      await phone.page.locator(`label[for="prompt-balance-${value}"]`).tap();
      await until(`${phone.name}: ${value} saved`, () => phone.page.evaluate(() => document.querySelector('input[name="prompt-balance"]:checked')?.value ?? null),
        (v) => v === String(value));
    };
    const bars = () => proj().page.evaluate(() => [...document.querySelectorAll('[data-prompt="balance"] .bar-count')].map((n) => n.textContent).join(','));
    const tooFew = () => proj().page.locator('[data-prompt="balance"] .chart-note:not(.waiting)').isVisible();
    const values = [3, 7, 7, 9];
    for (const [i, phone] of phones.entries()) {
      await expectText(phone, '#step-title', steps[index].title.da);
      await answer(phone, values[i]);
    }
    // Three answers are shown as soon as three answered; the fourth waits for the next batch
    // of min_group changes, and the screen says so in words.
    await expectText(proj(), '[data-prompt="balance"] .chart-caption', '3 svar');
    await until('projector: the first three answers', bars, (v) => v === '0,0,1,0,0,0,2,0,0,0');
    await expectText(proj(), '[data-prompt="balance"] [data-testid=waiting]', '1 nyt svar venter på at blive vist.');
    assert.equal(await tooFew(), false, 'no "fewer than 3" once three answered');
    // Two change their minds: with the fourth's answer that is three people, and the result
    // catches up with all four.
    await answer(phones[0], 4);
    await answer(phones[1], 6);
    await expectText(proj(), '[data-prompt="balance"] .chart-caption', '4 svar');
    await until('projector: the true distribution of all four', bars, (v) => v === '0,0,0,1,0,1,1,0,1,0');
    assert.equal(await tooFew(), false, 'no "fewer than 3"');
    assert.equal(await proj().page.locator('[data-prompt="balance"] [data-testid=waiting]').isVisible(), false, 'nothing waits');
    await checkSizes('early-reveal');
    for (const phone of phones) await phone.page.close();
  });

  h.step('no errors, no foreign requests; the smallest text per step and size', async () => {
    h.assertClean();
    console.log(smallest.join('\n'));
  });
});
