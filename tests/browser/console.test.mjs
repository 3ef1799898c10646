// Real-browser test of the facilitator console as a cockpit (issue 12): at 1440×900 and
// 1280×800 every control of the current step is in the first viewport and not covered,
// for every step kind, with full panels (four participants answering, sharing, rating,
// voting, proposing rows). Any step can be jumped to from the step list; → / ← / R move
// and reveal, and do nothing while typing or with a modifier key; the live mirror shows
// the projector's step and is not counted as anyone in the room.
//
// The participants are real WebSocket clients of the server (protocol messages, as their
// phones send them) opened from one browser page, so the panels fill quickly; the phone
// pages themselves are tested in meeting/activities. Screenshots of every step at both
// sizes go to tests/browser/artifacts/console-*, the page heights to console-heights.json.

import { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Harness, PHONE, until, expectText, expectAttr, expectCount, expectVisible } from './helpers.mjs';

const LANG = 'da';
const SIZES = [{ width: 1440, height: 900 }, { width: 1280, height: 800 }];
const h = new Harness('console');
const server = h.server;
const fac = () => h.device('facilitator');
const bots = () => h.device('room');
/** Page heights by step and size, for the report. */
const heights = {};

/** What the cockpit must show without scrolling, on every step. */
const ALWAYS = ['#prev', '#next', '#step-title', '#projector-link', '#timer-minutes', '#timer-start', '#timer-stop',
  '#step-list button.step-jump:first-of-type', '#step-list li:last-child button.step-jump', '#mirror-box', '#shortcut-hint',
  // Issue 13: the door and "Fjern" for someone who does not belong.
  '#door-toggle', '#people li:first-child button.person-remove'];
/** The current step's own controls, by kind. */
const CONTROLS = {
  info: [],
  reflection: ['#reveal-toggle', '#shared-list input.share-pick', '#group-label', '#group-apply', '#group-clear'],
  cards: ['#deal-room', '#deal-turn', '#card-pass', '#deal-card', '#deal-to', '#deal-chosen', '#note-text', '#note-add',
    '#talk-minutes', '#talk-start', '#new-card', '#add-card'],
  grid: ['#reveal-toggle', '#vote-toggle', '#priority-1', '#priority-2', '#priority-3', '#priorities-save',
    '#agreed-rows select[id^="agreed-imp-"]', '#agreed-rows select[id^="agreed-suc-"]', '#agreed-rows button[id^="agreed-set-"]',
    '#allow-topics', '#fac-topic-new', '#fac-topic-add'],
  map: ['#reveal-toggle', 'input.actor-pick', '#merge-label', '#merge-apply'],
  plan: ['#plan-editor button[id^="accept-"]', '#plan-editor button[id^="save-"]', '#new-row-action', '#new-row-submit'],
  personal_plan: ['#shared-plans button[data-format="docx"]'],
  end: [],
};

// ---------------------------------------------------------------------------
// The room: participants as WebSocket clients in one page

/** Open `n` participants on a session (the first named); returns their keys. */
async function joinRoom(code, n) {
  return bots().page.evaluate(async ({ code, n }) => {
    window.bots = window.bots || {};
    window.botOps = window.botOps || 0;
    const keys = [];
    for (let i = 0; i < n; i += 1) {
      const key = `${code}-${i}`;
      const ws = new WebSocket(`ws://${location.host}/api/sessions/${encodeURIComponent(code)}/ws`);
      const bot = { ws, waiting: new Map(), step: null, activity: null };
      window.bots[key] = bot;
      await new Promise((resolve, reject) => {
        ws.onopen = () => ws.send(JSON.stringify(i === 0 ? { type: 'join', name: 'Mette Testesen' } : { type: 'join' }));
        ws.onerror = () => reject(new Error('socket failed'));
        ws.onmessage = (event) => {
          const msg = JSON.parse(event.data);
          if (msg.type === 'snapshot') {
            bot.step = msg.step;
            bot.activity = msg.activity ?? null;
            resolve();
          } else if (msg.type === 'step') {
            bot.step = msg.step;
            bot.activity = msg.activity ?? null;
          } else if (msg.type === 'activity') {
            bot.activity = msg.activity;
          } else if ((msg.type === 'ack' || msg.type === 'error') && bot.waiting.has(msg.op)) {
            bot.waiting.get(msg.op)(msg);
            bot.waiting.delete(msg.op);
          }
        };
      });
      keys.push(key);
    }
    window.say = (k, message) => new Promise((resolve) => {
      window.botOps += 1;
      const op = `bot-${window.botOps}`;
      window.bots[k].waiting.set(op, resolve);
      window.bots[k].ws.send(JSON.stringify({ ...message, op }));
    });
    return keys;
  }, { code, n });
}

