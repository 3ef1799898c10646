// Real-browser test of what issue 12 asks of phones and of the pages around a meeting: a phone
// that is offline says at once that an answer is kept on it, keeps its offline notice in view,
// opens again after a reload without a network (the service worker) with its step and its
// answers, and sends the answer once when back online; the phone says from how many answers
// group results show; a series has a page of its own that lists every meeting after the start
// page's tab is closed; the 1:1 console offers no reveal.
//
// Run with scripts/browser-test.sh, or `node --test tests/browser/phone.test.mjs` after
// `cargo build --bin trivsel`. Screenshots go to tests/browser/artifacts/phone-*.

import { describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  Harness, PHONE, until, textOf, expectText, expectAttr, expectVisible, expectCount, expectValue,
} from './helpers.mjs';

// What the Danish UI shows (web/i18n.js); the sessions are created in Danish.
const UI = {
  savedOnPhone: 'Gemt på telefonen – sendes, når der er forbindelse',
  saved: 'gemt ✓',
  waiting: 'Venter på forbindelse…',
  resultsFrom: (n) => `Gruppens resultater vises først, når mindst ${n} har svaret.`,
  answers: (n) => `${n} svar`,
  notStarted: 'Ikke begyndt',
};
const MIN_GROUP = 3;
const RUN = Math.random().toString(36).slice(2, 8);

const h = new Harness('phone');
const server = h.server;
const session = { code: null, token: null, join: null };
const fac = () => h.device('facilitator');
const phone = () => h.device('phone');
const outboxOf = (device) => device.page.evaluate((key) => window.localStorage.getItem(key) ?? '[]', `trivsel:${session.code}:outbox`);

/** The connection notice lies inside the viewport, drawn (not hidden), after scrolling to the bottom. */
async function noticeInView(device, size) {
  await device.page.setViewportSize(size);
  const seen = await device.page.evaluate(() => {
    window.scrollTo(0, document.documentElement.scrollHeight);
    const node = document.getElementById('connection');
    const r = node.getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = r.top + r.height / 2;
    return {
      scrolled: window.scrollY,
      rect: [r.left, r.top, r.right, r.bottom],
      view: [window.innerWidth, window.innerHeight],
      hit: node.contains(document.elementFromPoint(x, y)),
    };
  });
  assert.ok(seen.scrolled > 0, `${size.width}×${size.height}: the page is long enough to scroll (${seen.scrolled})`);
  const [left, top, right, bottom] = seen.rect;
  assert.ok(left >= 0 && top >= 0 && right <= seen.view[0] && bottom <= seen.view[1],
    `${size.width}×${size.height}: the offline notice is off screen after scrolling: ${seen.rect} in ${seen.view}`);
  assert.ok(seen.hit, `${size.width}×${size.height}: the offline notice is covered`);
  // What the screen shows scrolled to the bottom (a full-page picture would not show the bar where it is).
  await device.page.screenshot({ path: h.artifact(`offline-${size.width}x${size.height}.png`) });
  // A control brought into view from below (as moving back through the page does: the nearest
  // edge, the top) lands clear of the bar, not under it.
  const clear = await device.page.evaluate(() => {
    const first = document.querySelector('#prompts input');
    const label = document.querySelector(`label[for="${first.id}"]`);
    label.scrollIntoView({ block: 'nearest' });
    const bar = document.querySelector('.topbar').getBoundingClientRect();
    return { bar: bar.bottom, control: label.getBoundingClientRect().top };
  });
  assert.ok(clear.control >= clear.bar - 1, `${size.width}×${size.height}: a control brought into view is under the bar (${clear.control} < ${clear.bar})`);
}

