// The UI text tables (web/i18n.js) read as one voice in two languages: no key is written twice in
// a table (the later one would silently win, as a second `waiting` once did: offline phones then
// said "{n} nye svar venter" instead of "Venter på forbindelse…"), both languages have the same
// keys, and each text carries the same placeholders in both. No browser needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'i18n.js');
const source = fs.readFileSync(file, 'utf8');
const { strings } = await import(file);

/** The keys written in the table of `lang`, in order, duplicates included. */
function writtenKeys(lang) {
  const start = source.indexOf(`\n  ${lang}: {\n`);
  assert.ok(start >= 0, `a table for ${lang}`);
  const end = source.indexOf('\n  },', start);
  const table = source.slice(start, end);
  return [...table.matchAll(/^ {4}([a-z0-9_]+):/gm)].map((m) => m[1]);
}

const placeholders = (text) => [...String(text).matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]).sort();

test('no key is written twice in a language table', () => {
  for (const lang of Object.keys(strings)) {
    const keys = writtenKeys(lang);
    const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
    assert.deepEqual(twice, [], `${lang}: written twice`);
    assert.equal(keys.length, Object.keys(strings[lang]).length, `${lang}: every key is read`);
  }
});

test('Danish and English have the same keys and the same placeholders', () => {
  const da = strings.da;
  const en = strings.en;
  assert.deepEqual(Object.keys(en).sort(), Object.keys(da).sort());
  for (const key of Object.keys(da)) {
    assert.deepEqual(placeholders(en[key]), placeholders(da[key]), `placeholders of ${key}`);
  }
});
