// Someone guessing join codes from the projector's own address (a town hall
// behind one NAT address, issue 13) does not take the QR code off the
// projector: the projector asks for its picture with its token, which the
// guessing limit lets through, while the same picture without the token is
// refused there. Screenshot: tests/browser/artifacts/guessing-*.

import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, until, expectText, expectVisible } from './helpers.mjs';

// A code no session has (a random code is this one in 27 billion times).
const WRONG = 'ABCDEFG';

const h = new Harness('guessing');
const server = h.server;
const proj = () => h.device('projector');

/** The projector's QR picture as the page has it. */
const qrImage = () => proj().page.locator('#qr').evaluate(
  (img) => ({ complete: img.complete, width: img.naturalWidth, src: img.getAttribute('src') ?? '' }),
);

describe('guessing from the projector\'s address leaves its QR code', { timeout: 120_000 }, () => {
  h.hooks();

  h.step('the address guesses until refused, then the projector opens', async () => {
    const created = await server.api('POST', '/api/sessions', { body: { programme: 'del1', lang: 'da' } });
    let misses = 0;
    for (; misses < 200; misses += 1) {
      const response = await fetch(`${server.base}/api/sessions/${WRONG}/join`);
      if (response.status === 429) break;
      assert.equal(response.status, 404, 'a wrong code is not found until the address is out of tries');
    }
    assert.ok(misses >= 10 && misses < 200, `refused after ${misses} wrong codes`);
    const bare = await fetch(`${server.base}/api/sessions/${created.code}/qr.svg`);
    assert.equal(bare.status, 429, 'the picture without a token is refused at this address');

    await h.newDevice('projector', { viewport: { width: 1280, height: 720 } });
    await proj().page.goto(created.projector_url);
    await expectText(proj(), '#join-code', created.code);
    const qr = await until('projector: the QR picture loaded', qrImage, (img) => img.complete && img.width > 0);
    assert.match(qr.src, /^data:image\/svg\+xml/, 'the picture came with the token, as data');
    await expectVisible(proj(), '#qr');
    const box = await proj().page.locator('#qr').boundingBox();
    assert.ok(box && box.width >= 250 && box.y + box.height <= 720, `the QR code is whole and large (${JSON.stringify(box)})`);
    await h.screenshot(proj(), 'projector');
  });
});
