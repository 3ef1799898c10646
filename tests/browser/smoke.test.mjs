// Real-browser smoke test: one workshop, driven through the pages the way
// people use them — a facilitator on a laptop, a projector, three phones.
//
// Starts target/debug/trivsel itself (fresh data dir, free port), drives
// Debian's Chromium through playwright-core and stops everything at the end
// (helpers.mjs). Run it with scripts/browser-test.sh (installs what is
// missing, builds the server), or `node --test tests/browser/*.test.mjs`
// after `cargo build --bin trivsel`.
//
// Environment: CARGO_TARGET_DIR (where the server binary is), CHROMIUM_PATH
// (default /usr/bin/chromium). Screenshots go to tests/browser/artifacts/smoke-*.

import { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  Harness, PHONE, until, textOf, expectText, expectAttr, expectVisible, expectValue,
} from './helpers.mjs';

const PROGRAMME = 'del1';
const LANG = 'da';
// What the Danish UI shows (web/i18n.js); the session is created in Danish.
const UI = {
  connected: 'Forbundet',
  waiting: 'Venter på forbindelse…',
  saved: 'gemt ✓',
  savedOnPhone: 'Gemt på telefonen – sendes, når der er forbindelse',
  participants: (n) => (n === 1 ? `${n} deltager` : `${n} deltagere`),
  readyOf: (n, m) => `${n} af ${m} til stede er klar`,
  answers: (n) => `${n} svar`,
  codeUnknown: (c) => `Der er ingen workshop med koden ${c}. Tjek koden på skærmen, og prøv igen.`,
};

// A tag that makes this run's typed texts unique, so a privacy leak cannot
// hide behind a coincidence and cannot be a left-over from an earlier run.
const RUN = Math.random().toString(36).slice(2, 8);

const h = new Harness('smoke');
const server = h.server;
const devices = h.devices;
const step = (name, fn) => h.step(name, fn);
const screenshot = (device, file) => h.screenshot(device, file);

// ---------------------------------------------------------------------------
// The scenario

/** Steps of the programme from the server: [{id, kind, title: {da, en}}]. */
let steps = [];
const title = (id) => steps.find((s) => s.id === id).title[LANG];
let code = null;
let joinUrl = null;
let projectorUrl = null;
let facilitatorToken = null;

/** The facilitator moves on; wait until the server and the console agree. */
async function facilitatorGoesTo(stepId) {
  const fac = devices.get('facilitator');
  const index = steps.findIndex((s) => s.id === stepId);
  await until('facilitator: #next enabled', () => fac.page.locator('#next').isEnabled(), (v) => v === true);
  await fac.page.locator('#next').click();
  await expectText(fac, '#step-title', title(stepId));
  await until(`server: session at step ${stepId}`,
    () => server.api('GET', `/api/sessions/${code}`, { token: facilitatorToken }),
    (info) => info.step.id === stepId && info.step.index === index);
}

const phones = () => ['phone1', 'phone2', 'phone3'].map((name) => devices.get(name));

