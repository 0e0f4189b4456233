import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMapping, MAPPING_FUNCTIONS } from '../../../src/core/endpoint/index.js';

const fn = (name: string, key: string, parameters?: unknown) => ({ key, transform: { function: name, ...(parameters !== undefined && { parameters }) } });

describe('applyMapping: object-mapper syntax', () => {
  const source = { requestBody: { a: { b: 'x' }, list: [{ v: 1 }, { v: 2 }], arr: ['p', 'q'] }, constants: { c: 'C' } };
  test('paths, arrays, indexes, several destinations, append', () => {
    assert.deepEqual(
      applyMapping(source, {
        'requestBody.a.b': 'out.b',
        'requestBody.list[].v': 'values[].value',
        'requestBody.arr[]': 'copy',
        'requestBody.arr[1]': 'second',
        'constants.c': ['c1', 'nested.c2'],
        'requestBody.a': 'pushed[]+',
      }),
      {
        out: { b: 'x' },
        values: [{ value: 1 }, { value: 2 }],
        copy: ['p', 'q'],
        second: 'q',
        c1: 'C',
        nested: { c2: 'C' },
        pushed: [{ b: 'x' }],
      },
    );
  });
  test('a mapping reaching a prototype is refused at run time too (a definition saved before the check)', () => {
    for (const dest of ['__proto__.polluted', 'constructor.polluted', 'a[].__proto__.polluted', { key: '__proto__.polluted' }]) {
      assert.throws(() => applyMapping({ requestBody: { a: 'EVIL' } }, { 'requestBody.a': dest }), /is not allowed/);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((Object as unknown as Record<string, unknown>).polluted, undefined);
  });
  test('missing values are not written; defaults are', () => {
    assert.deepEqual(applyMapping(source, { 'requestBody.none': 'n', 'requestBody.none2': { key: 'd', default: 'dflt' } }), { d: 'dflt' });
  });
  test("as the mediator's object-mapper (5, which its fork is made from) maps", () => {
    const s = { requestBody: { a: [1, 2], b: 3, n: null } };
    // Several sources to one `out[]`: an array of them, none lost.
    assert.deepEqual(applyMapping(s, { 'requestBody.a': 'out[]', 'requestBody.b': 'out[]' }), { out: [[1, 2], 3] });
    // A null value still makes the parents of its key.
    assert.deepEqual(applyMapping(s, { 'requestBody.n': 'bar.foo' }), { bar: {} });
    // A default of 0 or false is no default.
    assert.deepEqual(applyMapping(s, { 'requestBody.none': { key: 'x', default: 0 }, 'requestBody.none2': { key: 'y', default: false } }), {});
    // An array of an array's items, flat, with `x[].y` → `z`.
    assert.deepEqual(applyMapping({ l: [{ c: 'a' }, { c: 'b' }] }, { 'l[].c': 'codes' }), { codes: ['a', 'b'] });
  });
});

describe('mapping functions', () => {
  test('mapCodes with default and null', () => {
    const params = { M: 'male', F: 'female', default: 'unknown' };
    assert.deepEqual(
      applyMapping({ a: 'M', b: 'Z' }, { a: fn('mapCodes', 'x', params), b: fn('mapCodes', 'y', params), missing: fn('mapCodes', 'z', params) }),
      { x: 'male', y: 'unknown', z: 'unknown' },
    );
    assert.deepEqual(applyMapping({}, { missing: fn('mapCodes', 'z', { null: 'was-null', default: 'd' }) }), { z: 'was-null' });
    assert.deepEqual(applyMapping({}, { missing: fn('mapCodes', 'z', { M: 'male' }) }), {});
  });
  test('dateTimeToDate', () => {
    assert.deepEqual(applyMapping({ t: '2021-03-04T05:06:07.000Z' }, { t: fn('dateTimeToDate', 'd') }), { d: '2021-03-04' });
    assert.equal(MAPPING_FUNCTIONS.dateTimeToDate('', {}, {}, 't', 'd', {}), null);
  });
  test('booleanFlip', () => {
    assert.deepEqual(applyMapping({ t: true, f: false, s: 'true' }, { t: fn('booleanFlip', 'a'), f: fn('booleanFlip', 'b'), s: fn('booleanFlip', 'c') }), { a: false, b: true });
  });
  test('booleanify', () => {
    assert.deepEqual(
      applyMapping({ one: 1, zero: 0, s: 'x', e: '', o: {} }, { one: fn('booleanify', 'a'), zero: fn('booleanify', 'b'), s: fn('booleanify', 'c'), e: fn('booleanify', 'd'), o: fn('booleanify', 'e') }),
      { a: true, b: false, c: true, d: false, e: true },
    );
  });
  test('numberify', () => {
    assert.deepEqual(applyMapping({ n: '12.5', bad: 'abc' }, { n: fn('numberify', 'a'), bad: fn('numberify', 'b') }), { a: 12.5 });
  });
  test('stringify', () => {
    assert.deepEqual(applyMapping({ o: { x: 1 }, s: 'str', n: 3 }, { o: fn('stringify', 'a'), s: fn('stringify', 'b'), n: fn('stringify', 'c') }), { a: '{"x":1}', b: 'str', c: '3' });
  });
  test('oneToAllElements copies one value into every element of an output array', () => {
    const out = applyMapping(
      { list: [{ v: 1 }, { v: 2 }, { v: 3 }], system: 'S' },
      { 'list[].v': 'codes[].value', system: fn('oneToAllElements', 'codes[].system') },
    );
    assert.deepEqual(out, { codes: [{ value: 1, system: 'S' }, { value: 2, system: 'S' }, { value: 3, system: 'S' }] });
    assert.throws(() => applyMapping({ s: 'S' }, { s: fn('oneToAllElements', 'plain') }), /Invalid Transform Key value: plain/);
  });
  test('appendArray appends to an output array, creating the path', () => {
    const out = applyMapping(
      { first: [1, 2], more: [3], other: [9] },
      { first: 'nested.items', more: fn('appendArray', 'nested.items[]'), other: fn('appendArray', 'fresh.list[]') },
    );
    assert.deepEqual(out, { nested: { items: [1, 2, 3] }, fresh: { list: [9] } });
  });
  test('passThroughObject copies an object onto the top of the output', () => {
    const out = applyMapping({ requestBody: { a: 1, b: { c: 2 } }, x: 'y' }, { x: 'x', requestBody: fn('passThroughObject', 'ignored') });
    assert.deepEqual(out, { x: 'y', a: 1, b: { c: 2 } });
  });
  test('an unknown function fails the mapping', () => {
    assert.throws(() => applyMapping({ a: 1 }, { a: fn('nope', 'b') }), /No function exists for key: nope/);
  });
});
