import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readJsonTree } from '../../../../src/core/process/readers/index.js';
import { readError } from './read-error.js';

describe('readJsonTree', () => {
  test('keeps bare attributes as keys with a null value', () => {
    assert.deepEqual(readJsonTree(['participant', { alpha: null }, []]), ['participant', { alpha: null }, []]);
    assert.deepEqual(readJsonTree(['wait', { '2s': null }, []]), ['wait', { '2s': null }, []]);
    const ifTree = ['if', { '${f:x} == 1': null }, [['participant', { ref: 'alpha' }, []]]];
    assert.deepEqual(readJsonTree(ifTree), ifTree);
  });

  test('reads a JSON string holding a tree', () => {
    const text = '["define", {"name": "x"}, [["participant", {"alpha": null}, []]]]';
    assert.deepEqual(readJsonTree(text), ['define', { name: 'x' }, [['participant', { alpha: null }, []]]]);
  });

  test('normalises lowercase-dash names, not attribute keys nor other names', () => {
    const tree = readJsonTree([
      'process-definition',
      { 'on-error': 'x' },
      [
        ['concurrent-iterator', {}, []],
        ['Alice-Smith', {}, []],
        ['server.${v:a-b}', {}, []],
      ],
    ]);
    assert.deepEqual(tree, [
      'process_definition',
      { 'on-error': 'x' },
      [
        ['concurrent_iterator', {}, []],
        ['Alice-Smith', {}, []],
        ['server.${v:a-b}', {}, []],
      ],
    ]);
  });

  test('returns a copy and keeps nested attribute values', () => {
    const input: unknown[] = ['sequence', { on: [1, { a: 'b' }], flag: true, n: 2.5 }, []];
    const out = readJsonTree(input);
    assert.deepEqual(out, input);
    assert.notEqual(out, input);
    assert.notEqual(out[1], input[1]);
  });

  test('a __proto__ key stays an ordinary attribute', () => {
    const out = readJsonTree('["echo", {"__proto__": {"polluted": true}}, []]');
    assert.equal(Object.getPrototypeOf(out[1]), Object.prototype);
    assert.deepEqual(Object.keys(out[1]), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  const shapes: [string, unknown, RegExp][] = [
    ['not an array', { name: 'x' }, /expression 0: expected an array \[name, attributes, children\], got an object/],
    ['two elements', ['define', {}], /expression 0: expected an array .*got an array of 2/],
    ['four elements', ['define', {}, [], 1], /got an array of 4/],
    ['a numeric name', [1, {}, []], /expression 0: name must be a non-empty string, got number 1/],
    ['an empty name', ['', {}, []], /name must be a non-empty string/],
    ['array attributes', ['define', [], []], /expression 0 \(define\): attributes must be an object, got an array of 0/],
    ['null attributes', ['define', null, []], /attributes must be an object, got null/],
    ['object children', ['define', {}, {}], /children must be an array, got an object/],
    ['a bad grandchild', ['define', {}, [['sequence', {}, [['a', {}, []], ['b', {}]]]]], /expression 0_0_1: expected an array/],
    ['a string child', ['define', {}, ['alpha']], /expression 0_0: expected an array .*got the string "alpha"/],
    ['a non-JSON attribute value', ['define', { f: () => 1 }, []], /attribute "f": function .* is not a JSON value/],
    ['an infinite number', ['define', { n: Infinity }, []], /attribute "n": Infinity is not a JSON number/],
    ['a Date value', ['define', { d: new Date(0) }, []], /attribute "d": a Date is not a JSON value/],
  ];
  for (const [what, input, message] of shapes) {
    test(`rejects ${what}`, () => {
      const details = readError(() => readJsonTree(input));
      assert.match(details.message, message);
      assert.equal(details.line, undefined);
    });
  }

  test('rejects a tree nested too deeply', () => {
    let tree: unknown = ['noop', {}, []];
    for (let i = 0; i < 600; i++) tree = ['sequence', {}, [tree]];
    assert.match(readError(() => readJsonTree(tree)).message, /nested deeper than 512 levels/);
  });

  test('reports malformed JSON text with its line and column', () => {
    const details = readError(() => readJsonTree('["define", {},\n  [["alpha", {}, []]\n  }'));
    assert.match(details.message, /^invalid JSON: /);
    assert.equal(details.line, 3);
    assert.equal(details.column, 3);
  });

  test('a tree of the wrong shape in JSON text is reported at its expression', () => {
    const children = readError(() => readJsonTree('["define", {},\n [["echo", {}, 5]]]'));
    assert.deepEqual(children, { message: 'expression 0_0 (echo): children must be an array, got number 5', line: 2, column: 3 });
    const atts = readError(() => readJsonTree('["define", {}, [\n  ["echo", {"a": 1}, []],\n  ["alpha", 7, []]\n]]'));
    assert.deepEqual([atts.line, atts.column], [3, 3]);
    const leaf = readError(() => readJsonTree('["define", {}, [["sequence", {}, [["x", {}, []], "oops"]]]]'));
    assert.deepEqual([leaf.line, leaf.column], [1, 50]);
    const attribute = readError(() => readJsonTree('["define", {}, [\n\n    ["echo", {"n": 1e999}, []]]]'));
    assert.deepEqual([attribute.line, attribute.column], [3, 5]);
    // A tree given as JSON (not text) has no lines.
    assert.deepEqual(readError(() => readJsonTree(['define', {}, [['echo', {}, 5]]])), { message: 'expression 0_0 (echo): children must be an array, got number 5' });
  });

  test('reports a truncated JSON text at its end', () => {
    const details = readError(() => readJsonTree('["define", {}, [\n'));
    assert.match(details.message, /^invalid JSON: /);
    assert.equal(details.line, 2);
    assert.equal(details.column, 1);
  });
});
