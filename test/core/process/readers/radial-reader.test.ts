import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readRadial } from '../../../../src/core/process/readers/index.js';
import { readError } from './read-error.js';

// One-line definitions and the tree each reads to; most follow Ruote's ut_24_radial_reader cases.
const lines: [string, unknown][] = [
  ['define', ['define', {}, []]],
  ['define # whatever', ['define', {}, []]],
  ['tango ', ['tango', {}, []]],
  ['concurrent-iterator', ['concurrent_iterator', {}, []]],
  ['process-definition', ['process_definition', {}, []]],
  ['Alice-Smith', ['Alice-Smith', {}, []]],
  ['define alpha', ['define', { alpha: null }, []]],
  ['define "alpha"', ['define', { alpha: null }, []]],
  ['define name: "charly"', ['define', { name: 'charly' }, []]],
  ['define "name": "echo" # whatever', ['define', { name: 'echo' }, []]],
  ['define a: AA, b: BB # whatever', ['define', { a: 'AA', b: 'BB' }, []]],
  ['define work-flow: foxtrot', ['define', { work_flow: 'foxtrot' }, []]],
  ['define "work-flow": "hotel"', ['define', { work_flow: 'hotel' }, []]],
  ['define "india", mount: batten', ['define', { india: null, mount: 'batten' }, []]],
  ['participant alpha', ['participant', { alpha: null }, []]],
  ['participant alpha, bravo', ['participant', { alpha: null, bravo: null }, []]],
  ['participant ref: alpha', ['participant', { ref: 'alpha' }, []]],
  ['participant, ref: alpha', ['participant', { ref: 'alpha' }, []]],
  ['wait 2s', ['wait', { '2s': null }, []]],
  ['wait 1.5', ['wait', { '1.5': null }, []]],
  ['if "${f:x} == 1"', ['if', { '${f:x} == 1': null }, []]],
  ["echo 'single'", ['echo', { single: null }, []]],
  ['audit $href, summary: "scale up"', ['audit', { $href: null, summary: 'scale up' }, []]],
  ['audit ${href}, summary: "scale up"', ['audit', { '${href}': null, summary: 'scale up' }, []]],
  ['participant ${f:who}', ['participant', { '${f:who}': null }, []]],
  ['if ${f:x}, else: ${v:a.b}', ['if', { '${f:x}': null, else: '${v:a.b}' }, []]],
  ['set f: {a: ${f:b}}', ['set', { f: { a: '${f:b}' } }, []]],
  ['romeo timeout: 2d # whatever', ['romeo', { timeout: '2d' }, []]],
  ['server_array.${v:/sa_name}.first nada, ok:true', ['server_array.${v:/sa_name}.first', { nada: null, ok: true }, []]],
  ['server_array.take[-2]', ['server_array.take[-2]', {}, []]],
  ['echo "oscar", a: null, b: nil', ['echo', { oscar: null, a: null, b: null }, []]],
  ['set a => b', ['set', { a: 'b' }, []]],
  ['set "x" => 1', ['set', { x: 1 }, []]],
];

describe('readRadial: one line', () => {
  for (const [text, tree] of lines) {
    test(text, () => assert.deepEqual(readRadial(text), tree));
  }
});

