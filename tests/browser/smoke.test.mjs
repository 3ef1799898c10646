// Real-browser smoke test: one workshop, driven through the pages the way
// people use them — a facilitator on a laptop, a projector, three phones.
//
// Starts target/debug/trivsel itself (fresh data dir, free port), drives
// Debian's Chromium through playwright-core and stops everything at the end.
// Run it with scripts/browser-test.sh (installs what is missing, builds the
// server), or `node --test tests/browser/` after `cargo build --bin trivsel`.
//
// Environment: CARGO_TARGET_DIR (where the server binary is), CHROMIUM_PATH
// (default /usr/bin/chromium). Screenshots go to tests/browser/artifacts/.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
// Cargo resolves a relative CARGO_TARGET_DIR against its working directory;
// scripts/browser-test.sh runs cargo from the repository root.
const TARGET_DIR = process.env.CARGO_TARGET_DIR
  ? path.resolve(REPO, process.env.CARGO_TARGET_DIR)
  : path.join(REPO, 'target');
const SERVER_BIN = path.join(TARGET_DIR, 'debug', process.platform === 'win32' ? 'trivsel.exe' : 'trivsel');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];
const ARTIFACTS = path.join(HERE, 'artifacts');

/** How long one expectation may take to come true. */
const WAIT_MS = 15_000;
/** How often a condition is looked at again while waiting. */
const POLL_MS = 100;

const PROGRAMME = 'del1';
const LANG = 'da';
// What the Danish UI shows (web/i18n.js); the session is created in Danish.
const UI = {
  connected: 'Forbundet',
  waiting: 'Venter på forbindelse…',
  saved: 'gemt ✓',
  saving: 'gemmer…',
  participants: (n) => (n === 1 ? `${n} deltager` : `${n} deltagere`),
  readyOf: (n, m) => `${n} af ${m} er klar`,
  answers: (n) => `${n} svar`,
};

// A tag that makes this run's typed texts unique, so a privacy leak cannot
// hide behind a coincidence and cannot be a left-over from an earlier run.
const RUN = Math.random().toString(36).slice(2, 8);

// ---------------------------------------------------------------------------
// The server

