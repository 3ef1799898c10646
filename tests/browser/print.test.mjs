// Paper (issue 14, point 6): every built-in programme and the series printed by Chromium to
// A4 PDFs, as the participants' hand-out and as the facilitator's guide, and read back the way
// a person reads the paper: the text of each PDF page (pdftotext) and a PNG of each page
// (pdftoppm, in tests/browser/artifacts/print-*). Checked on the printed pages:
// - the hand-out has none of the facilitator's text (the notes, the app instructions, the
//   app-only text, the preparation: taken from the guide's own marked boxes), the guide all of
//   it, and neither has a heading at the foot of a page with what follows it on the next;
// - the blank grid's four quadrant names are on the page of its rating table; the cut-out
//   cards' heading is on the page of the first card; the series booklet has each meeting as a
//   chapter, in order, starting a page;
// - no page is left more than 40 % empty (by how far down its ink reaches) unless a chapter or
//   the cut-out cards start the next; Del 1's circles sit under the questions before them;
// - the start page, the console and the series page offer both versions (the series' as one
//   booklet).
//
// Run with scripts/browser-test.sh (installs poppler-utils), or
// `node --test tests/browser/print.test.mjs` after `cargo build --bin trivsel`.

import { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { Harness, expectCount } from './helpers.mjs';

const PROGRAMMES = ['del1', 'del2', 'del3', 'enkelte-leder', 'ledergruppen', 'opfolgning', 'organisationen'];
const SERIES = 'tre-trins-raket';
const VERSIONS = ['handout', 'guide'];
const LANGS = ['da', 'en'];
/** What the printed pages say (server/print.rs). */
const WORDS = {
  da: {
    notes: 'Til facilitator', cards: 'Dialogkort til at klippe ud', meeting: 'Møde', topic: 'Emne', importance: 'Vigtighed',
    quadrants: ['Sæt ind her', 'Hold fast i det gode', 'Lav prioritet', 'Måske for meget'],
  },
  en: {
    notes: 'For the facilitator', cards: 'Dialogue cards to cut out', meeting: 'Meeting', topic: 'Topic', importance: 'Importance',
    quadrants: ['Concentrate here', 'Keep up the good work', 'Low priority', 'Possible overkill'],
  },
};

const h = new Harness('print');
const server = h.server;
const printer = () => h.device('printer');

const norm = (s) => s.replace(/\s+/g, ' ').trim();

/** The bottom of an A4 page's content in points: the page's height less the 16 mm margin. */
const CONTENT_BOTTOM = 841.89 - (16 / 25.4) * 72;

const unescape = (s) => s.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"')
  .replaceAll('&#39;', "'").replaceAll('&apos;', "'").replaceAll('&amp;', '&');

/**
 * The PDF's words, page by page, with where each sits (`pdftotext -bbox`, points from the top):
 * [{ words: [{ text, yMax }], text }] with each page's words joined as its text.
 */
function pdfPages(file) {
  const html = execFileSync('pdftotext', ['-bbox', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  return html.split('<page ').slice(1).map((page) => {
    const words = [...page.matchAll(/<word [^>]*yMax="([\d.]+)"[^>]*>([^<]*)<\/word>/g)]
      .map(([, yMax, text]) => ({ text: unescape(text), yMax: Number(yMax) }));
    return { words, text: words.map((w) => w.text).join(' ') };
  });
}

/** All pages' words in order, each with its page (0-based). */
function allWords(pages) {
  return pages.flatMap((page, p) => page.words.map((w) => ({ ...w, page: p })));
}

/** Where the words of `text` appear in `words` from index `from` on, or -1. */
function findWords(words, text, from = 0) {
  const wanted = text.split(' ');
  for (let i = from; i + wanted.length <= words.length; i += 1) {
    if (wanted.every((w, k) => words[i + k].text === w)) return i;
  }
  return -1;
}

/** The pages as one text, and which page a position of it is on (0-based). */
function joinPages(pages) {
  const starts = [];
  let all = '';
  for (const page of pages) {
    starts.push(all.length);
    all += `${page.text} `;
  }
  return { all, pageAt: (i) => starts.filter((s) => s <= i).length - 1 };
}

/** The first words of `text`, as a search key (enough to be found, short enough not to wrap oddly). */
const firstWords = (text, n = 3) => text.split(' ').slice(0, n).join(' ');

/**
 * Prints the page at `url` to A4 and returns what it shows: the PDF's pages as text, and from
 * the page itself each heading with the text that follows it, the facilitator's marked text,
 * the rating tables' first topics, the first cut-out card, the grid's ticks.
 */
async function print(name, url) {
  const { page } = printer();
  const response = await page.goto(`${server.base}${url}`);
  assert.equal(response.status(), 200, url);
  await page.emulateMedia({ media: 'print' });
  const file = h.artifact(`${name}.pdf`);
  fs.writeFileSync(file, await page.pdf({ format: 'A4' }));
  execFileSync('pdftoppm', ['-png', '-r', '50', file, h.artifact(name)]);
  const seen = await page.evaluate(() => {
    const norm = (s) => s.replace(/\s+/g, ' ').trim();
    const shown = (n) => n.parentElement && n.parentElement.getClientRects().length > 0;
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (norm(n.data) !== '' && shown(n)) texts.push(n);
    }
    // Each heading and the element right after it: its first words, or (blank lines to write
    // on, an empty box) its height in points.
    const elements = [...document.body.querySelectorAll('*')].filter((n) => n.getClientRects().length > 0);
    const headings = [...document.querySelectorAll('h1, h2, h3, h4, .label')].map((heading) => {
      const next = elements.find((n) => !heading.contains(n) && !n.contains(heading)
        && (heading.compareDocumentPosition(n) & Node.DOCUMENT_POSITION_FOLLOWING));
      const text = next ? texts.find((t) => next.contains(t)) : null;
      return {
        text: norm(heading.textContent),
        next: text ? norm(text.data) : null,
        height: next ? next.getBoundingClientRect().height * 0.75 : 0,
      };
    });
    const facilitator = [...document.querySelectorAll(
      '.notes p:not(.label), .notes li, .app p:not(.label), .app li, .preparation p, .preparation li',
    )].map((n) => norm(n.textContent));
    return {
      // The participants' own text: the page without the facilitator's marked boxes.
      participants: (() => {
        const copy = document.body.cloneNode(true);
        for (const box of copy.querySelectorAll('.notes, .app, .preparation, footer')) box.remove();
        return norm(copy.textContent);
      })(),
      headings,
      facilitator,
      grids: document.querySelectorAll('.grid-pair svg').length,
      topics: [...document.querySelectorAll('.grid-table tbody th')].slice(0, 1).map((n) => norm(n.textContent)),
      ticks: [...document.querySelectorAll('.grid-pair svg')].map((svg) => svg.querySelectorAll('text.tick').length),
      cards: [...document.querySelectorAll('.cutouts')].map((c) => norm(c.querySelector('.card-text').textContent)),
    };
  });
  return { ...seen, pages: pdfPages(file) };
}

/**
 * No heading at the foot of a page with what follows it on the next: the next element's first
 * words are on the heading's page, or (blank lines, an empty box) it fits below the heading.
 */
function assertHeadingsKept(name, printed) {
  const words = allWords(printed.pages);
  let cursor = 0;
  for (const { text, next, height } of printed.headings) {
    const at = findWords(words, text, cursor);
    assert.ok(at >= 0, `${name}: the heading "${text}" is in the PDF`);
    const end = at + text.split(' ').length - 1;
    const { page, yMax } = words[end];
    if (next !== null) {
      const key = firstWords(next);
      const after = findWords(words, key, end + 1);
      assert.ok(after >= 0, `${name}: "${key}" follows "${text}" in the PDF`);
      assert.equal(words[after].page, page,
        `${name}: "${text}" is at the foot of page ${page + 1}, "${key}" starts page ${words[after].page + 1}`);
    } else {
      assert.ok(yMax + height <= CONTENT_BOTTOM + 2,
        `${name}: "${text}" is at the foot of page ${page + 1} (${yMax.toFixed(0)} pt), the ${height.toFixed(0)} pt after it on the next`);
    }
    cursor = end + 1;
  }
}

/**
 * The blank grid: its quadrants named, 1–5 on both axes, on the page where its rating table
 * starts (the grid is kept with the table's first rows).
 */
function assertGrid(name, printed, lang) {
  if (printed.grids === 0) return;
  // The grid's first quadrant name as words of their own (the notes say "Sæt ind her:").
  const [first] = WORDS[lang].quadrants;
  const words = allWords(printed.pages);
  const pages = [];
  for (let at = findWords(words, first); at >= 0; at = findWords(words, first, at + 1)) {
    pages.push(printed.pages[words[at].page]);
  }
  assert.equal(pages.length, printed.grids, `${name}: a page with each grid`);
  for (const page of pages) {
    for (const quadrant of WORDS[lang].quadrants) {
      for (const word of quadrant.split(' ')) {
        assert.ok(page.text.includes(word), `${name}: the grid's "${quadrant}"`);
      }
    }
    for (const header of [WORDS[lang].topic, ...printed.topics.map((t) => firstWords(t))]) {
      assert.ok(page.text.includes(header), `${name}: the grid is on a page of its rating table ("${header}")`);
    }
  }
  for (const ticks of printed.ticks) assert.equal(ticks, 10, `${name}: 1–5 on both axes`);
}

/** Each deck's heading is on the page of its first card. */
function assertCards(name, printed, lang) {
  const { all, pageAt } = joinPages(printed.pages);
  let cursor = 0;
  for (const first of printed.cards) {
    const heading = all.indexOf(WORDS[lang].cards, cursor);
    assert.ok(heading >= 0, `${name}: the cards' heading`);
    const card = all.indexOf(firstWords(first), heading);
    assert.equal(pageAt(card), pageAt(heading), `${name}: "${WORDS[lang].cards}" on the page of its first card`);
    cursor = heading + 1;
  }
}

/**
 * How far down each page of a PDF its ink reaches, as a share of the page's content height
 * (from the top margin to the bottom one): the page rendered in grey at 24 dpi (a PGM), its
 * lowest row with a dark pixel. Unlike the text, this sees blank lines to write on and boxes.
 */
function inkFill(file) {
  const dir = fs.mkdtempSync(`${h.artifact('ink')}-`);
  execFileSync('pdftoppm', ['-gray', '-r', '24', file, `${dir}/p`]);
  const margin = 16 / 297;
  const fills = fs.readdirSync(dir).filter((f) => f.endsWith('.pgm')).sort().map((f) => {
    const data = fs.readFileSync(`${dir}/${f}`);
    // "P5 <width> <height> <max>\n" then one byte a pixel.
    const header = data.toString('latin1', 0, 40).match(/^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/);
    const [width, height] = [Number(header[1]), Number(header[2])];
    const pixels = data.subarray(header[0].length);
    let bottom = 0;
    for (let y = height - 1; y >= 0 && bottom === 0; y -= 1) {
      for (let x = 0; x < width; x += 1) {
        if (pixels[y * width + x] < 160) { bottom = y + 1; break; }
      }
    }
    return (bottom / height - margin) / (1 - 2 * margin);
  });
  fs.rmSync(dir, { recursive: true });
  return fills;
}

/**
 * No page is left close to half empty (more than 40 %: where a unit kept together — a step's
 * heading with its blank grid and the first rows of its rating table, a question with its
 * lines — did not fit and went to the next page), unless the next page opens a chapter of the
 * booklet (a meeting, which starts a page) or the deck to cut out, or it is the last page.
 */
function assertPagesFilled(name, printed, lang, file) {
  const { pages } = printed;
  const fills = inkFill(file);
  assert.equal(fills.length, pages.length, `${name}: a picture of every page`);
  const opens = (page) => page.text.startsWith(`${WORDS[lang].meeting} `) || page.text.startsWith(WORDS[lang].cards);
  pages.slice(0, -1).forEach((page, i) => {
    if (opens(pages[i + 1])) return;
    assert.ok(fills[i] >= 0.6,
      `${name}: page ${i + 1} is ${(fills[i] * 100).toFixed(0)} % full; page ${i + 2} starts "${firstWords(pages[i + 1].text, 6)}"`);
  });
}

/** The hand-out has none of the guide's facilitator text; the guide has all of it. */
function assertHandout(name, handout, guide, lang) {
  // A line may break after a hyphen or a dash ("well-" / "being", "4–" / "5"), which the PDF's
  // text keeps as two words: compare without spaces and hyphens.
  const bare = (text) => text.replace(/[\s-]/g, '');
  const handoutPdf = bare(joinPages(handout.pages).all);
  const guidePdf = bare(joinPages(guide.pages).all);
  // What the hand-out also says to the participants (e.g. the 1:1's four questions) is theirs.
  const private_ = guide.facilitator.filter((line) => !handout.participants.includes(line));
  assert.ok(private_.length > 0, `${name}: the guide has facilitator text`);
  for (const line of private_) {
    assert.ok(guidePdf.includes(bare(line)), `${name}: the guide prints "${line}"`);
    assert.ok(!handoutPdf.includes(bare(line)), `${name}: the hand-out prints the facilitator's "${line}"`);
  }
  assert.ok(!handoutPdf.includes(bare(WORDS[lang].notes)), `${name}: the hand-out has no "${WORDS[lang].notes}"`);
  assert.ok(guidePdf.includes(bare(WORDS[lang].notes)), `${name}: the guide has "${WORDS[lang].notes}"`);
}

describe('paper: the hand-out, the guide and the series booklet, printed to A4', () => {
  h.hooks();

  before(async () => {
    await h.newDevice('printer', { viewport: { width: 1000, height: 1400 } });
  });

  h.step('every built-in programme prints as a hand-out and a guide', async () => {
    const programmes = await server.api('GET', '/api/programmes');
    assert.deepEqual(programmes.filter((p) => !Array.isArray(p.series)).map((p) => p.id).sort(), [...PROGRAMMES].sort());
    for (const id of PROGRAMMES) {
      for (const lang of LANGS) {
        const printed = {};
        for (const version of VERSIONS) {
          const name = `${id}-${lang}-${version}`;
          printed[version] = await print(name, `/api/programmes/${id}/print?version=${version}&lang=${lang}`);
          assertHeadingsKept(name, printed[version]);
          assertGrid(name, printed[version], lang);
          assertCards(name, printed[version], lang);
          assertPagesFilled(name, printed[version], lang, h.artifact(`${name}.pdf`));
          if (id === 'del1' && version === 'handout') {
            // The circles' two frames side by side: the question fits on the first page, under
            // the step's other questions, instead of leaving a third of it empty.
            const circles = { da: 'Tegn dit arbejdsliv', en: 'Draw your work life' }[lang];
            const at = printed[version].pages.findIndex((p) => p.text.includes(circles));
            assert.equal(at, 0, `${name}: "${circles}" on the first page`);
          }
        }
        assertHandout(`${id}-${lang}`, printed.handout, printed.guide, lang);
      }
    }
  });

  h.step('the series prints as one booklet, a chapter per meeting', async () => {
    const programmes = await server.api('GET', '/api/programmes');
    const series = programmes.find((p) => p.id === SERIES);
    const title = (id) => programmes.find((p) => p.id === id).title;
    for (const lang of LANGS) {
      const printed = {};
      for (const version of VERSIONS) {
        const name = `${SERIES}-${lang}-${version}`;
        printed[version] = await print(name, `/api/series/${SERIES}/print?version=${version}&lang=${lang}`);
        assertHeadingsKept(name, printed[version]);
        assertGrid(name, printed[version], lang);
        assertCards(name, printed[version], lang);
        assertPagesFilled(name, printed[version], lang, h.artifact(`${name}.pdf`));
        // Each meeting in order, each starting a page of its own.
        const { pages } = printed[version];
        let last = 0;
        series.series.forEach((id, i) => {
          const chapter = `${WORDS[lang].meeting} ${i + 1}: ${norm(title(id)[lang])}`;
          const at = pages.findIndex((p) => p.text.startsWith(chapter));
          assert.ok(at > last, `${name}: "${chapter}" starts page ${at + 1}, after the meeting before`);
          last = at;
        });
      }
      assertHandout(`${SERIES}-${lang}`, printed.handout, printed.guide, lang);
    }
  });

  h.step('the start page offers the hand-out and the guide of each programme and the series', async () => {
    const { page } = printer();
    await page.emulateMedia({ media: 'screen' });
    await page.goto(`${server.base}/`);
    for (const id of [...PROGRAMMES, SERIES]) {
      const entry = `.programme-entry[data-id="${id}"]`;
      await expectCount(printer(), `${entry} a.print-link`, 2);
      for (const version of VERSIONS) {
        const href = await page.locator(`${entry} a.print-link[data-version="${version}"]`).getAttribute('href');
        const kind = id === SERIES ? 'series' : 'programmes';
        assert.equal(href, `/api/${kind}/${id}/print?version=${version}&lang=da`);
      }
    }
    const entry = `.programme-entry[data-id="del2"]`;
    assert.equal(await page.locator(`${entry} a.print-link[data-version="handout"]`).textContent(), 'Til deltagerne');
    assert.equal(await page.locator(`${entry} a.print-link[data-version="guide"]`).textContent(), 'Facilitatorguide');
    await h.checkPages('start-print-links');
  });

  h.step("the console offers both versions of its programme, the series page the series' booklet", async () => {
    const { page } = printer();
    const session = await server.api('POST', '/api/sessions', { body: { programme: 'enkelte-leder', lang: 'da' } });
    await page.goto(session.facilitator_url);
    await page.locator('#print-handout[href^="/api/"]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('#print-handout').getAttribute('href'), `/api/sessions/${session.code}/print?version=handout&lang=da`);
    assert.equal(await page.locator('#print-link').getAttribute('href'), `/api/sessions/${session.code}/print?version=guide&lang=da`);
    assert.equal(await page.locator('#print-handout').textContent(), 'Til deltagerne');
    assert.equal(await page.locator('#print-link').textContent(), 'Facilitatorguide');

    const series = await server.api('POST', '/api/series', { body: { series: SERIES, lang: 'da' } });
    await page.goto(series.series_url);
    await page.locator('#series-print-guide[href^="/api/"]').waitFor({ state: 'attached' });
    for (const version of VERSIONS) {
      const href = await page.locator(`#series-print-${version}`).getAttribute('href');
      assert.equal(href, `/api/series/${SERIES}/print?version=${version}&lang=da`);
      const response = await fetch(new URL(href, server.base), { signal: AbortSignal.timeout(5000) });
      assert.equal(response.status, 200, href);
    }
    // A series planned on days: its booklet says each meeting's day.
    const planned = await server.api('POST', '/api/series', {
      body: { series: SERIES, lang: 'da', dates: ['2027-01-12', null, '2027-03-09'] },
    });
    await page.goto(planned.series_url);
    await page.locator('#series-print-handout[href*="dates="]').waitFor({ state: 'attached' });
    const booklet = await page.locator('#series-print-handout').getAttribute('href');
    assert.equal(booklet, `/api/series/${SERIES}/print?version=handout&lang=da&dates=2027-01-12,,2027-03-09`);
    const html = await (await fetch(new URL(booklet, server.base), { signal: AbortSignal.timeout(5000) })).text();
    const days = [...html.matchAll(/<p class="meeting-date">([^<]*)<\/p>/g)].map((m) => m[1]);
    assert.deepEqual(days, ['Dato: 12. januar 2027', 'Dato: 9. marts 2027']);
    await h.checkPages('series-page-print-links');
    h.assertClean();
  });
});