/** Each participant sends what `messages(i, step, activity)` returns, in order; every message must be acknowledged. */
async function everyone(keys, created, messages) {
  const at = await stepOf(created);
  await until(`the room is at ${at.id}`, () => bots().page.evaluate((list) => list.map((key) => window.bots[key].step?.id), keys),
    (ids) => ids.every((id) => id === at.id));
  const seen = await bots().page.evaluate((list) => list.map((key) => ({ step: window.bots[key].step, activity: window.bots[key].activity })), keys);
  const plan = keys.map((key, i) => ({ key, messages: messages(i, seen[i].step, seen[i].activity || {}) }));
  const replies = await bots().page.evaluate(async (list) => {
    const out = [];
    for (const { key, messages: all } of list) for (const message of all) out.push(await window.say(key, message));
    return out;
  }, plan);
  for (const reply of replies) assert.equal(reply.type, 'ack', JSON.stringify(reply));
}

// ---------------------------------------------------------------------------
// The console

async function openConsole(created) {
  await fac().page.goto(created.facilitator_url);
  await expectText(fac(), '#join-code', created.code);
}

async function stepOf(created) {
  return (await server.api('GET', `/api/sessions/${created.code}`, { token: created.facilitator_token })).step;
}

/** Jump with the step list; the console, the server and the mirror agree. */
async function jump(created, index, steps) {
  await fac().page.locator(`#step-list button.step-jump[data-index="${index}"]`).click();
  await until(`server: at step ${index}`, () => stepOf(created), (s) => s.index === index);
  await expectText(fac(), '#step-title', steps[index].title[LANG]);
  await until('the mirror shows the step', () => fac().page.frameLocator('#mirror').locator('#step-title').textContent(),
    (text) => text === steps[index].title[LANG]);
}

/**
 * At each size: the page does not scroll, and every listed control lies in the first
 * viewport with nothing over its centre. Screenshot and axe at each size.
 */
async function checkCockpit(tag, kind) {
  const selectors = [...ALWAYS, ...CONTROLS[kind]];
  for (const size of SIZES) {
    await fac().page.setViewportSize(size);
    const name = `${tag}-${size.width}x${size.height}`;
    const report = await until(`${name}: laid out`, () => fac().page.evaluate((list) => {
      // As the facilitator finds it: the page and its columns at the top (keys typed into a
      // field, e.g. Page Down in the minutes, may have scrolled a column).
      window.scrollTo(0, 0);
      for (const box of document.querySelectorAll('.console-col, .fac-scroll, .fac-side, .fac-main')) box.scrollTop = 0;
      const root = document.documentElement;
      const controls = list.map((selector) => {
        const node = document.querySelector(selector);
        if (!node) return { selector, problem: 'missing' };
        const r = node.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) return { selector, problem: 'not shown' };
        if (r.left < 0 || r.top < 0 || r.right > window.innerWidth || r.bottom > window.innerHeight) {
          return { selector, problem: `outside the first viewport at ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}` };
        }
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        if (!hit || !(hit === node || node.contains(hit))) {
          const what = hit ? `${hit.tagName.toLowerCase()}${hit.id ? `#${hit.id}` : ''}.${[...hit.classList].join('.')}` : 'nothing';
          return { selector, problem: `covered by ${what} (clipped or scrolled out of its region)` };
        }
        return { selector, problem: null };
      });
      return { height: root.scrollHeight, view: window.innerHeight, controls };
    }, selectors), (r) => r.controls.every((c) => c.problem !== 'missing'));
    heights[tag] = { ...heights[tag], [`${size.width}x${size.height}`]: report.height };
    fs.writeFileSync(h.artifact('heights.json'), `${JSON.stringify(heights, null, 1)}\n`);
    await h.screenshot(fac(), name);
    const bad = report.controls.filter((c) => c.problem);
    assert.deepEqual(bad, [], `${name}: controls not reachable without scrolling the page`);
    assert.ok(report.height <= report.view, `${name}: the page scrolls (${report.height} px in ${report.view})`);
    await h.axe(fac(), name);
    await h.assertWordsWhole(fac(), name);
  }
}

