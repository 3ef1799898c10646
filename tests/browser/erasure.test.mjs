// A deletion after a reveal holds the results (issue 13): five people rate
// Del 2's topics, the facilitator reveals, one deletes their answers — the
// projector says the result is held and the console says so too; once three
// others (min_group) changed their ratings it moves and the note goes. The same
// for Del 3's stakeholder map: held as shown, "nævnt af 5" and the count of
// those named by too few, with the note.
//
// Participants and the facilitator speak the WebSocket protocol from a helper
// page on the server's origin. Screenshots: tests/browser/artifacts/erasure-*.

import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, until, expectText, expectVisible, installClients, sendFrom } from './helpers.mjs';

const PEOPLE = 5;
const HELD = 'Resultatet holdes, til flere har ændret deres svar.';

const h = new Harness('erasure');
const server = h.server;
const proj = () => h.device('projector');
const fac = () => h.device('facilitator');
const driver = () => h.device('driver');

/** Sends from the helper page (see `installClients`). */
const sendAll = (list) => sendFrom(driver().page, list);

const rate = (who, topics, value) => topics.map((id) => [who, {
  type: 'answer', step: 'prioritering', prompt: id, value,
}]);

describe('a deletion after a reveal holds the results, and the screens say so', { timeout: 240_000 }, () => {
  h.hooks();
  let topics = [];

  h.step('five rate Del 2\'s topics and the facilitator reveals', async () => {
    const created = await server.api('POST', '/api/sessions', { body: { programme: 'del2', lang: 'da', min_group: 3 } });
    await h.newDevice('driver', { viewport: { width: 800, height: 600 } });
    await driver().page.goto(`${server.base}/tilgaengelighed`);
    await driver().page.evaluate(installClients);
    await driver().page.evaluate(async ({ code, token, people }) => {
      await window.connect('fac', code, { type: 'hello', token });
      for (let i = 0; i < people; i += 1) await window.connect(`p${i}`, code, { type: 'join', name: null });
    }, { code: created.code, token: created.facilitator_token, people: PEOPLE });
    await h.newDevice('projector', { viewport: { width: 1280, height: 720 } });
    await proj().page.goto(created.projector_url);
    await h.newDevice('facilitator', { viewport: { width: 1280, height: 800 } });
    await fac().page.goto(created.facilitator_url);
    await sendAll([['fac', { type: 'goto', index: 2 }]]);
    topics = (await until('the topics', () => driver().page.evaluate(() => window.clients.fac.activity?.topics ?? []),
      (list) => list.length > 0)).map((tp) => tp.id);
    const answers = [];
    for (let p = 0; p < PEOPLE; p += 1) answers.push(...rate(`p${p}`, topics, { importance: 1 + (p % 5), success: 5 - (p % 5) }));
    await sendAll([...answers, ['fac', { type: 'act', step: 'prioritering', action: 'reveal', revealed: true }]]);
    await until('projector: the results', () => proj().page.locator('#grid-chart g.topic-marker').count(), (n) => n === topics.length);
    await expectVisible(proj(), '#grid-held', false);
  });

  h.step('one deletes their answers: the projector and the console say the result is held', async () => {
    await sendAll([['p0', { type: 'forget_me' }]]);
    await expectVisible(proj(), '#grid-held', true);
    await expectText(proj(), '#grid-held', HELD);
    await expectVisible(fac(), '#grid-held', true);
    await h.screenshot(proj(), 'held');
    await h.screenshot(fac(), 'held-console');
  });

  h.step('three others change their ratings: the result moves and the note goes', async () => {
    await sendAll([1, 2, 3].flatMap((p) => rate(`p${p}`, topics, { importance: 2, success: 2 })));
    await expectVisible(proj(), '#grid-held', false);
    const held = await driver().page.evaluate(() => window.clients.fac.activity?.held ?? false);
    assert.equal(held, false);
  });

  h.step('Del 3: five name the same stakeholder, one also one of their own; the map is revealed', async () => {
    const created = await server.api('POST', '/api/sessions', { body: { programme: 'del3', lang: 'da', min_group: 3 } });
    await driver().page.evaluate(async ({ code, token, people }) => {
      await window.connect('fac3', code, { type: 'hello', token });
      for (let i = 0; i < people; i += 1) await window.connect(`m${i}`, code, { type: 'join', name: null });
    }, { code: created.code, token: created.facilitator_token, people: PEOPLE });
    const steps = await driver().page.evaluate(() => window.clients.fac3.snapshot.session.steps.map((st) => st.id));
    await proj().page.goto(created.projector_url);
    const actor = (who, id, label, influence) => [who, {
      type: 'answer', step: 'kortet', prompt: id, value: { label, influence, effect: 0 },
    }];
    const names = [];
    for (let p = 0; p < PEOPLE; p += 1) names.push(actor(`m${p}`, 'a', 'Pårørenderådet', 1 + (p % 5)));
    names.push(actor('m0', 'b', 'Direktørens nye rådgiver', 5));
    await sendAll([
      ['fac3', { type: 'goto', index: steps.indexOf('kortet') }],
      ...names,
      ['fac3', { type: 'act', step: 'kortet', action: 'reveal', revealed: true }],
    ]);
    await expectText(proj(), '#map-legend li .legend-meta', 'nævnt af 5');
    await expectVisible(proj(), '#map-held', false);
  });

  h.step('the one deletes their answers: the map stays as shown and says it is held', async () => {
    await sendAll([['m0', { type: 'forget_me' }]]);
    await expectVisible(proj(), '#map-held', true);
    await expectText(proj(), '#map-held', HELD);
    await expectText(proj(), '#map-legend li .legend-meta', 'nævnt af 5');
    await expectText(proj(), '#map-few', '1 aktør nævnt af for få');
    await h.screenshot(proj(), 'map-held');
  });
});