describe('phones that reassure and pages without dead ends', { timeout: 240_000 }, () => {
  h.hooks();

  h.step('a: a del1 meeting with min_group 2: the console and one phone on the first reflection step', async () => {
    const created = await server.api('POST', '/api/sessions', { body: { programme: 'del1', lang: 'da', min_group: MIN_GROUP } });
    Object.assign(session, { code: created.code, token: created.facilitator_token, join: created.join_url });
    const console_ = await h.newDevice('facilitator', { viewport: { width: 1280, height: 800 } });
    await console_.page.goto(created.facilitator_url);
    await expectText(console_, '#join-code', session.code);
    const p = await h.newDevice('phone', PHONE);
    await p.page.goto(session.join);
    await p.page.locator('#join-button').tap();
    await expectAttr(p, '#connection', 'data-status', 'live');
    await until('facilitator: #next enabled', () => console_.page.locator('#next').isEnabled(), (v) => v === true);
    await console_.page.locator('#next').click();
    await expectVisible(p, '#prompt-balance-hvorfor');
    // Every module the page ran was preloaded by the page itself (or is its script): none is
    // found only a level of imports later, which on a slow link costs a round trip.
    const late = await p.page.evaluate(() => {
      const entry = document.querySelector('script[type="module"]').src;
      const preloaded = new Set([...document.querySelectorAll('link[rel="modulepreload"]')].map((l) => l.href));
      return performance.getEntriesByType('resource').map((e) => e.name)
        .filter((url) => url.endsWith('.js') && !url.endsWith('/sw.js') && url !== entry && !preloaded.has(url));
    });
    assert.deepEqual(late, [], 'modules the page did not preload');
    // The service worker has taken over the page and kept its files: the page and the scripts
    // and styles of the one version the page runs (/static/<version>/…).
    await until('phone: the service worker controls the page',
      () => p.page.evaluate(() => navigator.serviceWorker.controller !== null), (v) => v === true);
    const version = await p.page.evaluate(() => new URL(document.querySelector('script[type="module"]').src).pathname.split('/')[2]);
    assert.match(version, /^[0-9a-f]{16}$/);
    await until('phone: the page and its scripts are kept',
      () => p.page.evaluate(async () => {
        const cache = await caches.open('trivsel-participant-v1');
        return (await cache.keys()).map((r) => new URL(r.url).pathname);
      }),
      (kept) => kept.includes('/static/participant.html')
        && ['participant.js', 'common.js', 'app.css', 'activity-reflection.js'].every((f) => kept.includes(`/static/${version}/${f}`))
        && kept.every((f) => f === '/static/participant.html' || f.startsWith(`/static/${version}/`)));
    // What an earlier server's version left in the cache goes once the page has named its files.
    await p.page.evaluate(async () => {
      const cache = await caches.open('trivsel-participant-v1');
      await cache.put('/static/0123456789abcdef/app.css', new Response('an earlier version'));
    });
    await p.page.reload();
    await expectVisible(p, '#prompt-balance-hvorfor');
    await until('phone: the earlier version is dropped, the current one kept',
      () => p.page.evaluate(async () => {
        const cache = await caches.open('trivsel-participant-v1');
        return (await cache.keys()).map((r) => new URL(r.url).pathname);
      }),
      (kept) => !kept.includes('/static/0123456789abcdef/app.css') && kept.includes(`/static/${version}/app.css`));
  });

  h.step('b: the phone says once, where results are mentioned, from how many answers they show', async () => {
    const sentence = UI.resultsFrom(MIN_GROUP);
    await expectText(phone(), '#private-note', new RegExp(sentence.replace(/[.]/g, '\\.')));
    const times = await phone().page.evaluate((s) => document.body.innerText.split(s).length - 1, sentence);
    assert.equal(times, 1, 'the sentence is said once on the screen');
    await h.checkPages('b-min-group');
  });

  h.step('c: offline, an answer says within a second that it is kept on the phone', async () => {
    const p = phone();
    await h.goOffline(p);
    // The page's own clock: when the answer was given, and when its line first said so.
    await p.page.evaluate((expected) => {
      window.__seen = {};
      document.addEventListener('change', (e) => {
        if (e.target.name === 'prompt-balance' && window.__seen.answered === undefined) window.__seen.answered = performance.now();
      }, true);
      const line = document.getElementById('saved-balance');
      new MutationObserver(() => {
        if (line.textContent === expected && window.__seen.shown === undefined) window.__seen.shown = performance.now();
      }).observe(line, { childList: true, characterData: true, subtree: true });
    }, UI.savedOnPhone);
    await p.page.locator('label[for="prompt-balance-7"]').tap();
    await expectText(p, '#saved-balance', UI.savedOnPhone);
    await expectAttr(p, '#saved-balance', 'data-state', 'queued');
    const seen = await p.page.evaluate(() => window.__seen);
    assert.ok(seen.answered !== undefined && seen.shown !== undefined, JSON.stringify(seen));
    assert.ok(seen.shown - seen.answered < 1000, `"${UI.savedOnPhone}" came ${Math.round(seen.shown - seen.answered)} ms after the answer`);
    // Typed text too, once typing pauses.
    const text = `Skrevet uden net ${RUN}`;
    h.secrets.push(RUN);
    await p.page.locator('#prompt-balance-hvorfor').tap();
    await p.page.locator('#prompt-balance-hvorfor').pressSequentially(text);
    await until('phone: the text is in the outbox', () => outboxOf(p), (o) => o.includes(RUN));
    await expectText(p, '#saved-balance-hvorfor', UI.savedOnPhone);
    await h.axe(p, 'c-offline');
  });

  h.step('d: the offline notice stays in view at the bottom of the page (360×740, 390×844)', async () => {
    await expectText(phone(), '#connection', UI.waiting);
    await noticeInView(phone(), { width: 360, height: 740 });
    await noticeInView(phone(), { width: 390, height: 844 });
    await phone().page.setViewportSize(PHONE.viewport);
  });

  h.step('e: a reload while offline opens the step with the saved answers', async () => {
    const p = phone();
    const response = await p.page.reload();
    assert.ok(response?.fromServiceWorker(), 'the reloaded page came from the service worker');
    await expectText(p, '#step-title', /Arbejdsliv/);
    await expectAttr(p, '#connection', 'data-status', 'waiting');
    await expectValue(p, '#prompt-balance-hvorfor', `Skrevet uden net ${RUN}`);
    await until('phone: 7 still checked',
      () => p.page.evaluate(() => document.querySelector('input[name="prompt-balance"]:checked')?.value ?? null),
      (v) => v === '7');
    await expectText(p, '#saved-balance', UI.savedOnPhone);
    await expectText(p, '#saved-balance-hvorfor', UI.savedOnPhone);
    await h.screenshot(p, 'e-reloaded-offline');
    await h.axe(p, 'e-reloaded-offline');
  });

  h.step('f: back online, the answers reach the server exactly once', async () => {
    const p = phone();
    await h.backOnline(p);
    await expectText(p, '#saved-balance', UI.saved);
    await expectText(p, '#saved-balance-hvorfor', UI.saved);
    await until('phone: outbox empty', () => outboxOf(p), (o) => o === '[]');
    await expectText(fac(), '#count-balance', UI.answers(1));
    await expectText(fac(), '#count-balance-hvorfor', UI.answers(1));
    const info = await server.api('GET', `/api/sessions/${session.code}`, { token: session.token });
    assert.equal(info.participants.joined, 1, 'the phone came back as itself, not as a second participant');
    await h.assertPrivate('after the offline answers');
  });

  h.step('f2: deleting one\'s answers deletes what the phone kept of them too', async () => {
    const p = phone();
    const kept = () => p.page.evaluate((code) => Object.keys(window.localStorage)
      .filter((k) => k.startsWith(`trivsel:${code}:`)).map((k) => window.localStorage.getItem(k)).join('\n'), session.code);
    assert.ok((await kept()).includes(RUN), 'the phone kept the answer while the session runs');
    await p.page.locator('#forget-button').tap();
    await p.page.locator('#forget-yes').tap();
    await expectText(p, '#forget-status', 'Dine svar og dit navn er slettet.');
    await until('phone: nothing of the answer is kept', kept, (all) => !all.includes(RUN));
    await expectText(fac(), '#count-balance', UI.answers(0));
  });

  h.step('g: the series page lists every meeting after the start page tab is closed', async () => {
    const start = await h.newDevice('starter', { viewport: { width: 1280, height: 800 } });
    await start.page.goto(`${server.base}/`);
    const choice = start.page.locator('input[name="programme"][value="tre-trins-raket"]');
    await choice.waitFor();
    await choice.check();
    await start.page.locator('#create-button').click();
    await expectVisible(start, '#series-result');
    await expectVisible(start, '#series-page-link');
    const link = await start.page.locator('#series-page-link').getAttribute('href');
    const codes = await start.page.$$eval('#series-meetings li.meeting-result', (items) => items.map((li) => li.dataset.code));
    assert.equal(codes.length, 3);
    assert.match(link, new RegExp(`^${server.base}/s/${codes[0]}/series#.+$`));
    await start.page.close();

    const later = await h.newDevice('series', { viewport: { width: 1280, height: 800 } });
    await later.page.goto(link);
    const programmes = await server.api('GET', '/api/programmes');
    await expectText(later, '#series-title', programmes.find((x) => x.id === 'tre-trins-raket').title.da);
    await expectCount(later, '#series-meetings li.meeting-result', 3);
    const listed = await later.page.$$eval('#series-meetings li.meeting-result', (items) => items.map((li) => ({
      code: li.dataset.code,
      facilitator: li.querySelector('a.facilitator-link')?.getAttribute('href'),
      projector: li.querySelector('a.projector-link')?.getAttribute('href'),
      status: li.querySelector('.meeting-status')?.textContent,
      shown: li.querySelector('strong.code')?.textContent,
    })));
    assert.deepEqual(listed.map((m) => m.code), codes);
    for (const m of listed) {
      assert.equal(m.shown, m.code);
      assert.match(m.facilitator, new RegExp(`/s/${m.code}/facilitator#`));
      assert.match(m.projector, new RegExp(`/s/${m.code}/projector#`));
      assert.equal(m.status, UI.notStarted);
    }
    await h.checkPages('g-series-page');
    // A wrong token opens nothing.
    h.expectMiss(`/api/series/${codes[0]}`, 401);
    await later.page.goto('about:blank');
    await later.page.goto(`${server.base}/s/${codes[0]}/series#wrong`);
    await expectText(later, '#message-title', 'Ugyldigt link');
    assert.equal(await later.page.locator('#series-meetings li').count(), 0);
  });

  h.step('h: the 1:1 console offers no reveal; its phone names no group results', async () => {
    const created = await server.api('POST', '/api/sessions', { body: { programme: 'enkelte-leder', lang: 'da' } });
    const console_ = await h.newDevice('facilitator-1to1', { viewport: { width: 1280, height: 800 } });
    await console_.page.goto(created.facilitator_url);
    await expectText(console_, '#join-code', created.code);
    const leader = await h.newDevice('leader', PHONE);
    await leader.page.goto(created.join_url);
    await leader.page.locator('#join-button').tap();
    await expectAttr(leader, '#connection', 'data-status', 'live');
    await until('facilitator: #next enabled', () => console_.page.locator('#next').isEnabled(), (v) => v === true);
    await console_.page.locator('#next').click();
    await expectVisible(console_, '#reveal-none');
    assert.equal(await console_.page.locator('#reveal-toggle').count(), 0, 'no reveal button in the 1:1');
    await expectVisible(leader, '#private-note');
    const note = await textOf(leader.page, '#private-note');
    assert.ok(!note.includes('Gruppens resultater'), `the 1:1 phone speaks of group results: ${note}`);
    // Sharing goes to the facilitator, not to a group.
    await expectText(leader, 'label[for="share-bidrager"]', 'Del med facilitatoren');
    assert.ok(!(await leader.page.evaluate(() => document.body.innerText)).includes('Del med gruppen'));
    await h.checkPages('h-one-to-one');
  });

  h.step('no console errors, page errors, CSP violations or foreign requests', async () => {
    h.assertClean();
  });
});