/** The server's programme steps of a session. */
async function stepsOf(created) {
  const programmes = await server.api('GET', '/api/programmes');
  const info = await server.api('GET', `/api/sessions/${created.code}`, { token: created.facilitator_token });
  return programmes.find((p) => p.id === info.programme).steps;
}

const long = (n, text) => `${text} ${'– og det hænger sammen med hverdagen i gruppen '.repeat(n)}`.slice(0, 190);

describe('the facilitator console is a cockpit', { timeout: 240_000 }, () => {
  h.hooks();
  const s = { main: null, mainSteps: [], mainKeys: [] };

  before(async () => {
    await h.newDevice('facilitator', { viewport: SIZES[0] });
    await h.newDevice('room', { viewport: { width: 400, height: 300 } });
    await bots().page.goto(`${server.base}/tilgaengelighed`);
  });

  h.step('a: ledergruppen — four participants join; info step fits; the mirror is nobody in the room', async () => {
    s.main = await server.api('POST', '/api/sessions', { body: { programme: 'ledergruppen', lang: LANG, min_group: 3 } });
    s.mainSteps = await stepsOf(s.main);
    assert.deepEqual(s.mainSteps.map((x) => x.kind), ['info', 'reflection', 'cards', 'grid', 'plan', 'end']);
    await openConsole(s.main);
    s.mainKeys = await joinRoom(s.main.code, 4);
    await expectText(fac(), '#joined', '4');
    await until('the mirror shows the projector', () => fac().page.frameLocator('#mirror').locator('#step-title').textContent(),
      (text) => text === s.mainSteps[0].title[LANG]);
    const info = await server.api('GET', `/api/sessions/${s.main.code}`, { token: s.main.facilitator_token });
    assert.equal(info.participants.joined, 4, 'the mirror did not join');
    assert.equal(info.participants.connected, 4, 'the mirror is not counted as connected');
    await expectText(fac(), '#connected', '4');
    await checkCockpit('01-info', 'info');
  });

  h.step('b: the step list jumps to any step, forward and back; the server agrees', async () => {
    await jump(s.main, 3, s.mainSteps);
    await jump(s.main, 1, s.mainSteps);
    await expectAttr(fac(), '#step-list button.step-jump[data-index="1"]', 'aria-current', 'step');
  });

  h.step('c: reflection — scales answered, items shared; the shortcuts; cockpit at both sizes', async () => {
    await everyone(s.mainKeys, s.main, (i, step) => [
      { type: 'answer', step: step.id, prompt: 'trivsel', value: 1 + (i % 5) },
      { type: 'answer', step: step.id, prompt: 'stoettet', value: 2 + (i % 3) },
      { type: 'answer', step: step.id, prompt: 'gruppen-giver', value: [0, 1, 2].map((j) => ({ id: `i${j}`, text: `Punkt ${i}.${j}: Vi giver hinanden plads til at sige det, der er svært – også når det tager tid i en travl uge` })) },
      ...[0, 1, 2].map((j) => ({ type: 'act', step: step.id, action: 'share', prompt: 'gruppen-giver', item: `i${j}`, share: true, named: i === 0 })),
      { type: 'answer', step: step.id, prompt: 'et-trin', value: `Et trin op for deltager ${i}: vi aftaler faste sparringsmakkere og følger op på hvert ledermøde, så ingen står alene` },
      { type: 'act', step: step.id, action: 'share', prompt: 'et-trin', share: true, named: false },
    ]);
    await until('the console lists the shared items', () => fac().page.locator('#shared-list [data-testid=shared-item]').count(), (n) => n === 16);

    // R shows and hides the results; focus is on the page, not in a field.
    await fac().page.locator('#step-title').click();
    await fac().page.keyboard.press('r');
    await expectAttr(fac(), '#reveal-toggle', 'data-state', 'shown');
    await until('the mirror shows results', () => fac().page.frameLocator('#mirror').locator('#reflection-results').isVisible(), (v) => v === true);
    await fac().page.keyboard.press('R');
    await expectAttr(fac(), '#reveal-toggle', 'data-state', 'hidden');

    // Typing an R in a field types it: nothing is revealed. (The click after it shows it, not hides it.)
    await fac().page.locator('#group-label').fill('');
    await fac().page.locator('#group-label').press('r');
    assert.equal(await fac().page.locator('#group-label').inputValue(), 'r');
    await fac().page.locator('#reveal-toggle').click();
    await expectAttr(fac(), '#reveal-toggle', 'data-state', 'shown');
    await fac().page.locator('#group-label').fill('');

    // → and ← in a field, or with Ctrl, move nothing: the next click on "Næste" lands one step on.
    await fac().page.locator('#timer-minutes').focus();
    await fac().page.keyboard.press('ArrowRight');
    await fac().page.keyboard.press('PageDown');
    await fac().page.locator('#step-title').click();
    await fac().page.keyboard.press('Control+ArrowRight');
    await fac().page.locator('#next').click();
    const at = async (index, what) => {
      await until(`server: ${what}`, () => stepOf(s.main), (x) => x.index === index);
      await expectText(fac(), '#step-title', s.mainSteps[index].title[LANG]);
    };
    await at(2, 'one step on');
    // Page Up and ← go back, → forward: the server follows each.
    await fac().page.locator('#step-title').click();
    await fac().page.keyboard.press('PageUp');
    await at(1, 'back by Page Up');
    await fac().page.keyboard.press('ArrowRight');
    await at(2, 'on by →');
    await fac().page.keyboard.press('ArrowLeft');
    await at(1, 'back by ←');
    await expectText(fac(), '#shortcut-hint', /→.*næste.*←.*R/);

    await fac().page.locator('#timer-minutes').fill('7');
    await fac().page.locator('#timer-start').click();
    await until('the countdown runs', () => fac().page.locator('#timer').textContent(), (text) => /\d:\d\d/.test(text));
    await checkCockpit('02-reflection', 'reflection');
  });

  h.step('d: cards — a card in play with notes and a countdown', async () => {
    await fac().page.locator('#next').click();
    await expectText(fac(), '#step-title', s.mainSteps[2].title[LANG]);
    await fac().page.locator('#deal-room').click();
    for (const note of ['Vi taler om det på næste møde', 'Mette vil gerne følge op', 'Husk at spørge chefen om rammerne']) {
      await fac().page.locator('#note-text').fill(note);
      await fac().page.locator('#note-add').click();
      await until('the note is listed', () => fac().page.locator('#card-notes li').allTextContents(), (all) => all.includes(note));
    }
    await fac().page.locator('#talk-start').click();
    await checkCockpit('03-cards', 'cards');
  });

  h.step('e: grid — every topic rated, a dot vote, priorities and agreed placements', async () => {
    await fac().page.locator('#next').click();
    await expectText(fac(), '#step-title', s.mainSteps[3].title[LANG]);
    await fac().page.locator('#fac-topic-new').fill('Vi holder fri, når vi har fri – også i de travle perioder');
    await fac().page.locator('#fac-topic-add').click();
    await until('the new topic', () => fac().page.locator('#agreed-rows form').count(), (n) => n >= 8);
    await everyone(s.mainKeys, s.main, (i, step, activity) => (activity.topics || []).map((tp, j) => ({
      type: 'answer', step: step.id, prompt: tp.id, value: { importance: 1 + ((i + j) % 5), success: 1 + ((i * 2 + j) % 5) },
    })));
    await fac().page.locator('#vote-toggle').click();
    await expectText(fac(), '#vote-toggle', 'Luk prikafstemning');
    await everyone(s.mainKeys, s.main, (i, step, activity) => [
      { type: 'act', step: step.id, action: 'vote', topics: (activity.topics || []).slice(i % 3, (i % 3) + 3).map((tp) => tp.id) },
    ]);
    await fac().page.locator('#reveal-toggle').click();
    await expectAttr(fac(), '#reveal-toggle', 'data-state', 'shown');
    const rows = fac().page.locator('#agreed-rows form');
    for (const n of [0, 1]) {
      await rows.nth(n).locator('select').nth(0).selectOption('4');
      await rows.nth(n).locator('select').nth(1).selectOption(String(2 + n));
      await rows.nth(n).locator('button[id^="agreed-set-"]').click();
      await until('agreed', () => rows.nth(n).locator('button[id^="agreed-clear-"]').isEnabled(), (v) => v === true);
    }
    for (const n of [1, 2, 3]) await fac().page.locator(`#priority-${n}`).selectOption({ index: n });
    await fac().page.locator('#priorities-save').click();
    await checkCockpit('04-grid', 'grid');
    // The English labels are longer: the busiest step still fits.
    await fac().page.locator('#lang-toggle').click();
    await expectText(fac(), '#shortcut-hint', /^Shortcuts:/);
    await checkCockpit('04-grid-en', 'grid');
    await fac().page.locator('#lang-toggle').click();
    await expectText(fac(), '#shortcut-hint', /^Genveje:/);
  });

  h.step('f: plan — proposed rows from the room, one accepted', async () => {
    await fac().page.locator('#next').click();
    await expectText(fac(), '#step-title', s.mainSteps[4].title[LANG]);
    await everyone(s.mainKeys.slice(0, 3), s.main, (i, step) => [{
      type: 'act', step: step.id, action: 'add_row',
      row: {
        area: (step.areas || [])[i % Math.max(1, (step.areas || []).length)]?.id || '', action: `Forslag ${i + 1}: faste sparringsmakkere i ledergruppen, der mødes hver anden uge`,
        first_step: 'Vi laver makkerpar på næste ledermøde', owner: 'Ledergruppen', deadline: '2027-02-01', follow_up: '2027-03-01', answers: 'Støtte',
      },
    }]);
    await until('three proposals', () => fac().page.locator('#plan-editor form.plan-row').count(), (n) => n === 3);
    await fac().page.locator('#plan-editor button[id^="accept-"]').first().click();
    await until('accepted', () => fac().page.locator('#plan-editor form.plan-row').first().getAttribute('data-accepted'), (v) => v === 'true');
    await checkCockpit('05-plan', 'plan');
  });

  h.step('g: end step fits; the mirror still shows the projector', async () => {
    await jump(s.main, 5, s.mainSteps);
    await checkCockpit('06-end', 'end');
  });

  h.step('h: del3 — the stakeholder map with many actors', async () => {
    const created = await server.api('POST', '/api/sessions', { body: { programme: 'del3', lang: LANG, min_group: 3 } });
    const steps = await stepsOf(created);
    await openConsole(created);
    const keys = await joinRoom(created.code, 4);
    await expectText(fac(), '#joined', '4');
    const map = steps.findIndex((x) => x.kind === 'map');
    await jump(created, map, steps);
    const roles = ['Borgere', 'Pårørende', 'Politikere', 'Direktionen', 'Tillidsrepræsentanten', 'Nabokommunen', 'Pressen', 'HR-afdelingen'];
    await everyone(keys, created, (i, step) => ['Borgere', 'Pårørende', 'Politikere', 'Direktionen', 'Tillidsrepræsentanten', 'Nabokommunen', 'Pressen', 'HR-afdelingen']
      .filter((_, j) => (i + j) % 4 !== 3)
      .map((label, j) => ({ type: 'answer', step: step.id, prompt: `a-${j}`, value: { label, influence: 1 + ((i + j) % 5), effect: ((i + j) % 5) - 2, closeness: 1 + (j % 5) } })));
    // Aggregates are computed from the first reveal on.
    await fac().page.locator('#reveal-toggle').click();
    await until('the actors are listed', () => fac().page.locator('input.actor-pick').count(), (n) => n === roles.length);
    await checkCockpit('07-map', 'map');

    // The reflection with two lists: each shared item under its prompt (when the server says which).
    const reflection = steps.findIndex((x) => x.kind === 'reflection');
    await jump(created, reflection, steps);
    await everyone(keys, created, (i, step) => (step.prompts || []).flatMap((prompt) => [
      { type: 'answer', step: step.id, prompt: prompt.id, value: [0, 1].map((j) => ({ id: `i${j}`, text: `${prompt.id} ${i}.${j}: det her kan vi gøre noget ved i løbet af foråret` })) },
      ...[0, 1].map((j) => ({ type: 'act', step: step.id, action: 'share', prompt: prompt.id, item: `i${j}`, share: true, named: false })),
    ]));
    await until('the shared items', () => fac().page.locator('#shared-list [data-testid=shared-item]').count(), (n) => n === 16);
    const grouped = await fac().page.evaluate(() => {
      const items = [...document.querySelectorAll('#shared-list [data-testid=shared-item]')];
      return items.map((li) => ({ text: li.textContent, prompt: li.closest('[data-prompt]')?.dataset.prompt ?? null }));
    });
    // With the prompt in each item, every item sits under the prompt whose id it starts with.
    if (grouped.some((g) => g.prompt !== null)) {
      for (const g of grouped) assert.ok(g.text.startsWith(`${g.prompt} `), `${g.text} is under ${g.prompt}`);
    }
    await checkCockpit('08-reflection-lists', 'reflection');
  });

  h.step('i: enkelte-leder — a shared personal plan', async () => {
    const created = await server.api('POST', '/api/sessions', { body: { programme: 'enkelte-leder', lang: LANG, min_group: 1 } });
    const steps = await stepsOf(created);
    await openConsole(created);
    const keys = await joinRoom(created.code, 1);
    const index = steps.findIndex((x) => x.kind === 'personal_plan');
    await jump(created, index, steps);
    await everyone(keys, created, (i, step) => [
      ...(step.areas || []).map((area) => ({ type: 'answer', step: step.id, prompt: area.id, value: { work: 'Jeg vil tage en fast pause hver eftermiddag og sige det højt i gruppen', first_step: 'Sætte det i kalenderen i morgen' } })),
      { type: 'act', step: step.id, action: 'share_plan', share: true },
    ]);
    await until('the shared plan', () => fac().page.locator('#shared-plans [data-testid=shared-plan]').count(), (n) => n === 1);
    await checkCockpit('09-personal', 'personal_plan');
  });

  h.step('k: the door closes to new participants; a participant who does not belong is removed (issue 13)', async () => {
    const created = await server.api('POST', '/api/sessions', { body: { programme: 'del1', lang: LANG, min_group: 3 } });
    const steps = await stepsOf(created);
    await openConsole(created);
    await joinRoom(created.code, 2);
    // A real phone joins as number 3: it is the one removed below.
    const phone = await h.newDevice('phone', PHONE);
    await phone.page.goto(created.join_url);
    await phone.page.locator('#join-button').click();
    await expectVisible(phone, '#view-step');
    await expectText(fac(), '#joined', '3');
    await expectCount(fac(), '#people li.person', 3);
    await expectText(fac(), '#door-toggle', 'Luk for nye deltagere');
    await fac().page.locator('#door-toggle').click();
    await expectText(fac(), '#door-state', 'Lukket: nye kan ikke komme ind');
    await expectText(fac(), '#door-toggle', 'Åbn for nye deltagere');
    const list = await server.api('GET', `/api/sessions/${created.code}/participants`, { token: created.facilitator_token });
    assert.equal(list.closed, true);
    assert.equal(list.everyone.length, 3);
    // A join now is refused with the typed error the join page words.
    const refused = await bots().page.evaluate((code) => new Promise((resolve) => {
      const ws = new WebSocket(`ws://${location.host}/api/sessions/${encodeURIComponent(code)}/ws`);
      ws.onopen = () => ws.send(JSON.stringify({ type: 'join' }));
      ws.onmessage = (event) => resolve(JSON.parse(event.data));
    }), created.code);
    assert.equal(refused.code, 'closed', JSON.stringify(refused));
    // The join page says so in plain words.
    await bots().page.goto(created.join_url);
    await bots().page.locator('#join-button').click();
    await expectText(bots(), '#join-error', 'Mødet er lukket for nye deltagere. Spørg facilitatoren, hvis du skal være med.');
    await h.screenshot(bots(), '10-join-closed');
    await bots().page.goto(`${server.base}/tilgaengelighed`);
    // With the door closed (its badge showing), the door and "Fjern" are still in the first viewport.
    assert.equal(steps[0].kind, 'info');
    await checkCockpit('10-door-closed', 'info');
    await fac().page.setViewportSize(SIZES[0]);

    // "Fjern" asks first; "Fortryd" keeps them; "Ja, fjern" removes them.
    const third = fac().page.locator('#people li.person').nth(2);
    await third.locator('button.person-remove').click();
    await expectText(fac(), '#people li.person:nth-child(3) .person-confirm', /Fjern nr\. 3\? Svarene slettes\./);
    await h.screenshot(fac(), '11-remove-asked');
    await third.locator('button.person-remove-no').click();
    await expectVisible(fac(), '#people li.person:nth-child(3) button.person-remove');
    await third.locator('button.person-remove').click();
    await third.locator('button.person-remove-yes').click();
    await expectText(fac(), '#joined', '2');
    await expectCount(fac(), '#people li.person', 2);
    // The phone is told, in plain words, and keeps nothing.
    await expectText(phone, '#message-title', 'Du er ikke længere med i mødet');
    await expectText(phone, '#message-body', /Facilitatoren har fjernet dig, og dine svar er slettet/);
    await h.screenshot(phone, '12-removed-phone');
    await fac().page.locator('#door-toggle').click();
    await expectText(fac(), '#door-toggle', 'Luk for nye deltagere');
    await expectVisible(fac(), '#door-state', false);
  });

  h.step("l: the meeting's day is moved a week from the console, and the export carries it (issue 14)", async () => {
    const created = await server.api('POST', '/api/sessions', { body: { programme: 'del2', lang: LANG, min_group: 3, date: '2027-02-09' } });
    await openConsole(created);
    const { page } = fac();
    await page.locator('#prep-panel > summary').click();
    await expectVisible(fac(), '#meeting-date');
    assert.equal(await page.locator('#meeting-date').inputValue(), '2027-02-09', 'the day set at creation');
    await page.locator('#meeting-date').fill('2027-02-16');
    await page.locator('#date-save').click();
    await expectText(fac(), '#date-status', 'Datoen er gemt. Referatet har datoen 16. februar 2027.');
    assert.equal(await page.locator('#ics-start').inputValue(), '2027-02-16T09:00', 'the calendar file follows');
    let outcome = await server.api('GET', `/api/sessions/${created.code}/export?format=json`, { token: created.facilitator_token });
    assert.equal(outcome.date, '2027-02-16');
    await h.screenshot(fac(), '13-meeting-date');
    // Cleared: not held yet, so the day it was created (today here).
    await page.locator('#date-clear').click();
    await expectText(fac(), '#date-status', /^Datoen er fjernet\. Referatet har nu datoen \d{1,2}\. \p{L}+ \d{4}\.$/u);
    assert.equal(await page.locator('#meeting-date').inputValue(), '');
    outcome = await server.api('GET', `/api/sessions/${created.code}/export?format=json`, { token: created.facilitator_token });
    assert.match(outcome.date, /^\d{4}-\d{2}-\d{2}$/);
    assert.notEqual(outcome.date, '2027-02-16');
    await page.locator('#prep-panel > summary').click();
  });

  h.step('j: no page logged an error or talked to another host', async () => {
    h.assertClean();
  });
});
