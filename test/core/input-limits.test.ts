import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEPTH_REFUSED, HUGE_NUMBER_REFUSED, jsonDeeperThan, LONE_SURROGATE_REFUSED, MAX_JSON_DEPTH, NUL_REFUSED, refuseJsonText, refuseUrlEncoded } from '../../src/core/input-limits.js';

const nest = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

test('depth counts arrays and objects, not brackets inside strings', () => {
  assert.equal(jsonDeeperThan(nest(MAX_JSON_DEPTH)), false);
  assert.equal(jsonDeeperThan(nest(MAX_JSON_DEPTH + 1)), true);
  assert.equal(jsonDeeperThan('['.repeat(3) + ']'.repeat(3), 2), true);
  // Siblings do not add up; brackets in strings (escaped quotes too) do not count.
  assert.equal(jsonDeeperThan(`[${'[],'.repeat(2000)}[]]`), false);
  assert.equal(jsonDeeperThan(JSON.stringify({ s: '['.repeat(2000), t: '"\\"[[[' })), false);
  assert.equal(jsonDeeperThan(`["\\\\", ${'['.repeat(600)}${']'.repeat(600)}]`), true);
  // Many brackets in strings, after escaped quotes and backslashes, and a deep value after them.
  assert.equal(jsonDeeperThan(JSON.stringify({ s: `"\\${'['.repeat(600)}`, t: '\\' })), false);
  assert.equal(jsonDeeperThan(`${JSON.stringify({ s: `"${'{'.repeat(600)}` }).slice(0, -1)}, "d": ${nest(513)}}`), true);
});

test('U+0000 as a JSON escape or a raw character is refused; an escaped backslash before "u0000" is text', () => {
  assert.equal(refuseJsonText('{"a":"x\\u0000"}'), NUL_REFUSED);
  assert.equal(refuseJsonText('{"a":"x\\\\\\u0000"}'), NUL_REFUSED);
  assert.equal(refuseJsonText('{"a":"x\\\\u0000"}'), null);
  assert.equal(refuseJsonText('{"a":"x\0"}'), NUL_REFUSED);
  assert.equal(refuseJsonText(nest(600)), DEPTH_REFUSED);
  assert.equal(refuseJsonText('{"a":"\\u0001"}'), null);
  assert.equal(refuseUrlEncoded('/tasks?name=a%00'), NUL_REFUSED);
  assert.equal(refuseUrlEncoded('/tasks?name=a%000'), NUL_REFUSED);
  assert.equal(refuseUrlEncoded('/tasks?name=a%20%30'), null);
});

test('a lone surrogate escape is refused; a pair, other escapes and an escaped backslash before "ud800" are not', () => {
  for (const text of ['"\\ud800"', '"\\udc00"', '"\\uD83D x"', '"\\ud83d\\u0041"', '"a\\ud83d"', '"\\ude00\\ud83d"', '"\\\\\\ud800"']) {
    assert.equal(refuseJsonText(text), LONE_SURROGATE_REFUSED, text);
  }
  for (const text of ['"\\ud83d\\ude00"', '"\\uD83D\\uDE00 and \\u00e9"', '"\\\\ud800"', '"\\u12"', '"😀"', '{"a":"\\ud83d\\ude00\\ud83d\\ude00"}']) {
    assert.equal(refuseJsonText(text), null, text);
  }
  // What the refusal is about: the same value JSON.parse gives.
  assert.equal(JSON.parse('"\\ud83d\\ude00"'), '😀');
});

test('a number beyond the range of a double is refused; large finite numbers and strings like "1e500" are not', () => {
  for (const text of ['1e400', '{"a":-1E+309}', '[1, 2e0400]', `{"n":${'9'.repeat(400)}}`, '{"s":"1e500","n":1e999}']) {
    assert.equal(refuseJsonText(text), HUGE_NUMBER_REFUSED, text);
  }
  for (const text of ['1.7976931348623157e308', '{"a":1e-400}', '{"s":"1e500"}', `{"s":"${'9'.repeat(400)}"}`, '{"n":1e308', '[1e22, 5e-324]']) {
    assert.equal(refuseJsonText(text), null, text);
  }
  // 309 digits overflow wherever they stand (the scan samples every 309th character); 308 do not.
  for (let at = 0; at < 700; at += 23) {
    assert.equal(refuseJsonText(`${' '.repeat(at)}[1, ${'9'.repeat(309)}]`), HUGE_NUMBER_REFUSED, String(at));
    assert.equal(refuseJsonText(`${' '.repeat(at)}[1, ${'9'.repeat(308)}]`), null, String(at));
  }
});