/** A port that was free a moment ago: bind port 0, read it, close. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

class Server {
  constructor() {
    this.proc = null;
    this.log = '';
    this.exited = null;
    this.dataDir = null;
    this.port = null;
  }

  get host() {
    return `127.0.0.1:${this.port}`;
  }

  get base() {
    return `http://${this.host}`;
  }

  async start() {
    if (!fs.existsSync(SERVER_BIN)) {
      throw new Error(`no server binary at ${SERVER_BIN}: run \`cargo build --bin trivsel\` first`);
    }
    // The port is free when picked but could be taken before the server binds
    // it; try a few times rather than fail on that race.
    for (let attempt = 1; ; attempt += 1) {
      this.port = await freePort();
      this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trivsel-browser-'));
      this.spawn();
      try {
        await this.waitHealthy();
        return;
      } catch (error) {
        const portTaken = this.exited !== null && /cannot listen/.test(this.log);
        await this.stop();
        if (!portTaken || attempt >= 3) throw error;
      }
    }
  }

  spawn() {
    // Only our flags: a TRIVSEL_* variable in the caller's environment (e.g.
    // TRIVSEL_PUBLIC_URL) would change the links the pages show.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TRIVSEL_')));
    this.exited = null;
    this.proc = spawn(SERVER_BIN, ['--addr', this.host, '--data', this.dataDir], {
      cwd: this.dataDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const append = (chunk) => {
      this.log += chunk.toString();
    };
    this.proc.stdout.on('data', append);
    this.proc.stderr.on('data', append);
    this.proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
    });
    this.proc.on('error', (error) => {
      this.log += `spawn error: ${error.message}\n`;
      this.exited = { code: null, signal: null };
    });
  }

  async waitHealthy() {
    const deadline = Date.now() + WAIT_MS;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new Error(`the server exited (${JSON.stringify(this.exited)}) before /healthz answered:\n${this.log}`);
      }
      try {
        const response = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (response.ok) return;
        last = `HTTP ${response.status}`;
      } catch (error) {
        last = error.cause?.code || error.message;
      }
      await delay(POLL_MS);
    }
    throw new Error(`the server did not answer /healthz within ${WAIT_MS} ms (last: ${last}):\n${this.log}`);
  }

  async api(method, url, { token, body } = {}) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.base}${url}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${url} → HTTP ${response.status}: ${text}`);
    return text === '' ? null : JSON.parse(text);
  }

  /** SIGTERM, then SIGKILL if it does not exit within 5 s; remove the data dir. */
  async stop() {
    const proc = this.proc;
    this.proc = null;
    if (proc && this.exited === null) {
      const gone = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      const timedOut = await Promise.race([gone.then(() => false), delay(5000, undefined, { ref: false }).then(() => true)]);
      if (timedOut) {
        this.log += '(did not stop within 5 s of SIGTERM; killed)\n';
        proc.kill('SIGKILL');
        await gone;
      }
    }
    if (this.dataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
    this.dataDir = null;
  }

  /** Synchronous last resort when the test process exits abnormally. */
  killNow() {
    if (this.proc && this.exited === null) this.proc.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------
// Waiting for conditions

/**
 * Poll `probe` until `accept(value)` holds; fail after `timeout` with what was
 * last seen. Probe errors (element missing, page navigating) count as "not yet".
 */
async function until(what, probe, accept, timeout = WAIT_MS) {
  const deadline = Date.now() + timeout;
  for (;;) {
    let seen;
    let error = null;
    try {
      seen = await probe();
      if (accept(seen)) return seen;
    } catch (e) {
      error = e;
    }
    if (Date.now() >= deadline) {
      const last = error ? `error: ${error.message.split('\n')[0]}` : JSON.stringify(seen);
      throw new assert.AssertionError({ message: `${what} (not within ${timeout} ms; last seen: ${last})` });
    }
    await delay(POLL_MS);
  }
}

const matches = (expected) => (value) => (expected instanceof RegExp
  ? typeof value === 'string' && expected.test(value)
  : value === expected);

/** Trimmed textContent of the first element matching `selector`, or null. */
function textOf(page, selector) {
  return page.evaluate((sel) => {
    const node = document.querySelector(sel);
    return node ? node.textContent.trim() : null;
  }, selector);
}

function attrOf(page, selector, name) {
  return page.evaluate(([sel, attr]) => document.querySelector(sel)?.getAttribute(attr) ?? null, [selector, name]);
}

function expectText(who, selector, expected, timeout) {
  return until(`${who.name}: ${selector} should show ${expected}`, () => textOf(who.page, selector), matches(expected), timeout);
}

function expectAttr(who, selector, name, expected, timeout) {
  return until(`${who.name}: ${selector} [${name}] should be ${expected}`,
    () => attrOf(who.page, selector, name), matches(expected), timeout);
}

function expectVisible(who, selector, visible = true) {
  return until(`${who.name}: ${selector} should be ${visible ? 'visible' : 'hidden'}`,
    () => who.page.locator(selector).first().isVisible(), (v) => v === visible);
}

function expectValue(who, selector, expected) {
  return until(`${who.name}: ${selector} should hold ${JSON.stringify(expected)}`,
    () => who.page.evaluate((sel) => document.querySelector(sel)?.value ?? null, selector), matches(expected));
}

// ---------------------------------------------------------------------------
// Devices, and what they must never do

const server = new Server();
let browser = null;
/** name -> {name, context, page} */
const devices = new Map();
/** Console errors, page errors, CSP violations, failed requests. */
const problems = [];
/** Requests or sockets to anywhere but the server. */
const foreign = [];
/** Noise that is expected while a phone is offline (logged, not failed). */
const tolerated = [];
/** Phones currently offline: their WebSocket failures are expected. */
const offline = new Set();
/** Everything staff pages received over their WebSockets. */
const staffFrames = [];
/** Texts typed on phones: must never reach the projector or facilitator. */
const secrets = [];
let requestCount = 0;

const STAFF = new Set(['facilitator', 'projector']);

function checkUrl(name, url, kind) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    foreign.push(`${name}: unparsable ${kind} URL ${url}`);
    return;
  }
  if (parsed.protocol === 'data:' || parsed.protocol === 'blob:' || url === 'about:blank') return;
  const ok = (parsed.protocol === 'http:' || parsed.protocol === 'ws:') && parsed.host === server.host;
  if (!ok) foreign.push(`${name}: ${kind} to ${url}`);
}

/** A WebSocket failure of an offline phone is the point of the exercise. */
function expectedOfflineNoise(name, text) {
  return offline.has(name) && /^WebSocket connection to 'ws:\/\/[^']+\/api\/sessions\/[^']+\/ws' failed/.test(text);
}