describe('trivsel workshop in a real browser', { timeout: 240_000 }, () => {
  h.hooks();
  before(async () => {
    const programmes = await server.api('GET', '/api/programmes');
    steps = programmes.find((p) => p.id === PROGRAMME)?.steps ?? [];
    assert.deepEqual(steps.map((s) => s.id), ['velkommen', 'arbejde-privat', 'energi', 'tak'],
      `programme ${PROGRAMME} has other steps than this test knows`);
  });

  step('a: the facilitator creates a del1 session from the start page', async () => {
    const fac = await h.newDevice('facilitator', { viewport: { width: 1280, height: 800 } });
    await fac.page.goto(`${server.base}/`);
    const choice = fac.page.locator(`input[name="programme"][value="${PROGRAMME}"]`);
    await choice.waitFor();
    await choice.check();
    await fac.page.locator('#create-button').click();
    await fac.page.waitForURL(/\/s\/[^/]+\/facilitator#.+$/);

    const url = new URL(fac.page.url());
    code = decodeURIComponent(url.pathname.split('/')[2]);
    facilitatorToken = url.hash.slice(1);
    assert.equal(url.host, server.host);
    await expectText(fac, '#connection', UI.connected);
    await expectText(fac, '#join-code', code);
    await expectText(fac, '#step-title', title('velkommen'));
    joinUrl = await fac.page.locator('#join-link').getAttribute('href');
    assert.equal(joinUrl, `${server.base}/j/${code}`, 'join link on the console');
    assert.equal(await textOf(fac.page, '#join-link'), joinUrl);
    projectorUrl = await fac.page.locator('#projector-link').getAttribute('href');
    assert.match(projectorUrl, new RegExp(`^${server.base}/s/${code}/projector#.+$`), 'projector link on the console');
    assert.equal(await fac.page.locator('#prev').isDisabled(), true, '#prev on the first step');

    const info = await server.api('GET', `/api/sessions/${code}`, { token: facilitatorToken });
    assert.equal(info.code, code);
    assert.equal(info.programme, PROGRAMME);
    assert.deepEqual(info.step, { index: 0, id: 'velkommen', kind: 'info' });
    await h.checkPages('00-facilitator');
  });

  step('b: the projector shows the join code and a QR image', async () => {
    const proj = await h.newDevice('projector', { viewport: { width: 1280, height: 720 } });
    await proj.page.goto(projectorUrl);
    await expectText(proj, '#join-code', code);
    await expectText(proj, '#step-title', title('velkommen'));
    await expectText(proj, '#joined', UI.participants(0));
    await until('projector: #qr loaded', () => proj.page.locator('#qr').evaluate(
      (img) => ({ complete: img.complete, width: img.naturalWidth, src: img.getAttribute('src') }),
    ), (qr) => qr.complete && qr.width > 0);
    // Fetched with the projector token (never slowed by guessing from the same address).
    assert.match(await proj.page.locator('#qr').getAttribute('src'), /^data:image\/svg\+xml/);
    await expectVisible(proj, '#qr');
    await expectVisible(proj, '#connection', false);
  });

  step('c: three phones join (one named, two anonymous)', async () => {
    const names = ['Mette Testesen', '', ''];
    await Promise.all(names.map(async (name, i) => {
      const phone = await h.newDevice(`phone${i + 1}`, PHONE);
      if (i === 0) {
        // The first phone types the code on the start page: a wrong one first, which is
        // refused there with the field kept, then the right one in lower case with a space.
        await phone.page.goto(`${server.base}/`);
        const wrong = code.slice(0, 6) + (code.endsWith('X') ? 'Y' : 'X');
        h.expectMiss(`/api/sessions/${wrong}/join`, 404);
        await phone.page.locator('#code-input').fill(wrong);
        await phone.page.locator('#code-form button[type=submit]').tap();
        await expectText(phone, '#code-error', UI.codeUnknown(wrong));
        await expectValue(phone, '#code-input', wrong);
        await expectAttr(phone, '#code-input', 'aria-invalid', 'true');
        assert.equal(new URL(phone.page.url()).pathname, '/', 'a wrong code leads nowhere');
        await h.screenshot(phone, '00-wrong-code');
        await phone.page.locator('#code-input').fill(`${code.slice(0, 3).toLowerCase()} ${code.slice(3).toLowerCase()}`);
        await phone.page.locator('#code-form button[type=submit]').tap();
        await until('phone1: on the join page', async () => new URL(phone.page.url()).pathname, (path) => path === `/j/${code}`);
      } else {
        await phone.page.goto(joinUrl);
      }
      await expectVisible(phone, '#join-form');
      if (name) {
        await phone.page.locator('#join-name').tap();
        await phone.page.locator('#join-name').fill(name);
      }
      await phone.page.locator('#join-button').tap();
      await expectText(phone, '#step-title', title('velkommen'));
      await expectText(phone, '#connection', UI.connected);
      await expectAttr(phone, '#connection', 'data-status', 'live');
    }));
    const proj = devices.get('projector');
    const fac = devices.get('facilitator');
    await expectText(proj, '#joined', UI.participants(3));
    await expectText(fac, '#joined', '3');
    await expectText(fac, '#connected', '3');
    const info = await server.api('GET', `/api/sessions/${code}`, { token: facilitatorToken });
    assert.deepEqual(info.participants, {
      joined: 3, connected: 3, named: [{ name: 'Mette Testesen', connected: true, ready: false }],
    });
    // Who is here: names only where given; the two anonymous phones are counted, not listed.
    await expectText(fac, '#people li[data-testid=person] .person-name', 'Mette Testesen');
    await expectText(fac, '#people-anonymous', '2 anonyme deltagere, heraf 2 forbundet');
    await h.checkPages('01-velkommen');
  });

  step('d: step arbejde-privat — every phone answers and sees it saved', async () => {
    await facilitatorGoesTo('arbejde-privat');
    const proj = devices.get('projector');
    const fac = devices.get('facilitator');
    await expectText(proj, '#step-title', title('arbejde-privat'));
    await Promise.all(phones().map(async (phone, i) => {
      const n = i + 1;
      await expectText(phone, '#step-title', title('arbejde-privat'));
      const scale = 3 + n; // 4, 5, 6
      await phone.page.locator(`label[for="prompt-balance-${scale}"]`).tap();
      await until(`${phone.name}: balance ${scale} checked`,
        () => phone.page.evaluate(() => document.querySelector('input[name="prompt-balance"]:checked')?.value ?? null),
        (v) => v === String(scale));
      const text = `Mere tid til familien, æøå — privat ${RUN}-${n}`;
      h.secrets.push(`${RUN}-${n}`);
      const area = phone.page.locator('#prompt-balance-hvorfor');
      await area.tap();
      await area.pressSequentially(text);
      await expectValue(phone, '#prompt-balance-hvorfor', text);
      for (const prompt of ['balance', 'balance-hvorfor']) {
        await expectAttr(phone, `#saved-${prompt}`, 'data-state', 'saved');
        await expectText(phone, `#saved-${prompt}`, UI.saved);
      }
      await phone.page.locator('#ready-button').tap();
      await expectAttr(phone, '#ready-button', 'aria-pressed', 'true');
      await expectText(phone, '#saved-ready', '');
    }));
    await expectText(fac, '#count-balance', UI.answers(3));
    await expectText(fac, '#count-balance-hvorfor', UI.answers(3));
    await expectText(fac, '#ready', UI.readyOf(3, 3));
    await expectText(proj, '#ready', UI.readyOf(3, 3));
    await h.checkPages('02-arbejde-privat');
  });

  step('e: no typed text reaches the projector or the facilitator', async () => {
    await h.assertPrivate('after answering');
    assert.ok(h.staffFrames.length > 0, 'the staff pages received WebSocket messages');
  });

  step('f: a phone goes offline, keeps typing, and its answer arrives once back online', async () => {
    const phone = devices.get('phone2');
    const fac = devices.get('facilitator');
    const text = `Skrevet uden net — privat ${RUN}-offline`;
    h.secrets.push(`${RUN}-offline`);

    await h.goOffline(phone);
    await expectText(phone, '#connection', UI.waiting);
    await expectText(fac, '#connected', '2');

    const area = phone.page.locator('#prompt-balance-hvorfor');
    await area.tap();
    await area.fill('');
    await area.pressSequentially(text);
    // The op is stored in the outbox (after the debounce) but cannot be acked.
    await until(`${phone.name}: answer queued in the outbox`,
      () => phone.page.evaluate((key) => window.localStorage.getItem(key) ?? '', `trivsel:${code}:outbox`),
      (outbox) => outbox.includes(`${RUN}-offline`));
    // Offline, it says at once that the answer is kept on the phone (issue 12), not "gemmer…".
    await expectAttr(phone, '#saved-balance-hvorfor', 'data-state', 'queued');
    await expectText(phone, '#saved-balance-hvorfor', UI.savedOnPhone);
    assert.equal(await textOf(phone.page, '#connection'), UI.waiting, 'still offline');
    await screenshot(phone, '03-offline-phone');
    await h.axe(phone, '03-offline');

    await h.backOnline(phone);
    await expectText(phone, '#connection', UI.connected);
    await expectAttr(phone, '#saved-balance-hvorfor', 'data-state', 'saved');
    await expectText(phone, '#saved-balance-hvorfor', UI.saved);
    await until(`${phone.name}: outbox empty`,
      () => phone.page.evaluate((key) => window.localStorage.getItem(key), `trivsel:${code}:outbox`),
      (outbox) => outbox === null || outbox === '[]');
    await expectText(fac, '#connected', '3');

    await phone.page.reload();
    await expectText(phone, '#step-title', title('arbejde-privat'));
    await expectText(phone, '#connection', UI.connected);
    await expectValue(phone, '#prompt-balance-hvorfor', text);
    await expectAttr(phone, '#saved-balance-hvorfor', 'data-state', 'saved');
    await until(`${phone.name}: balance 5 still checked`,
      () => phone.page.evaluate(() => document.querySelector('input[name="prompt-balance"]:checked')?.value ?? null),
      (v) => v === '5');
    await expectText(fac, '#count-balance-hvorfor', UI.answers(3));
    await expectText(fac, '#connected', '3');
    await h.assertPrivate('after the offline answer');
  });

  step('g: the facilitator goes through energi to the end; phones show the end', async () => {
    const proj = devices.get('projector');
    const fac = devices.get('facilitator');
    await facilitatorGoesTo('energi');
    await expectText(proj, '#step-title', title('energi'));
    await expectText(proj, '#ready', UI.readyOf(0, 3));
    for (const phone of phones()) await expectText(phone, '#step-title', title('energi'));
    await h.checkPages('04-energi');

    await facilitatorGoesTo('tak');
    assert.equal(await fac.page.locator('#next').isDisabled(), true, '#next on the last step');
    await expectText(proj, '#step-title', title('tak'));
    await expectVisible(proj, '#ready', false);
    for (const phone of phones()) {
      await expectText(phone, '#step-title', title('tak'));
      await expectVisible(phone, '#thanks');
      await expectVisible(phone, '#ready-box', false);
    }
    await h.checkPages('05-tak');
    await h.assertPrivate('at the end');
  });

  step('no console errors, page errors, CSP violations or foreign requests', async () => {
    h.assertClean();
  });
});
