// Shared machinery of the real-browser tests: the server under test, waiting
// for conditions, devices (browser contexts) that report every console error,
// failed request and foreign request, screenshots, and the privacy check.
//
// Each test file makes one `Harness`, which starts target/debug/trivsel itself
// (fresh data dir, free port) and Debian's Chromium through playwright-core,
// and stops both at the end. Environment: CARGO_TARGET_DIR (where the server
// binary is), CHROMIUM_PATH (default /usr/bin/chromium). Screenshots and the
// server log go to tests/browser/artifacts/, each file's under its own prefix.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export { delay };

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
export const ARTIFACTS = path.join(HERE, 'artifacts');
/** axe-core, read once; it is evaluated into a page through DevTools, which the page's CSP does not govern. */
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** What the accessibility checks hold every page to: WCAG 2.0 and 2.1, levels A and AA. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** How long one expectation may take to come true. */
export const WAIT_MS = 15_000;
/** How often a condition is looked at again while waiting. */
export const POLL_MS = 100;

/** A phone: 360 px wide, touch. */
export const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

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

export class Server {
  /** @param args  flags for the server besides --addr and --data */
  constructor(args = []) {
    this.args = args;
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
    this.proc = spawn(SERVER_BIN, ['--addr', this.host, '--data', this.dataDir, ...this.args], {
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
export async function until(what, probe, accept, timeout = WAIT_MS) {
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

export const matches = (expected) => (value) => (expected instanceof RegExp
  ? typeof value === 'string' && expected.test(value)
  : value === expected);

/** Trimmed textContent of the first element matching `selector`, or null. */
export function textOf(page, selector) {
  return page.evaluate((sel) => {
    const node = document.querySelector(sel);
    return node ? node.textContent.trim() : null;
  }, selector);
}

export function attrOf(page, selector, name) {
  return page.evaluate(([sel, attr]) => document.querySelector(sel)?.getAttribute(attr) ?? null, [selector, name]);
}

/** How many elements match `selector`. */
export function countOf(page, selector) {
  return page.evaluate((sel) => document.querySelectorAll(sel).length, selector);
}

export function expectText(who, selector, expected, timeout) {
  return until(`${who.name}: ${selector} should show ${expected}`, () => textOf(who.page, selector), matches(expected), timeout);
}

export function expectAttr(who, selector, name, expected, timeout) {
  return until(`${who.name}: ${selector} [${name}] should be ${expected}`,
    () => attrOf(who.page, selector, name), matches(expected), timeout);
}

export function expectVisible(who, selector, visible = true) {
  return until(`${who.name}: ${selector} should be ${visible ? 'visible' : 'hidden'}`,
    () => who.page.locator(selector).first().isVisible(), (v) => v === visible);
}

export function expectValue(who, selector, expected) {
  return until(`${who.name}: ${selector} should hold ${JSON.stringify(expected)}`,
    () => who.page.evaluate((sel) => document.querySelector(sel)?.value ?? null, selector), matches(expected));
}

export function expectCount(who, selector, expected) {
  const accept = typeof expected === 'function' ? expected : (n) => n === expected;
  return until(`${who.name}: ${selector} count should be ${typeof expected === 'function' ? 'acceptable' : expected}`,
    () => countOf(who.page, selector), accept);
}

/**
 * Sockets on a helper page, for tests that play many people without a browser each (run it
 * in the page: `page.evaluate(installClients)`). `connect(key, code, first)` opens one under
 * `key`, sends `first` and resolves on its snapshot (with the participant's id, or the role);
 * each client keeps its last `snapshot`, `step` and `activity`. `send(key, msg)` sends with a
 * fresh op and resolves on its ack (rejects on an error).
 */
export function installClients() {
  window.clients = {};
  let ops = 0;
  window.connect = (key, code, first) => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${location.host}/api/sessions/${code}/ws`);
    const client = { ws, pending: new Map(), snapshot: null, step: null, activity: null };
    window.clients[key] = client;
    ws.onopen = () => ws.send(JSON.stringify(first));
    ws.onerror = () => reject(new Error(`socket ${key} failed`));
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.step) client.step = msg.step;
      if (msg.activity !== undefined) client.activity = msg.activity;
      if (msg.type === 'snapshot') {
        client.snapshot = msg;
        resolve(msg.me ? msg.me.id : msg.role);
      }
      if ((msg.type === 'ack' || msg.type === 'error') && client.pending.has(msg.op)) {
        const done = client.pending.get(msg.op);
        client.pending.delete(msg.op);
        if (msg.type === 'ack') done.resolve(); else done.reject(new Error(`${key}: ${JSON.stringify(msg)}`));
      }
    };
  });
  window.send = (key, msg) => new Promise((resolve, reject) => {
    ops += 1;
    const op = `t${ops}`;
    window.clients[key].pending.set(op, { resolve, reject });
    window.clients[key].ws.send(JSON.stringify({ ...msg, op }));
  });
}

/** Sends `[[key, msg], …]` from a page with [`installClients`], in order, each once the one before is acknowledged. */
export async function sendFrom(page, list) {
  await page.evaluate(async (items) => {
    for (const [key, msg] of items) await window.send(key, msg);
  }, list);
}

// ---------------------------------------------------------------------------
// The harness: server, browser, devices, and what they must never do

/** Screens of the facilitator: no participant's private text may reach them. */
const STAFF = new Set(['facilitator', 'facilitator-phone', 'projector', 'projector-4x3']);
/** Devices named so show a room screen: a screenshot is what the room sees, and it must not scroll. */
const isProjector = (name) => name.startsWith('projector');
/** Staff screens: the console and every room screen (a table's screen is named `projector-table…`). */
const isStaff = (name) => STAFF.has(name) || isProjector(name);

export class Harness {
  /**
   * @param prefix      file-name prefix of this test file's artifacts
   * @param serverArgs  extra flags for the server (e.g. --content)
   */
  constructor(prefix, serverArgs = []) {
    this.prefix = prefix;
    this.server = new Server(serverArgs);
    /** Every axe run: {moment, device, url, violations}. */
    this.axeRuns = [];
    this.browser = null;
    /** name -> {name, context, page} */
    this.devices = new Map();
    /** Console errors, page errors, CSP violations, failed requests. */
    this.problems = [];
    /** Requests or sockets to anywhere but the server. */
    this.foreign = [];
    /** Noise that is expected while a phone is offline (logged, not failed). */
    this.tolerated = [];
    /** Phones currently offline: their WebSocket failures are expected. */
    this.offline = new Set();
    /** Requests a test makes fail on purpose (a wrong join code typed): path → HTTP status. */
    this.expectedMisses = new Map();
    /** Everything staff pages received over their WebSockets. */
    this.staffFrames = [];
    /** Texts typed on phones that must never reach the projector or facilitator. */
    this.secrets = [];
    this.requestCount = 0;
    /** The name of the scenario step that failed; later steps are skipped. */
    this.broken = null;
    process.on('exit', () => this.server.killNow());
  }

  /** Register before/after hooks in the current describe(). */
  hooks() {
    before(() => this.start());
    after(() => this.stop());
  }

  artifact(file) {
    return path.join(ARTIFACTS, `${this.prefix}-${file}`);
  }

  async start() {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const file of fs.readdirSync(ARTIFACTS)) {
      if (file.startsWith(`${this.prefix}-`)) fs.rmSync(path.join(ARTIFACTS, file), { force: true });
    }
    await this.server.start();
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    this.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }

  async stop() {
    // Close the browser before the server, so no page sees the server vanish.
    if (this.browser) await Promise.race([this.browser.close(), delay(10_000, undefined, { ref: false })]).catch(() => {});
    await this.server.stop();
    fs.writeFileSync(this.artifact('server.log'), this.server.log);
    fs.writeFileSync(this.artifact('axe.json'), `${JSON.stringify(this.axeRuns, null, 1)}\n`);
    if (this.tolerated.length > 0) fs.writeFileSync(this.artifact('tolerated.log'), `${this.tolerated.join('\n')}\n`);
    if (this.broken) {
      const seen = [...this.problems, ...this.foreign];
      if (seen.length > 0) process.stderr.write(`\n--- browser problems so far ---\n${seen.join('\n')}\n`);
      process.stderr.write(`\n--- server log (also in ${this.artifact('server.log')}) ---\n${this.server.log}\n`);
    }
  }

  checkUrl(name, url, kind) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      this.foreign.push(`${name}: unparsable ${kind} URL ${url}`);
      return;
    }
    if (parsed.protocol === 'data:' || parsed.protocol === 'blob:' || url === 'about:blank') return;
    const ok = (parsed.protocol === 'http:' || parsed.protocol === 'ws:') && parsed.host === this.server.host;
    if (!ok) this.foreign.push(`${name}: ${kind} to ${url}`);
  }

  /** The next request to `pathname` is meant to get `status` (logged, not failed). */
  expectMiss(pathname, status) {
    this.expectedMisses.set(pathname, status);
  }

  isExpectedMiss(url, status) {
    try {
      return this.expectedMisses.get(new URL(url).pathname) === status;
    } catch {
      return false;
    }
  }

  /** A WebSocket failure of an offline phone is the point of the exercise. */
  expectedOfflineNoise(name, text) {
    return this.offline.has(name) && /^WebSocket connection to 'ws:\/\/[^']+\/api\/sessions\/[^']+\/ws' failed/.test(text);
  }

  watchPage(name, page) {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      const where = msg.location()?.url ? ` (${msg.location().url}:${msg.location().lineNumber})` : '';
      const miss = /status of (\d{3})/.exec(text);
      if (this.expectedOfflineNoise(name, text)) this.tolerated.push(`${name}: ${text}`);
      else if (miss && this.isExpectedMiss(msg.location()?.url ?? '', Number(miss[1]))) this.tolerated.push(`${name}: ${text}`);
      else this.problems.push(`${name}: console error: ${text}${where}`);
    });
    page.on('pageerror', (error) => this.problems.push(`${name}: uncaught: ${error.stack || error}`));
    page.on('crash', () => this.problems.push(`${name}: the page crashed`));
    // Requests still under way when the page navigates away are aborted by the browser, not
    // failed: a person leaving a page sees nothing of them.
    // So are those the old document still starts between the navigation's request and the
    // new document's commit (module imports racing a `goto`).
    const pending = new Set();
    const leftBehind = new WeakSet();
    let navigating = false;
    page.on('request', (request) => {
      this.requestCount += 1;
      this.checkUrl(name, request.url(), `${request.method()} request`);
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
        for (const old of pending) leftBehind.add(old);
        pending.clear();
        navigating = true;
      } else {
        pending.add(request);
        if (navigating) leftBehind.add(request);
      }
    });
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigating = false;
    });
    page.on('requestfinished', (request) => pending.delete(request));
    page.on('requestfailed', (request) => {
      pending.delete(request);
      const failure = request.failure()?.errorText ?? 'failed';
      const line = `${name}: request failed: ${request.method()} ${request.url()}: ${failure}`;
      const abandoned = failure === 'net::ERR_ABORTED' && leftBehind.has(request);
      if (this.offline.has(name) || abandoned) this.tolerated.push(line);
      else this.problems.push(line);
    });
    page.on('response', (response) => {
      if (response.status() < 400) return;
      const line = `${name}: HTTP ${response.status()} for ${response.url()}`;
      if (this.isExpectedMiss(response.url(), response.status())) this.tolerated.push(line);
      else this.problems.push(line);
    });
    // Playwright reports WebSockets here, not as requests.
    page.on('websocket', (ws) => {
      this.checkUrl(name, ws.url(), 'WebSocket');
      if (isStaff(name)) {
        ws.on('framereceived', ({ payload }) => this.staffFrames.push({ name, payload: payload.toString() }));
      }
    });
  }

  async newDevice(name, options) {
    const context = await this.browser.newContext({ locale: 'da-DK', timezoneId: 'Europe/Copenhagen', acceptDownloads: true, ...options });
    // A CSP violation also shows as a console error in Chromium; this makes
    // sure it is caught even where Chromium only fires the DOM event.
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || '(inline)'} `
          + `in ${event.sourceFile || document.URL}:${event.lineNumber}`);
      });
    });
    const page = await context.newPage();
    this.watchPage(name, page);
    // Pages the context opens later by itself (e.g. a target=_blank link) are watched too.
    context.on('page', (popup) => this.watchPage(`${name}(popup)`, popup));
    page.setDefaultTimeout(WAIT_MS);
    page.setDefaultNavigationTimeout(WAIT_MS);
    const device = { name, context, page };
    this.devices.set(name, device);
    return device;
  }

  device(name) {
    return this.devices.get(name);
  }

  /** A screenshot; the projector's is what the room sees, the others' the whole page. */
  async screenshot(device, file) {
    await device.page.screenshot({ path: this.artifact(`${file}.png`), fullPage: !isProjector(device.name) });
  }

  /**
   * axe-core's WCAG 2.1 A and AA rules on one page as it is now; fails with
   * every violation (rule, what it means, which elements) when there is one.
   */
  async axe(device, moment) {
    const { page } = device;
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(async (tags) => {
      const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return result.violations.map((v) => ({
        rule: v.id,
        help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
      }));
    }, AXE_TAGS);
    this.axeRuns.push({ moment, device: device.name, url: page.url().replace(/#.*/, '#…'), violations });
    const report = violations.map((v) => `${v.rule} (${v.help}):\n    ${v.nodes.join('\n    ')}`).join('\n  ');
    assert.equal(violations.length, 0, `${moment}: axe found WCAG 2.1 A/AA violations on ${device.name}:\n  ${report}`);
  }

  /**
   * No word of a label (a button, a link, a badge, a table header) broken over two lines:
   * "Tilf" / "øj" or "Prioriteringsk" / "ort" reads as two words. Only words of letters; a
   * link's address or a code may wrap where it must.
   */
  async assertWordsWhole(device, moment) {
    const broken = await device.page.evaluate(() => {
      const out = [];
      for (const n of document.querySelectorAll('button, a, .badge, th')) {
        if (n.getClientRects().length === 0 || n.closest('.visually-hidden')) continue;
        const walker = document.createTreeWalker(n, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const match of node.data.matchAll(/(?<![\p{L}\p{N}/:.@-])[\p{L}][\p{L}'’-]+[.:]?(?![\p{L}\p{N}/@])/gu)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
            if (tops.size > 1) out.push(`${n.tagName.toLowerCase()}${n.id ? `#${n.id}` : ''} "${match[0]}"`);
          }
        }
      }
      return out.slice(0, 5);
    });
    assert.deepEqual(broken, [], `${moment}: ${device.name} breaks a word of a label over two lines`);
  }

  /**
   * Every open page at one moment of the meeting: a screenshot named after the
   * moment, axe with zero violations, no room screen that scrolls, no phone
   * wider than its screen.
   */
  async checkPages(moment) {
    for (const device of this.devices.values()) {
      if (device.page.isClosed() || device.page.url() === 'about:blank') continue;
      await this.screenshot(device, `${moment}-${device.name}`);
      await this.axe(device, moment);
      // The screen's own width: a mobile browser widens its layout viewport to fit content that
      // is too wide, so window.innerWidth alone would hide the overflow.
      const screenWidth = device.page.viewportSize()?.width ?? Infinity;
      const fit = await device.page.evaluate((width) => {
        const root = document.documentElement;
        const wide = [...document.body.querySelectorAll('*')]
          .filter((n) => n.getBoundingClientRect().right > width + 1 && n.getClientRects().length > 0)
          .filter((n) => !n.closest('.table-scroll, .visually-hidden') || n.matches('.table-scroll'))
          .slice(0, 5)
          .map((n) => `${n.tagName.toLowerCase()}${n.id ? `#${n.id}` : ''}.${[...n.classList].join('.')}`);
        return { scroll: [root.scrollWidth, root.scrollHeight], view: [window.innerWidth, window.innerHeight], wide };
      }, screenWidth);
      await this.assertWordsWhole(device, moment);
      assert.ok(fit.scroll[0] <= Math.min(fit.view[0], screenWidth),
        `${moment}: ${device.name} scrolls sideways (${fit.scroll} in ${fit.view}, screen ${screenWidth}): ${fit.wide.join(', ')}`);
      if (isProjector(device.name)) {
        assert.ok(fit.scroll[1] <= fit.view[1], `${moment}: ${device.name} scrolls (${fit.scroll} in ${fit.view})`);
      }
    }
  }

  /**
   * Close the page's open WebSockets from the browser side, as a lost network
   * would; returns how many there were. Uses the DevTools protocol so the page's
   * own code stays untouched.
   */
  async dropWebSockets(device) {
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

  /**
   * The phone loses its network: the browser goes offline and its open
   * WebSocket is closed (Chromium's offline emulation leaves an open socket
   * alone, a phone that loses its network does not); the page must say it is
   * waiting. Its failing reconnects are tolerated until `backOnline`.
   */
  async goOffline(device) {
    this.offline.add(device.name);
    await device.context.setOffline(true);
    assert.ok(await this.dropWebSockets(device) <= 1, `${device.name} had at most one open WebSocket`);
    await expectAttr(device, '#connection', 'data-status', 'waiting');
  }

  /** The network is back: the page must find the server again by itself. */
  async backOnline(device) {
    await device.context.setOffline(false);
    await expectAttr(device, '#connection', 'data-status', 'live');
    this.offline.delete(device.name);
  }

  /** The secret texts must not be anywhere on the staff pages or in what they received. */
  async assertPrivate(moment) {
    assert.ok(this.secrets.length > 0, 'nothing typed yet');
    for (const [name, device] of this.devices) {
      if (!isStaff(name)) continue;
      const { inner, all } = await device.page.evaluate(() => ({
        inner: document.body.innerText,
        all: document.documentElement.textContent,
      }));
      for (const secret of this.secrets) {
        assert.ok(!inner.includes(secret), `${moment}: the ${name} page shows a participant's text "${secret}"`);
        assert.ok(!all.includes(secret), `${moment}: the ${name} page holds a participant's text "${secret}" (hidden)`);
      }
    }
    for (const frame of this.staffFrames) {
      for (const secret of this.secrets) {
        assert.ok(!frame.payload.includes(secret), `${moment}: the ${frame.name} page received "${secret}" over its WebSocket`);
      }
    }
  }

  /** No console errors, page errors, CSP violations, failed or foreign requests so far. */
  assertClean() {
    assert.ok(this.requestCount > 0, 'requests were observed');
    assert.deepEqual(this.problems, [], 'console errors, page errors, CSP violations or failed requests');
    assert.deepEqual(this.foreign, [], 'requests to hosts other than the server');
  }

  /** A scenario step; once one fails the rest are skipped (they depend on it). */
  step(name, fn) {
    it(name, async (t) => {
      if (this.broken) {
        t.skip(`"${this.broken}" failed`);
        return;
      }
      try {
        await fn(t);
      } catch (error) {
        this.broken = name;
        for (const device of this.devices.values()) {
          await this.screenshot(device, `failed-${device.name}`).catch(() => {});
        }
        throw error;
      }
    });
  }
}

// ---------------------------------------------------------------------------
// The room's screen: nothing hidden, legible from the back (issue 12)

/** The legible floor of a screen: 28 px at 1920×1080, in proportion at other sizes. */
export function roomFloor({ width, height }) {
  return 28 * Math.min(width / 1920, height / 1080);
}

/**
 * Everything the room should see on `device` (the projector), as it is now:
 * each element that shows text (SVG text too) or the QR code lies inside the
 * viewport, and no ancestor cuts it off — no element that clips (overflow not
 * visible, or a line clamp) has more content than room, unless it shows its
 * pager ("Side 1 af 2"). Fails naming the first offenders.
 */
export async function assertNothingHidden(device, moment) {
  const problems = await device.page.evaluate(() => {
    const out = [];
    const name = (n) => `${n.tagName.toLowerCase()}${n.id ? `#${n.id}` : ''}${n.classList.length ? `.${[...n.classList].join('.')}` : ''}`;
    const shown = (n) => n.getClientRects().length > 0 && getComputedStyle(n).visibility !== 'hidden';
    const ownText = (n) => [...n.childNodes].some((c) => c.nodeType === Node.TEXT_NODE && c.textContent.trim() !== '');
    const contents = [...document.body.querySelectorAll('*')]
      .filter((n) => !n.closest('.visually-hidden, script, style, noscript'))
      .filter((n) => (ownText(n) || n.matches('img')) && shown(n));
    const W = window.innerWidth;
    const H = window.innerHeight;
    for (const n of contents) {
      const r = n.getBoundingClientRect();
      const text = (n.textContent || n.getAttribute('alt') || '').trim().slice(0, 40);
      if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1) {
        out.push(`${name(n)} "${text}" lies outside the screen (${[r.left, r.top, r.right, r.bottom].map(Math.round)} in ${W}×${H})`);
        continue;
      }
      for (let a = n.parentElement; a && a !== document.documentElement; a = a.parentElement) {
        if (a instanceof SVGElement && !(a instanceof SVGSVGElement)) continue;
        const style = getComputedStyle(a);
        const clips = style.overflowX !== 'visible' || style.overflowY !== 'visible';
        if (!clips) continue;
        const box = a.getBoundingClientRect();
        if (r.left < box.left - 1 || r.top < box.top - 1 || r.right > box.right + 1 || r.bottom > box.bottom + 1) {
          out.push(`${name(n)} "${text}" is cut off by ${name(a)}`);
          break;
        }
      }
    }
    // Any region with more content than room must say it has pages.
    for (const a of document.body.querySelectorAll('*')) {
      if (!shown(a) || a.closest('.visually-hidden') || a instanceof SVGElement) continue;
      const style = getComputedStyle(a);
      const clamp = style.webkitLineClamp && style.webkitLineClamp !== 'none';
      const clips = clamp || style.overflowX !== 'visible' || style.overflowY !== 'visible';
      if (!clips || a === document.body) continue;
      const over = a.scrollHeight > a.clientHeight + 1 || a.scrollWidth > a.clientWidth + 1;
      const pager = a.querySelector(':scope > .pager');
      if (over && !(pager && shown(pager))) {
        out.push(`${name(a)} holds more than it shows (${a.scrollWidth}×${a.scrollHeight} in ${a.clientWidth}×${a.clientHeight}) and says nothing`);
      }
    }
    return out;
  });
  assert.deepEqual(problems.slice(0, 8), [], `${moment}: content hidden on ${device.name}`);
}

/**
 * The smallest text on `device` now: HTML by its computed font size, SVG text
 * by its font size times the SVG's scale on screen. Leaves out the page's own
 * controls for whoever runs it (the language button) and the footer link.
 * Fails when any is below `floorPx`; returns {min, what}.
 */
export async function assertLegible(device, moment, floorPx) {
  const found = await device.page.evaluate(() => {
    const shown = (n) => n.getClientRects().length > 0 && getComputedStyle(n).visibility !== 'hidden';
    const ownText = (n) => [...n.childNodes].some((c) => c.nodeType === Node.TEXT_NODE && c.textContent.trim() !== '');
    const sizes = [];
    for (const n of document.body.querySelectorAll('*')) {
      if (n.closest('.visually-hidden, script, style, noscript, .site-footer, #lang-toggle')) continue;
      if (!ownText(n) || !shown(n)) continue;
      let px = parseFloat(getComputedStyle(n).fontSize);
      if (n instanceof SVGElement) {
        const m = n.getScreenCTM();
        px *= m ? Math.hypot(m.a, m.b) : 1;
      }
      sizes.push({ px, what: `${n.tagName.toLowerCase()}${n.id ? `#${n.id}` : ''}.${[...n.classList].join('.')} "${n.textContent.trim().slice(0, 30)}"` });
    }
    sizes.sort((a, b) => a.px - b.px);
    return sizes;
  });
  assert.ok(found.length > 0, `${moment}: no text on ${device.name}`);
  const small = found.filter((s) => s.px < floorPx - 0.05);
  assert.deepEqual(small.slice(0, 6).map((s) => `${s.what}: ${s.px.toFixed(1)} px`), [],
    `${moment}: text below ${floorPx.toFixed(1)} px on ${device.name}`);
  return { min: found[0].px, what: found[0].what };
}