function watchPage(name, page) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const where = msg.location()?.url ? ` (${msg.location().url}:${msg.location().lineNumber})` : '';
    if (expectedOfflineNoise(name, text)) tolerated.push(`${name}: ${text}`);
    else problems.push(`${name}: console error: ${text}${where}`);
  });
  page.on('pageerror', (error) => problems.push(`${name}: uncaught: ${error.stack || error}`));
  page.on('crash', () => problems.push(`${name}: the page crashed`));
  page.on('request', (request) => {
    requestCount += 1;
    checkUrl(name, request.url(), `${request.method()} request`);
  });
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? 'failed';
    const line = `${name}: request failed: ${request.method()} ${request.url()}: ${failure}`;
    if (offline.has(name)) tolerated.push(line);
    else problems.push(line);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${name}: HTTP ${response.status()} for ${response.url()}`);
  });
  // Playwright reports WebSockets here, not as requests.
  page.on('websocket', (ws) => {
    checkUrl(name, ws.url(), 'WebSocket');
    if (STAFF.has(name)) {
      ws.on('framereceived', ({ payload }) => staffFrames.push({ name, payload: payload.toString() }));
    }
  });
}

async function newDevice(name, options) {
  const context = await browser.newContext({ locale: 'da-DK', timezoneId: 'Europe/Copenhagen', ...options });
  // A CSP violation also shows as a console error in Chromium; this makes
  // sure it is caught even where Chromium only fires the DOM event.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || '(inline)'} `
        + `in ${event.sourceFile || document.URL}:${event.lineNumber}`);
    });
  });
  const page = await context.newPage();
  watchPage(name, page);
  // Pages the context opens later by itself (e.g. a target=_blank link) are watched too.
  context.on('page', (popup) => watchPage(`${name}(popup)`, popup));
  page.setDefaultTimeout(WAIT_MS);
  page.setDefaultNavigationTimeout(WAIT_MS);
  const device = { name, context, page };
  devices.set(name, device);
  return device;
}

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

async function screenshot(device, file) {
  await device.page.screenshot({ path: path.join(ARTIFACTS, `${file}.png`), fullPage: device.name.startsWith('phone') });
}

/**
 * Close the page's open WebSockets from the browser side, as a lost network
 * would; returns how many there were. Uses the DevTools protocol so the page's
 * own code stays untouched.
 */
async function dropWebSockets(device) {
  const cdp = await device.context.newCDPSession(device.page);
  try {
    const proto = await cdp.send('Runtime.evaluate', { expression: 'WebSocket.prototype' });
    const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId });
    const { result } = await cdp.send('Runtime.callFunctionOn', {
      objectId: objects.objectId,
      functionDeclaration: `function () {
        const open = this.filter((ws) => ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN);
        for (const ws of open) ws.close();
        return open.length;
      }`,
      returnByValue: true,
    });
    return result.value;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/** The typed texts must not be anywhere on the staff pages or in what they received. */
async function assertPrivate(moment) {
  assert.ok(secrets.length > 0, 'nothing typed yet');
  for (const name of STAFF) {
    const { page } = devices.get(name);
    const { inner, all } = await page.evaluate(() => ({
      inner: document.body.innerText,
      all: document.documentElement.textContent,
    }));
    for (const secret of secrets) {
      assert.ok(!inner.includes(secret), `${moment}: the ${name} page shows a participant's text "${secret}"`);
      assert.ok(!all.includes(secret), `${moment}: the ${name} page holds a participant's text "${secret}" (hidden)`);
    }
  }
  for (const frame of staffFrames) {
    for (const secret of secrets) {
      assert.ok(!frame.payload.includes(secret), `${moment}: the ${frame.name} page received "${secret}" over its WebSocket`);
    }
  }
}

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

let broken = null;
/** A scenario step; once one fails the rest are skipped (they depend on it). */
function step(name, fn) {
  it(name, async (t) => {
    if (broken) {
      t.skip(`"${broken}" failed`);
      return;
    }
    try {
      await fn(t);
    } catch (error) {
      broken = name;
      for (const device of devices.values()) {
        await screenshot(device, `failed-${device.name}`).catch(() => {});
      }
      throw error;
    }
  });
}

process.on('exit', () => server.killNow());

