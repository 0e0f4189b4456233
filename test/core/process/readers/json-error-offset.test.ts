import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonErrorOffset } from '../../../../src/core/process/readers/json-error-offset.js';

describe('jsonErrorOffset', () => {
  test('valid JSON has no error offset', () => {
    for (const text of ['[]', ' {} ', '["a", {"b": [1, -2.5e3, true, false, null]}, []]', '"\\u00e9\\n"', '0', '\n[\n]\n']) {
      assert.doesNotThrow(() => JSON.parse(text));
      assert.equal(jsonErrorOffset(text), undefined, text);
    }
  });

  const bad: [string, number][] = [
    ['["define", {}, [}', 16],
    ['[1 2]', 3],
    ['[1,]', 3],
    ['{"a" 1}', 5],
    ['{a: 1}', 1],
    ['{"a": 1,}', 8],
    ['[', 1],
    ['', 0],
    ['[tru]', 1],
    ['[01]', 2],
    ['["a\tb"]', 3],
    ['["a\\qb"]', 3],
    ['["abc', 5],
    ['[] x', 3],
  ];
  for (const [text, offset] of bad) {
    test(`${JSON.stringify(text)} fails at ${offset}`, () => {
      assert.throws(() => JSON.parse(text));
      assert.equal(jsonErrorOffset(text), offset);
    });
  }
});
