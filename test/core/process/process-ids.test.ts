import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  childExpid,
  EXPID_PATTERN,
  isExpid,
  isWfid,
  makeMnemoWord,
  makeSubid,
  makeWfid,
  makeWorkitemId,
  parentExpid,
  parseWorkitemId,
  SUBID_PATTERN,
  SYLLABLES,
  WFID_PATTERN,
  type RandomInt,
} from '../../../src/core/process/process-ids.js';

// mulberry32: a small seeded generator, so that every run draws the same ids.
function seeded(seed: number): RandomInt {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return Math.floor(r * n);
  };
}

const FORMAT = /^\d{8}-\d{4}-[a-z]+-[a-z]+$/;
const FOUR_SYLLABLE_WORD = new RegExp(`^(?:${[...SYLLABLES].sort((a, b) => b.length - a.length).join('|')}){4}$`);

describe('syllables', () => {
  test('70 syllables, rufus-mnemo style, with its readable spellings', () => {
    assert.equal(SYLLABLES.length, 70);
    assert.equal(new Set(SYLLABLES).size, 70);
    assert.equal(SYLLABLES[0], 'ba');
    assert.ok(SYLLABLES.includes('fu') && SYLLABLES.includes('shi') && SYLLABLES.includes('chi'));
    assert.ok(SYLLABLES.includes('tsu') && SYLLABLES.includes('tzu') && SYLLABLES.includes('yu'));
    assert.ok(!SYLLABLES.includes('hu') && !SYLLABLES.includes('si') && !SYLLABLES.includes('ti'));
  });

  test('a word is four syllables chosen by the random function', () => {
    const picks = [0, 69, 17, 43];
    let i = 0;
    const word = makeMnemoWord(() => picks[i++]);
    assert.equal(word, SYLLABLES[0] + SYLLABLES[69] + SYLLABLES[17] + SYLLABLES[43]);
    assert.match(word, FOUR_SYLLABLE_WORD);
  });
});

describe('makeWfid', () => {
  test('is the UTC date and time then two four-syllable words', () => {
    const wfid = makeWfid(Date.UTC(2015, 9, 5, 12, 47, 59, 999), seeded(1));
    assert.match(wfid, /^20151005-1247-[a-z]+-[a-z]+$/);
    const [, , x, y] = wfid.split('-');
    assert.match(x, FOUR_SYLLABLE_WORD);
    assert.match(y, FOUR_SYLLABLE_WORD);
    assert.ok(isWfid(wfid));
  });

  test('takes a Date or epoch milliseconds and pads every field', () => {
    const t = new Date(Date.UTC(2026, 0, 2, 3, 4));
    assert.ok(makeWfid(t, seeded(2)).startsWith('20260102-0304-'));
    assert.equal(makeWfid(t, seeded(3)), makeWfid(t.getTime(), seeded(3)));
  });

  test('is determined by the time and the random function', () => {
    const t = Date.UTC(2020, 5, 1);
    assert.equal(makeWfid(t, seeded(42)), makeWfid(t, seeded(42)));
    assert.notEqual(makeWfid(t, seeded(42)), makeWfid(t, seeded(43)));
  });

  test('10,000 wfids made in the same minute are unique and well formed', () => {
    const random = seeded(20151005);
    const now = Date.UTC(2015, 9, 5, 12, 47);
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const wfid = makeWfid(now, random);
      assert.match(wfid, FORMAT);
      assert.match(wfid, WFID_PATTERN);
      seen.add(wfid);
    }
    assert.equal(seen.size, 10_000);
  });

  test('refuses an invalid time and a random function out of range', () => {
    assert.throws(() => makeWfid(new Date(NaN), seeded(1)), RangeError);
    assert.throws(() => makeWfid(0, () => 70), /random\(70\) returned 70/);
    assert.throws(() => makeWfid(0, () => 0.5), RangeError);
    assert.throws(() => makeWfid(0, () => -1), RangeError);
  });
});