describe('readRadial: values', () => {
  const value = (v: string): unknown => readRadial(`set v: ${v}`)[1].v;

  test('strings, double and single quoted, with Ruby escapes', () => {
    assert.equal(value('"a b"'), 'a b');
    assert.equal(value("'a b'"), 'a b');
    assert.equal(value('"a\\"\'a"'), 'a"\'a');
    assert.equal(value("'b\"\\'b'"), 'b"\'b');
    assert.equal(value('"tab\\there\\nnew \\\\ \\u00e9\\u{1F600} \\x41 \\q"'), 'tab\there\nnew \\ é😀 A q');
    assert.equal(value('"# not a comment, nor: a key"'), '# not a comment, nor: a key');
    assert.equal(value('"très bon"'), 'très bon');
    assert.equal(value('""'), '');
  });

  test('numbers: integers, decimals, exponents, negatives', () => {
    assert.equal(value('0'), 0);
    assert.equal(value('42'), 42);
    assert.equal(value('-7'), -7);
    assert.equal(value('2.5'), 2.5);
    assert.equal(value('1e3'), 1000);
    assert.equal(value('-1.5E-2'), -0.015);
  });

  test('a number-like word that does not end at a delimiter is a word', () => {
    assert.equal(value('2d'), '2d');
    assert.equal(value('1h30m'), '1h30m');
    assert.equal(value('1.5s'), '1.5s');
    assert.equal(value('007'), '007');
  });

  test('true, false, null, nil; words that only start like them are words', () => {
    assert.equal(value('true'), true);
    assert.equal(value('false'), false);
    assert.equal(value('null'), null);
    assert.equal(value('nil'), null);
    assert.equal(value('trueish'), 'trueish');
    assert.equal(value('nullable'), 'nullable');
  });

  test('bare words', () => {
    assert.equal(value('alpha'), 'alpha');
    assert.equal(value('a.b-c_d'), 'a.b-c_d');
    assert.equal(value('${f}'), '${f}');
    assert.equal(value('/tmp'), '/tmp');
  });

  test('regexes are kept as /…/ strings', () => {
    assert.equal(value('/a b/'), '/a b/');
    assert.equal(value('/nada\\/toto/'), '/nada/toto/');
    assert.equal(value('/\\d+\\.x/'), '/\\d+\\.x/');
    assert.deepEqual(readRadial('on_error /unknown/: handler'), ['on_error', { '/unknown/': 'handler' }, []]);
  });

  test('arrays and objects, nested, with => and quoted keys', () => {
    assert.deepEqual(value('[ 1, 2, 3 ]'), [1, 2, 3]);
    assert.deepEqual(value('[1, 2]'), [1, 2]);
    assert.deepEqual(value('[]'), []);
    assert.deepEqual(value('[a, "b c", true, null, /r/, [1]]'), ['a', 'b c', true, null, '/r/', [1]]);
    assert.deepEqual(value('{a: b}'), { a: 'b' });
    assert.deepEqual(value('{}'), {});
    assert.deepEqual(value("{ b => c, 'd' => \"e\" }"), { b: 'c', d: 'e' });
    assert.deepEqual(value('{a-b: ${x}, n: {m: [1, {o: p}]}}'), { 'a-b': '${x}', n: { m: [1, { o: 'p' }] } });
    assert.deepEqual(value('[ { field: f, type: bool, empty: false } ]'), [{ field: 'f', type: 'bool', empty: false }]);
  });

  test('a null key is the empty key, as Ruote serialises its nil key', () => {
    assert.deepEqual(value('[{ /unknown participant/: alpha }, { null: bravo }]'), [{ '/unknown participant/': 'alpha' }, { '': 'bravo' }]);
  });

  test('bare non-string values are keyed by their text', () => {
    assert.deepEqual(readRadial('wait 2'), ['wait', { '2': null }, []]);
    assert.deepEqual(readRadial('x 2.0, true'), ['x', { '2.0': null, true: null }, []]);
    assert.deepEqual(readRadial('x [1, a]'), ['x', { '[1,"a"]': null }, []]);
  });
});

