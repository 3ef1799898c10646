// Many joining one session at once (issue 13): a session takes five seconds' worth of
// --joins-per-second at once, then that many a second. A phone whose join is refused as
// `busy` says why in plain words and gets in by itself a moment later, without the person
// pressing anything again. The server here lets in one a second (five at once); five
// participants take the five, so the phone's first try is refused.
// Screenshot: tests/browser/artifacts/busy-*.

import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, PHONE, until, textOf, expectAttr } from './helpers.mjs';

const BUSY = /^Der er mange, der logger på lige nu\. Du kommer ind om et øjeblik…$/;

const h = new Harness('busy', ['--joins-per-second', '1']);
const server = h.server;

/** Joins `n` participants from a page of the server's own; returns the error codes of the refused. */
function joinFrom(page, code, n) {
  return page.evaluate(async ({ code, n }) => {
    const refused = [];
    for (let i = 0; i < n; i += 1) {
      const ws = new WebSocket(`ws://${location.host}/api/sessions/${encodeURIComponent(code)}/ws`);
      await new Promise((resolve, reject) => {
        ws.onopen = () => ws.send(JSON.stringify({ type: 'join' }));
        ws.onerror = () => reject(new Error('socket failed'));
        ws.onmessage = (event) => {
          const msg = JSON.parse(event.data);
          if (msg.type === 'error') refused.push(msg.code);
          if (msg.type === 'snapshot' || msg.type === 'error') resolve();
        };
      });
    }
    return refused;
  }, { code, n });
}

describe('a phone told that many are joining gets in by itself', { timeout: 120_000 }, () => {
  h.hooks();

  h.step('five take the allowance; the phone waits in plain words, then is in', async () => {
    const created = await server.api('POST', '/api/sessions', { body: { programme: 'del1', lang: 'da' } });
    const room = await h.newDevice('room', { viewport: { width: 800, height: 600 } });
    await room.page.goto(`${server.base}/`);
    // The five at once, then a sixth at once: refused, so the allowance is spent right now.
    assert.deepEqual(await joinFrom(room.page, created.code, 6), ['busy'], 'the sixth at once is told to wait');

    const phone = await h.newDevice('phone', PHONE);
    await phone.page.goto(created.join_url);
    await phone.page.locator('#join-name').fill('Mette Testesen');
    // Every text the status line shows, as the person would have read it in turn.
    await phone.page.evaluate(() => {
      window.statusSeen = [];
      const status = document.getElementById('join-status');
      new MutationObserver(() => window.statusSeen.push(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
    });
    // Keep the allowance spent from the room page until the phone has been told to wait: it
    // refills by one a second, so a tap a moment after a single spend could be let straight in
    // on a busy machine (a CI failure).
    // Three keepers in turn take each join the moment it comes back.
    await room.page.evaluate((code) => {
      window.keepSpent = { stop: false, admitted: 0 };
      const keeper = async () => {
        while (!window.keepSpent.stop) {
          const ws = new WebSocket(`ws://${location.host}/api/sessions/${encodeURIComponent(code)}/ws`);
          await new Promise((resolve) => {
            ws.onopen = () => ws.send(JSON.stringify({ type: 'join' }));
            ws.onerror = () => resolve();
            ws.onclose = () => resolve();
            ws.onmessage = (event) => {
              const msg = JSON.parse(event.data);
              if (msg.type === 'snapshot') window.keepSpent.admitted += 1;
              if (msg.type === 'snapshot' || msg.type === 'error') resolve();
            };
          });
          ws.close();
        }
      };
      window.keepSpent.done = Promise.all([keeper(), keeper(), keeper()]);
    }, created.code);
    await phone.page.locator('#join-button').tap();
    let seen;
    try {
      seen = await until('phone: told to wait', () => phone.page.evaluate(() => window.statusSeen), (texts) => texts.some((t) => BUSY.test(t)));
      if (BUSY.test(await textOf(phone.page, '#join-status'))) await h.screenshot(phone, 'waiting');
    } finally {
      await room.page.evaluate(() => { window.keepSpent.stop = true; return window.keepSpent.done; });
    }
    const spent = await room.page.evaluate(() => window.keepSpent.admitted);
    assert.ok(spent <= 30, `${spent} joins let in while the phone waited`);
    const box = await phone.page.locator('#join-status').boundingBox();
    assert.ok(box === null || box.y + box.height <= PHONE.viewport.height, `the message is on the screen (${JSON.stringify(box)}; ${seen})`);
    // No second tap: the page tries again and is let in once the allowance has room.
    await expectAttr(phone, '#connection', 'data-status', 'live');
    const title = await until('phone: the first step', () => textOf(phone.page, '#step-title'), (t) => t.length > 0);
    assert.ok(title.length > 0);
    await h.screenshot(phone, 'in');
    const info = await server.api('GET', `/api/sessions/${created.code}`, { token: created.facilitator_token });
    assert.equal(info.participants.joined, 5 + spent + 1, 'the room, what it spent later, and the phone once');
    assert.deepEqual(info.participants.named.map((p) => p.name), ['Mette Testesen']);
  });
});