describe('isWfid', () => {
  test('accepts the documented example and Ruote wfids with shorter words', () => {
    assert.ok(isWfid('20151005-1247-kogadeso-gekunute'));
    assert.ok(isWfid('20120101-1200-dabu-jo'));
    assert.ok(isWfid('20120101-1200-shichitsutzu-fuyo'));
  });

  test('rejects anything else', () => {
    for (const s of ['', '2015100-1247-kogadeso-gekunute', '20151005-1247-kogadeso', '20151005-1247-Kogadeso-gekunute', '20151005-1247-kogadesox-gekunute', '20151005-1247-kogadeso-gekunute-', 'x20151005-1247-kogadeso-gekunute', '20151005-1247-hu-si', 42]) {
      assert.equal(isWfid(s), false, String(s));
    }
  });
});

describe('makeSubid', () => {
  test('is 32 lowercase hex digits drawn from the random function', () => {
    assert.equal(makeSubid(() => 15), 'f'.repeat(32));
    assert.equal(makeSubid(() => 0), '0'.repeat(32));
    const random = seeded(7);
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const subid = makeSubid(random);
      assert.match(subid, /^[0-9a-f]{32}$/);
      assert.match(subid, SUBID_PATTERN);
      seen.add(subid);
    }
    assert.equal(seen.size, 10_000);
  });
});

describe('expids', () => {
  test('the root is 0; children add their index', () => {
    assert.equal(childExpid('0', 0), '0_0');
    assert.equal(childExpid('0', 1), '0_1');
    assert.equal(childExpid(childExpid('0', 1), 0), '0_1_0');
    assert.equal(childExpid('0_1_0', 12), '0_1_0_12');
    assert.throws(() => childExpid('0', -1), RangeError);
    assert.throws(() => childExpid('0', 1.5), RangeError);
  });

  test('parentExpid walks back up', () => {
    assert.equal(parentExpid('0_1_0'), '0_1');
    assert.equal(parentExpid('0_1'), '0');
    assert.equal(parentExpid('0'), undefined);
  });

  test('isExpid', () => {
    for (const s of ['0', '0_0', '0_1_0', '0_10_3']) assert.ok(isExpid(s) && EXPID_PATTERN.test(s), s);
    for (const s of ['', '0_', '_0', '0__1', '0_01', 'a_0', '0-1']) assert.equal(isExpid(s), false, s);
  });
});

describe('workitem ids', () => {
  const wfid = '20151005-1247-kogadeso-gekunute';
  const subid = '023abf5d398319b1c8fcbfaf70e7c780';

  test('makes the documented example', () => {
    assert.equal(makeWorkitemId('0_0', subid, wfid), '0_0!023abf5d398319b1c8fcbfaf70e7c780!20151005-1247-kogadeso-gekunute');
  });

  test('parse round trip over 10,000 generated ids', () => {
    const random = seeded(99);
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const parts = { expid: childExpid(childExpid('0', i % 7), i % 3), subid: makeSubid(random), wfid: makeWfid(Date.UTC(2026, 10, 28, 6, i % 60), random) };
      const id = makeWorkitemId(parts.expid, parts.subid, parts.wfid);
      assert.deepEqual(parseWorkitemId(id), parts);
      seen.add(id);
    }
    assert.equal(seen.size, 10_000);
  });

  test('parsing is strict', () => {
    const bad = [
      '',
      `0_0!${subid}`,
      `0_0!${subid}!${wfid}!x`,
      `0_0!${subid.toUpperCase()}!${wfid}`,
      `0_0!${subid.slice(1)}!${wfid}`,
      `0_0!${subid}0!${wfid}`,
      `0-0!${subid}!${wfid}`,
      `!${subid}!${wfid}`,
      `0_0!${subid}!20151005-1247-kogadeso`,
      ` 0_0!${subid}!${wfid}`,
      `0_0!${subid}!${wfid}\n`,
    ];
    for (const s of bad) assert.equal(parseWorkitemId(s), null, JSON.stringify(s));
  });
});