describe('readRadial: definitions', () => {
  test('nests by indentation and climbs back', () => {
    const tree = readRadial(`
      process-definition nada
        concurrence
          sequence
            alpha
            bravo
          charly
        delta
    `);
    assert.deepEqual(tree, [
      'process_definition',
      { nada: null },
      [
        ['concurrence', {}, [['sequence', {}, [['alpha', {}, []], ['bravo', {}, []]]], ['charly', {}, []]]],
        ['delta', {}, []],
      ],
    ]);
  });

  test('an uneven dedent attaches to the nearest ancestor indented less (Ruote rule)', () => {
    const tree = readRadial('define\n    sequence\n        alpha\n      bravo');
    assert.deepEqual(tree, ['define', {}, [['sequence', {}, [['alpha', {}, []], ['bravo', {}, []]]]]]);
  });

  test('comments on their own lines, after expressions, and blank lines are ignored', () => {
    const tree = readRadial('# heading\n\ndefine # the root\n  # inside\n      \n  alpha#tight\n\t\n  bravo x: 1 # trailing\n# end');
    assert.deepEqual(tree, ['define', {}, [['alpha', {}, []], ['bravo', { x: 1 }, []]]]);
  });

  test('CRLF line ends and a byte order mark', () => {
    const tree = readRadial('\uFEFFdefine\r\n  participant nada, t: hello\r\n  participant ulf, t: world\r\n');
    assert.deepEqual(tree, ['define', {}, [['participant', { nada: null, t: 'hello' }, []], ['participant', { ulf: null, t: 'world' }, []]]]);
  });

  test('continues a line after a comma, after key:, inside brackets and strings', () => {
    const tree = readRadial(`
      define vladivostok
        echo,
          e: 5,
          f: 6
        doug c:
          3, d:
          4
        alpha data: {
          a: 1, # one
          b: 2
        }
        bravo data: [
          1,
          2
        ]
        echo "
          nada
        ", ol: korrect
        after
    `);
    assert.deepEqual(tree, [
      'define',
      { vladivostok: null },
      [
        ['echo', { e: 5, f: 6 }, []],
        ['doug', { c: 3, d: 4 }, []],
        ['alpha', { data: { a: 1, b: 2 } }, []],
        ['bravo', { data: [1, 2] }, []],
        ['echo', { '\n          nada\n        ': null, ol: 'korrect' }, []],
        ['after', {}, []],
      ],
    ]);
  });

  test('a later duplicate key wins', () => {
    assert.deepEqual(readRadial('x a: 1, a: 2'), ['x', { a: 2 }, []]);
  });

  test('a __proto__ key stays an ordinary attribute', () => {
    const tree = readRadial('echo __proto__: {polluted: true}');
    assert.equal(Object.getPrototypeOf(tree[1]), Object.prototype);
    assert.deepEqual(tree[1], Object.fromEntries([['__proto__', { polluted: true }]]));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('readRadial: nesting limits', () => {
  const indented = (n: number): string => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}sequence`).join('\n');

  test('512 levels of expressions are read, 513 are refused', () => {
    let tree = readRadial(indented(512));
    let depth = 1;
    while (tree[2].length > 0) {
      tree = tree[2][0];
      depth++;
    }
    assert.equal(depth, 512);
    const details = readError(() => readRadial(indented(513)));
    assert.match(details.message, /expressions are nested deeper than 512 levels/);
    assert.deepEqual([details.line, details.column], [513, 513]);
  });
});

describe('readRadial: errors carry line and column', () => {
  const cases: [string, string, RegExp, number, number][] = [
    ['empty', '  \n # only a comment\n', /no expression found/, 1, 1],
    ['a second root', 'define\n  alpha\ndefine', /a second root expression "define"/, 3, 1],
    ['a second root after an indented first', '  define\n  alpha', /a second root expression "alpha"/, 2, 3],
    ['a tab in the indentation', 'define\n\talpha', /tab in indentation/, 2, 1],
    ['a tab after spaces', 'define\n  \talpha', /tab in indentation/, 2, 3],
    ['a line that starts with a string', 'define\n  "nada"', /expected an expression name, found "\\""/, 2, 3],
    ['an attribute on its own line', 'define\n  alpha a: 1\n    b: 2', /found the attribute "b:".*trailing comma/, 3, 5],
    ['attributes without a comma', 'define\n  alpha a: 1 b: 2', /unexpected "b": attributes are separated by commas/, 2, 14],
    ['junk after a string', 'echo "a"b', /unexpected "b"/, 1, 9],
    ['an unclosed array', 'define\n  alpha a: [1, 2', /'\[' is never closed/, 2, 12],
    ['an array missing a comma', 'alpha a: [1 2]', /expected ',' or '\]', found "2"/, 1, 13],
    ['a trailing comma in an array', 'alpha a: [1, ]', /expected a value, found "\]"/, 1, 14],
    ['an unclosed object', 'define\n  alpha a: {b: 1,\n    c: 2', /'\{' is never closed/, 2, 12],
    ['an object entry without a colon', 'alpha a: {b: 1, c}', /expected ':' or '=>' after the key "c"/, 1, 18],
    ['an unterminated string', 'define\n  echo "abc\n  bravo', /unterminated string/, 2, 8],
    ['a missing value', 'alpha a:', /expected a value, found the end/, 1, 9],
    ['a missing value before a comma', 'alpha a: , b: 1', /expected a value, found ","/, 1, 10],
    ['a dangling comma', 'alpha a: 1,', /expected a value, found the end/, 1, 12],
    ['an equals sign', 'if ${f:x} == 1', /unexpected "="/, 1, 11],
    ['a bad \\u escape', 'echo "\\uzz"', /invalid \\u escape/, 1, 7],
    ['values nested too deeply', `x a: ${'['.repeat(600)}`, /values are nested deeper than 512 levels/, 1, 518],
  ];
  for (const [what, text, message, line, column] of cases) {
    test(what, () => {
      const details = readError(() => readRadial(text));
      assert.match(details.message, message);
      assert.deepEqual([details.line, details.column], [line, column]);
    });
  }
});
