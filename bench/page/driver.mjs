// The browser half of `trivsel-bench --scenario page` (bench/src/page.rs drives it): opens a
// page in headless Chromium and says how long it took until the page could be used — the
// phone's first question tappable, the projector's screen whole, the console's controls live —
// then reloads it and says the same again. Each job gets a fresh browser context (an empty
// cache, no service worker); the reload keeps what the first load left.
//
// Once its browser runs it says {"event": "started"}. Then it reads one job per line on
// standard input and answers with lines on standard output:
//   job    {"url", "page": "phone"|"projector"|"console", "timeout_ms"}
//   →      {"event": "ready", "load": "first", "ms": …}     then waits for a line "next"
//   →      {"event": "ready", "load": "reload", "ms": …}    then waits for a line "next"
//   →      {"event": "done"}
//   (or    {"event": "error", "message": …} instead of any of them)
// The bench is the wire: the browser reaches the server through its relay
// (`bench/src/tap.rs`), which emulates the slow link and counts bytes and requests; "next"
// comes once the page's traffic has gone quiet.
//
// Times are the page's own clock: `performance.now()` in the document at the first animation
// frame at which the condition holds, i.e. milliseconds since the navigation started. The
// phone's join button is pressed at the first frame it can be (a person's hesitation is not
// the server's).
//
// Needs Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and playwright-core,
// taken from the browser tests' install (`npm ci --prefix tests/browser`). With DRIVER_DEBUG=1
// it writes each first load's timeline (every request's start, response and end) to stderr.

import { createRequire } from 'node:module';
import readline from 'node:readline';

const require = createRequire(new URL('../../tests/browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** The screen each page is used on. */
const DEVICES = {
  phone: { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  projector: { viewport: { width: 1920, height: 1080 } },
  console: { viewport: { width: 1440, height: 900 } },
};

/**
 * When each page can be used, evaluated in the page at every animation frame: the time
 * (`performance.now()`) once it holds, else false. Runs in the page, so it may not close over
 * anything here.
 */
const READY = {
  phone: () => {
    const joinView = document.getElementById('view-join');
    const join = document.getElementById('join-button');
    if (joinView && !joinView.hidden && join && !join.disabled && !window.__benchJoined) {
      window.__benchJoined = performance.now();
      join.click();
    }
    const step = document.getElementById('view-step');
    if (!step || step.hidden) return false;
    const input = step.querySelector('#prompts :is(input, textarea, select), #activity :is(input, textarea, select)');
    return input && !input.disabled && input.checkVisibility() ? performance.now() : false;
  },
  projector: () => {
    const title = document.getElementById('step-title');
    const qr = document.getElementById('qr');
    const activity = document.getElementById('activity');
    const whole = title && title.textContent.trim() !== '' && qr && qr.complete && qr.naturalWidth > 0
      && activity && activity.childElementCount > 0;
    return whole ? performance.now() : false;
  },
  console: () => {
    const view = document.getElementById('view-console');
    const next = document.getElementById('next');
    const title = document.getElementById('step-title');
    const live = view && !view.hidden && next && !next.disabled && next.checkVisibility()
      && title && title.textContent.trim() !== '';
    return live ? performance.now() : false;
  },
};

const out = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })[Symbol.asyncIterator]();
async function nextLine() {
  const { value, done } = await lines.next();
  if (done) process.exit(0);
  return value;
}

async function ready(tab, page, timeout) {
  const handle = await tab.waitForFunction(READY[page], null, { polling: 'raf', timeout });
  return Math.round((await handle.jsonValue()) * 10) / 10;
}

async function run(job) {
  const context = await browser.newContext(DEVICES[job.page]);
  try {
    const tab = await context.newPage();
    await tab.goto(job.url, { waitUntil: 'commit', timeout: job.timeout_ms });
    out({ event: 'ready', load: 'first', ms: await ready(tab, job.page, job.timeout_ms) });
    if (process.env.DRIVER_DEBUG) {
      const timeline = await tab.evaluate(() => [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
        .map((e) => `${e.name.split('/').pop().padEnd(28)} start ${e.startTime.toFixed(0).padStart(5)} req ${e.requestStart.toFixed(0).padStart(5)} resp ${e.responseStart.toFixed(0).padStart(5)} end ${e.responseEnd.toFixed(0).padStart(5)} ${e.initiatorType}`));
      const joined = await tab.evaluate(() => window.__benchJoined ?? null);
      process.stderr.write(`${job.page} ${job.url} joined at ${joined}\n${timeline.join('\n')}\n`);
    }
    await nextLine();
    await tab.reload({ waitUntil: 'commit', timeout: job.timeout_ms });
    out({ event: 'ready', load: 'reload', ms: await ready(tab, job.page, job.timeout_ms) });
    await nextLine();
  } finally {
    await context.close();
  }
  out({ event: 'done' });
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
out({ event: 'started' });
try {
  for (;;) {
    const job = JSON.parse(await nextLine());
    try {
      await run(job);
    } catch (error) {
      out({ event: 'error', message: String(error?.message ?? error).split('\n')[0] });
    }
  }
} finally {
  await browser.close();
}