describe('trivsel workshop in a real browser', { timeout: 240_000 }, () => {
  before(async () => {
    fs.rmSync(ARTIFACTS, { recursive: true, force: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await server.start();
    const programmes = await server.api('GET', '/api/programmes');
    steps = programmes.find((p) => p.id === PROGRAMME)?.steps ?? [];
    assert.deepEqual(steps.map((s) => s.id), ['velkommen', 'arbejde-privat', 'energi', 'tak'],
      `programme ${PROGRAMME} has other steps than this test knows`);
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });

  after(async () => {
    // Close the browser before the server, so no page sees the server vanish.
    if (browser) await Promise.race([browser.close(), delay(10_000, undefined, { ref: false })]).catch(() => {});
    await server.stop();
    fs.writeFileSync(path.join(ARTIFACTS, 'server.log'), server.log);
    if (tolerated.length > 0) {
      fs.writeFileSync(path.join(ARTIFACTS, 'tolerated.log'), `${tolerated.join('\n')}\n`);
    }
    if (broken) {
      const seen = [...problems, ...foreign];
      if (seen.length > 0) process.stderr.write(`\n--- browser problems so far ---\n${seen.join('\n')}\n`);
      process.stderr.write(`\n--- server log (also in ${ARTIFACTS}/server.log) ---\n${server.log}\n`);
    }
  });

  step('a: the facilitator creates a del1 session from the start page', async () => {
    const fac = await newDevice('facilitator', { viewport: { width: 1280, height: 800 } });
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
    await screenshot(fac, '00-facilitator');
  });

  step('b: the projector shows the join code and a QR image', async () => {
    const proj = await newDevice('projector', { viewport: { width: 1280, height: 720 } });
    await proj.page.goto(projectorUrl);
    await expectText(proj, '#join-code', code);
    await expectText(proj, '#step-title', title('velkommen'));
    await expectText(proj, '#joined', UI.participants(0));
    await until('projector: #qr loaded', () => proj.page.locator('#qr').evaluate(
      (img) => ({ complete: img.complete, width: img.naturalWidth, src: img.getAttribute('src') }),
    ), (qr) => qr.complete && qr.width > 0);
    assert.equal(await proj.page.locator('#qr').getAttribute('src'), `/api/sessions/${encodeURIComponent(code)}/qr.svg`);
    await expectVisible(proj, '#qr');
    await expectVisible(proj, '#connection', false);
  });

  step('c: three phones join (one named, two anonymous)', async () => {
    const names = ['Mette Testesen', '', ''];
    await Promise.all(names.map(async (name, i) => {
      const phone = await newDevice(`phone${i + 1}`, PHONE);
      await phone.page.goto(joinUrl);
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
    assert.deepEqual(info.participants, { joined: 3, connected: 3 });
    await screenshot(proj, '01-velkommen-projector');
    await screenshot(devices.get('phone1'), '01-velkommen-phone');
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
      secrets.push(`${RUN}-${n}`);
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
    await screenshot(proj, '02-arbejde-privat-projector');
    await screenshot(devices.get('phone1'), '02-arbejde-privat-phone');
  });

  step('e: no typed text reaches the projector or the facilitator', async () => {
    await assertPrivate('after answering');
    assert.ok(staffFrames.length > 0, 'the staff pages received WebSocket messages');
  });

  step('f: a phone goes offline, keeps typing, and its answer arrives once back online', async () => {
    const phone = devices.get('phone2');
    const fac = devices.get('facilitator');
    const text = `Skrevet uden net — privat ${RUN}-offline`;
    secrets.push(`${RUN}-offline`);

    offline.add(phone.name);
    await phone.context.setOffline(true);
    // The page drops its socket when the browser reports `offline`. Chromium's
    // offline emulation would otherwise leave an open WebSocket alone, so close
    // any that is left, as a phone that loses its network loses it too.
    assert.ok(await dropWebSockets(phone) <= 1, 'the phone had at most one open WebSocket');
    await expectAttr(phone, '#connection', 'data-status', 'waiting');
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
    await expectAttr(phone, '#saved-balance-hvorfor', 'data-state', 'saving');
    await expectText(phone, '#saved-balance-hvorfor', UI.saving);
    assert.equal(await textOf(phone.page, '#connection'), UI.waiting, 'still offline');
    await screenshot(phone, '03-offline-phone');

    await phone.context.setOffline(false);
    await expectAttr(phone, '#connection', 'data-status', 'live');
    offline.delete(phone.name);
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
    await assertPrivate('after the offline answer');
  });

  step('g: the facilitator goes through energi to the end; phones show the end', async () => {
    const proj = devices.get('projector');
    const fac = devices.get('facilitator');
    await facilitatorGoesTo('energi');
    await expectText(proj, '#step-title', title('energi'));
    await expectText(proj, '#ready', UI.readyOf(0, 3));
    for (const phone of phones()) await expectText(phone, '#step-title', title('energi'));
    await screenshot(proj, '04-energi-projector');
    await screenshot(devices.get('phone1'), '04-energi-phone');

    await facilitatorGoesTo('tak');
    assert.equal(await fac.page.locator('#next').isDisabled(), true, '#next on the last step');
    await expectText(proj, '#step-title', title('tak'));
    await expectVisible(proj, '#ready', false);
    for (const phone of phones()) {
      await expectText(phone, '#step-title', title('tak'));
      await expectVisible(phone, '#thanks');
      await expectVisible(phone, '#ready-box', false);
    }
    await screenshot(proj, '05-tak-projector');
    await screenshot(devices.get('phone1'), '05-tak-phone');
    await assertPrivate('at the end');
  });

  step('no console errors, page errors, CSP violations or foreign requests', async () => {
    assert.ok(requestCount > 0, 'requests were observed');
    assert.deepEqual(problems, [], 'console errors, page errors, CSP violations or failed requests');
    assert.deepEqual(foreign, [], 'requests to hosts other than the server');
  });
});
