import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, define, echo, p, runFlow, t } from './harness.js';

const thenElse = [echo('then'), echo('else')];

describe('if, equals, given/that/of', () => {
  test('test attribute: then, else, missing then/else', () => {
    assert.deepEqual(runFlow(define(t('if', { test: 'true' }, thenElse))).trace, ['then']);
    assert.deepEqual(runFlow(define(t('if', { test: 'false' }, thenElse))).trace, ['else']);
    assert.deepEqual(runFlow(define(t('if', { test: 'true' }), echo('done.'))).trace, ['done.']);
    assert.deepEqual(runFlow(define(t('if', { test: 'false' }, [echo('then')]), echo('done.'))).trace, ['done.']);
    assert.deepEqual(runFlow(define(t('if', { t: 'true' }, [echo('then')]), echo('done.'))).trace, ['then', 'done.']);
  });

  test('bare condition text and booleans', () => {
    const h = runFlow(define(t('if', { true: null }, thenElse), t('if', { false: null }, thenElse), t('if', { test: false }, thenElse),
      t('if', { '${f:x} == 1': null }, thenElse), t('if', { '${f:x} > 5': null }, thenElse)), { fields: { x: 1 } });
    assert.deepEqual(h.trace, ['then', 'else', 'else', 'then', 'else']);
  });

  test('an equals child picks then or else', () => {
    assert.deepEqual(runFlow(define(t('if', {}, [t('equals', { val: 'a', other_value: 'a' }), ...thenElse]))).trace, ['then']);
    assert.deepEqual(runFlow(define(t('if', {}, [t('equals', { val: 'a', other_value: 'z' }), ...thenElse]))).trace, ['else']);
    assert.deepEqual(runFlow(define(t('if', {}, [t('equals', { val: 'a', other_value: 'z' })]), echo('done.'))).trace, ['done.']);
    assert.deepEqual(runFlow(define(t('if', {}, [t('equals', { field_value: 'state', other_value: 'A' }), echo('alpha'), echo('bravo')])), { fields: { state: 'A' } }).trace, ['alpha']);
    assert.deepEqual(runFlow(define(t('set', { 'v:a': 1 }), t('if', {}, [t('equals', { var_value: 'a', other_value: 1 }), ...thenElse]))).trace, ['then']);
  });

  test('if / unless attributes on any expression', () => {
    const h = runFlow(define(echo('a', { if: '${f:x} == 1' }), echo('b', { if: '${f:x} == 2' }), echo('c', { unless: '${f:x} == 2' }), p('alpha', { unless: 'true' })), { fields: { x: 1 } });
    assert.deepEqual(h.trace, ['a', 'c']);
    assert.deepEqual(h.reached, []);
  });

  test('given / that / of', () => {
    const tree = define(t('given', { '${f:x}': null }, [
      t('of', { 1: null }, [echo('one')]),
      t('of', { 2: null }, [echo('two')]),
      t('of', { '/^t.+$/': null }, [echo('tee')]),
      echo('default'),
    ]), echo('done.'));
    assert.deepEqual(runFlow(tree, { fields: { x: 1 } }).trace, ['one', 'done.']);
    assert.deepEqual(runFlow(tree, { fields: { x: 2 } }).trace, ['two', 'done.']);
    assert.deepEqual(runFlow(tree, { fields: { x: 'three' } }).trace, ['tee', 'done.']);
    assert.deepEqual(runFlow(tree, { fields: { x: 4 } }).trace, ['default', 'done.']);
    const thats = define(t('given', {}, [
      t('that', { '${f:x} > 5': null }, [echo('big')]),
      t('that', { '${f:x} > 0': null }, [echo('small')]),
    ]));
    assert.deepEqual(runFlow(thats, { fields: { x: 7 } }).trace, ['big']);
    assert.deepEqual(runFlow(thats, { fields: { x: 3 } }).trace, ['small']);
    assert.deepEqual(runFlow(thats, { fields: { x: -1 } }).trace, []);
  });
});

describe('set, unset, inc, dec, push, pop', () => {
  test('variables: set, scopes, unset', () => {
    assert.deepEqual(runFlow(define(t('set', { var: 'x', value: '0' }), echo('-${v:x}-'), t('unset', { var: 'x' }), echo('-${v:x}-'))).trace, ['-0-', '--']);
    const h = runFlow(define(
      t('set', { var: 'x', value: '0' }), echo('a${v:x}'),
      t('sub0'), echo('e${v:x}'),
      t('define', { sub0: null }, [echo('c${v:x}'), t('set', { var: 'x', value: '1' }), echo('d${v:x}')]),
    ));
    assert.deepEqual(h.trace, ['a0', 'c0', 'd1', 'e0']);
  });

  test('process-level variables with / and //', () => {
    const h = runFlow(define(t('sub0'), echo('${v:x}|${v:y}'), t('define', { sub0: null }, [t('set', { 'v:/x': 'X' }), t('set', { 'v://y': 'Y' })])));
    assert.deepEqual(h.trace, ['X|Y']);
  });

  test('fields: plain, arrays, deep keys, missing value, field_value, escape', () => {
    assert.deepEqual(runFlow(define(t('set', { field: 'f', value: '0' }), echo('-${f:f}-'))).trace, ['-0-']);
    assert.deepEqual(runFlow(define(t('set', { field: 'f', value: ['a', 'b', 'c'] }), t('set', { field: 'f.1', val: 'B' }), echo('-${f:f.0}${f:f.1}${f:f.2}-'))).trace, ['-aBc-']);
    const missing = new Harness(define(t('set', { field: 'f' }), p('alpha'))).launch();
    assert.equal(missing.pending[0].fields.f, null);
    assert.deepEqual(runFlow(define(t('set', { f: 'f', value: 'toto' }), t('set', { v: 'v', field_value: 'f' }), echo('${f:f}:${v:v}'))).trace, ['toto:toto']);
    const esc = runFlow(define(t('set', { f: 'f', val: 'nada:${nada}', escape: true }), t('set', { f: 'ff', field_value: 'f' })));
    assert.equal(esc.state.fields!.f, 'nada:${nada}');
    assert.equal(esc.state.fields!.ff, 'nada:${nada}');
  });

  test('simpler set: key prefixes, nested dollar in keys, __result__', () => {
    assert.deepEqual(runFlow(define(
      t('set', { f0: '0' }), t('set', { 'f:f1': '1' }), t('set', { 'v:v': '2' }), echo('${f:f0}/${f:f1}/${v:v}'),
      t('unset', { f0: null }), t('unset', { 'f:f1': null }), t('unset', { 'v:v': null }), echo('${f:f0}/${f:f1}/${v:v}'),
    )).trace, ['0/1/2', '//']);
    assert.deepEqual(runFlow(define(t('set', { 'v:v': '0' }), t('set', { 'v:v${v:v}': 1 }), echo('${v:v}/${v:v0}'))).trace, ['0/1']);
    assert.equal(runFlow(define(t('set', { 'v:v0': 'nada' }))).state.fields!.__result__, 'nada');
    assert.deepEqual(runFlow(define(t('set', { 'f:x': '${v:v_r}', if: '${v:v_r}' }))).state.fields, {});
  });

  test('unset fields, deep', () => {
    const h = runFlow(define(
      t('set', { 'f:alpha': 'alice' }), t('set', { 'f:bravo': 'bob' }), t('set', { 'f:delta': { echo: 'e', foxtrott: 'f' } }),
      t('unset', { 'f:alpha': null }), t('unset', { f: 'bravo' }), t('unset', { 'f:delta.echo': null }),
    ));
    assert.deepEqual(h.state.fields, { __result__: 'e', delta: { foxtrott: 'f' } });
  });

  test('set with children takes the last __result__; $f:x keeps the raw value', () => {
    const h = runFlow(define(t('set', { f0: null }, [t('set', { 'v:v0': '1' }), t('set', { 'v:v1': '2' }), t('set', { f1: '${v:v0}${v:v1}' })]), echo('${f0}/${v:v0}')));
    assert.equal(h.state.fields!.f0, '12');
    assert.deepEqual(h.trace, ['12/']);
    const raw = runFlow(define(t('set', { 'f:b': '$f:a' })), { fields: { a: [1, 2] } });
    assert.deepEqual(raw.state.fields!.b, [1, 2]);
  });

  test('inc, dec on fields and variables', () => {
    const h = runFlow(define(
      t('set', { 'v:x': 1 }), t('inc', { 'v:x': null }), t('inc', { var: 'x', val: 10 }), echo('${v:x}'),
      t('inc', { 'f:n': null }), t('dec', { field: 'n', val: 3 }), echo('${f:n}'),
      t('increment', { 'v:y': 2 }), echo('${v:y}'), t('decrement', { 'v:y': 1 }), echo('${v:y}'),
    ));
    assert.deepEqual(h.trace, ['12', '-2', '2', '1']);
  });

  test('push, pop (tail by default, head with pos)', () => {
    const h = runFlow(define(
      t('push', { 'f:l': 'a' }), t('push', { 'f:l': 'b' }), t('push', { 'f:l': 'z', pos: 'head' }), echo('${f:l}'),
      t('pop', { 'f:l': null }), echo('${f:l}|${f:__result__}'),
      t('pop', { 'f:l': null, pos: 'head', to_f: 'got' }), echo('${f:l}|${f:got}'),
      t('push', { 'v:s': 1 }), t('push', { 'v:s': 2 }), t('pop', { 'v:s': null, to_v: 'top' }), echo('${v:s}|${v:top}'),
    ));
    assert.deepEqual(h.trace, ['["z","a","b"]', '["z","a"]|b', '["a"]|z', '[1]|2']);
  });
});

describe('subprocess, define', () => {
  const sub0 = t('define', { sub0: null }, [echo('a')]);

  test('by ref, by attribute text, by expression name', () => {
    assert.deepEqual(runFlow(define(t('subprocess', { ref: 'sub0' }), sub0)).trace, ['a']);
    assert.deepEqual(runFlow(define(t('subprocess', { sub0: null }), sub0)).trace, ['a']);
    assert.deepEqual(runFlow(define(t('sub0'), sub0)).trace, ['a']);
  });

  test('a subprocess of that name wins over a participant', () => {
    const h = runFlow(define(t('sub0'), t('participant', { ref: 'sub1' }), t('define', { name: 'sub0' }, [echo('sub0')])));
    assert.deepEqual(h.trace, ['sub0']);
    assert.deepEqual(h.reached, ['sub1']);
  });

  test('if on a subprocess, attributes become variables, f: attributes become fields, the child tree is passed', () => {
    assert.deepEqual(runFlow(define(sub0, t('sequence', {}, [t('subprocess', { ref: 'sub0' }), t('subprocess', { ref: 'sub0', if: 'true == false' }), t('subprocess', { ref: 'sub0' })]))).trace, ['a', 'a']);
    assert.deepEqual(runFlow(define(t('subprocess', { sub0: null, a: 'A', b: 'B' }), t('define', { sub0: null }, [echo('${v:a}:${v:b}')]))).trace, ['A:B']);
    const h = runFlow(define(t('set', { address: { city: 'boston' } }),
      t('subprocess', { sub0: null, 'f:a': 'fa', 'field:b': 'mi', 'var:c': 'sol', 'f:address.city': 'nyc' }),
      t('define', { sub0: null }, [echo('${a} ${b} ${v:c} ${address.city}')])));
    assert.deepEqual(h.trace, ['fa mi sol nyc']);
    const tr = new Harness(define(t('subprocess', { sub0: null }, [t('noop')]), t('define', { sub0: null }, [p('alpha', { tree: '$v:tree' })]))).launch();
    assert.deepEqual((tr.pending[0].fields.params as Record<string, unknown>).tree, ['noop', {}, []]);
  });

  test('a subprocess given as a launch variable, recursion, unknown subprocess errors', () => {
    assert.deepEqual(runFlow(define(t('sub0'), echo('done.')), { variables: { sub0: ['define', {}, [echo('in sub0')]] } }).trace, ['in sub0', 'done.']);
    const rec = runFlow(define(t('set', { 'v:n': 0 }), t('count'), t('define', { count: null }, [
      t('inc', { 'v:/n': null }), echo('${v:n}'), t('count', { if: '${v:n} < 3' }),
    ])));
    assert.deepEqual(rec.trace, ['1', '2', '3']);
    const h = runFlow(define(echo('in'), t('subprocess', { ref: 'nada' }), echo('out.')));
    assert.deepEqual(h.trace, ['in']);
    assert.equal(h.state.errors[0].message, "no subprocess named 'nada' found");
  });

  test('participants inside a subprocess get distinct workitem ids', () => {
    const h = new Harness(define(t('concurrence', {}, [t('sub0'), t('sub0')]), t('define', { sub0: null }, [p('alpha')]))).launch();
    assert.equal(h.pending.length, 2);
    assert.notEqual(h.pending[0].workitemId, h.pending[1].workitemId);
    h.run();
    assert.equal(h.status, 'completed');
  });
});

describe('inc / dec / push / pop (ruote eft_27 scenarios)', () => {
  const vars = (tree: Parameters<typeof runFlow>[0]) => runFlow(tree).state;

  test('inc: plain, missing, deltas in every form, v_val', () => {
    assert.deepEqual(runFlow(define(t('set', { var: 'x', value: 0 }), t('set', { field: 'y', value: 0 }),
      t('inc', { 'v:x': null }), t('inc', { 'f:y': null }), t('inc', { var: 'x' }), t('inc', { field: 'y' }), echo('${v:x}|${f:y}'))).trace, ['2|2']);
    assert.deepEqual(runFlow(define(t('inc', { 'v:x': null }), t('inc', { 'f:y': null }), t('inc', { var: 'x' }), t('inc', { field: 'y' }), echo('${v:x}|${f:y}'))).trace, ['2|2']);
    assert.deepEqual(runFlow(define(
      t('inc', { 'v:x': null, val: 2 }), t('inc', { 'f:y': null, val: 3 }), t('inc', { 'v:z': null, val: 1.0 }),
      t('inc', { var: 'x', val: '4' }), t('inc', { field: 'y', val: 5 }), t('inc', { 'v:z': null, val: '2.0' }),
      t('inc', { 'v:x': 2 }), t('inc', { y: 2 }), t('inc', { 'v:z': 0.5 }), echo('${v:x}|${f:y}|${v:z}'))).trace, ['8|10|3.5']);
    assert.deepEqual(runFlow(define(t('set', { 'v:x': 2 }), t('inc', { 'v:x': null, v_val: 'x' }), echo('${v:x}'))).trace, ['4']);
  });

  test('inc on lists (tail, head, missing)', () => {
    assert.deepEqual(vars(define(t('set', { 'v:x': ['alpha', 'bravo'] }), t('inc', { 'v:x': null, val: 'charly' }))).variables.x, ['alpha', 'bravo', 'charly']);
    assert.deepEqual(vars(define(t('set', { 'v:x': ['alpha', 'bravo'] }), t('inc', { 'v:x': null, val: 'charly', pos: 'head' }))).variables.x, ['charly', 'alpha', 'bravo']);
    const s = vars(define(t('inc', { 'v:x': null, val: 'charly' }), t('inc', { 'v:y': null, val: 'charly', pos: 'head' })));
    assert.deepEqual([s.variables.x, s.variables.y], [['charly'], ['charly']]);
  });

  test('dec: numbers, lists, a given value, to_v', () => {
    assert.deepEqual(runFlow(define(t('set', { var: 'x', value: 4 }), t('set', { field: 'y', value: 4 }), t('dec', { 'v:x': null }), t('dec', { 'f:y': null }), t('dec', { 'v:z': null }), echo('${v:x}|${f:y}|${v:z}'))).trace, ['3|3|-1']);
    const a = vars(define(t('set', { 'v:x': ['a', 'b', 'c'] }), t('set', { 'v:y': ['d', 'e', 'f'] }), t('dec', { 'v:x': null }), t('dec', { 'v:y': null, position: 'head' })));
    assert.deepEqual([a.variables.x, a.variables.y, a.fields!.__result__], [['a', 'b'], ['e', 'f'], 'd']);
    const b = vars(define(t('set', { 'v:x': ['a', 'b', 'c'] }), t('dec', { 'v:x': null, val: 'b' })));
    assert.deepEqual([b.variables.x, b.fields!.__result__], [['a', 'c'], 'b']);
    const c = vars(define(t('set', { 'v:x': ['a', 'b', 'c'] }), t('dec', { 'v:x': null, val: 'b', to_v: 'd' })));
    assert.deepEqual([c.variables.x, c.variables.d], [['a', 'c'], 'b']);
  });

  test('dec in a repeat until the list is empty; bare inc is an error; a nested inc takes __result__', () => {
    const h = runFlow(define(t('set', { 'v:x': ['a', 'b', 'c', 'd'] }), t('repeat', {}, [
      t('dec', { 'v:x': null, pos: 'head' }), t('break', { unless: '${__result__}' }), echo('${__result__}'),
    ])));
    assert.deepEqual(h.trace, ['a', 'b', 'c', 'd']);
    assert.equal(runFlow(define(t('inc'), echo('done.'))).state.errors.length, 1);
    assert.deepEqual(runFlow(define(t('set', { var: 'x', value: 1 }), t('inc', { 'v:x': null }, [t('set', { __result__: 2 })]), echo('${v:x}'))).trace, ['3']);
  });

  test('push and pop', () => {
    assert.deepEqual(vars(define(t('push', { 'v:x': 1 }), t('push', { 'v:x': 2 }))).variables.x, [1, 2]);
    const s = vars(define(t('pop', { 'v:x': null }), t('push', { 'v:x': false }), t('push', { 'v:x': 1 }), t('push', { 'v:x': 2 }), t('pop', { 'v:x': null })));
    assert.deepEqual([s.variables.x, s.fields!.__result__], [[false, 1], 2]);
    const u = vars(define(t('set', { 'v:x': 12 }), t('push', { 'v:x': 4 }), t('pop', { 'v:x': null }), t('pop', { 'v:y': null })));
    assert.deepEqual([u.variables.x, u.variables.y], [[12], []]);
  });
});

describe('given (ruote eft_34 scenarios)', () => {
  const run = (tree: Parameters<typeof runFlow>[0], fields: Record<string, unknown> = {}) => runFlow(tree, { fields }).trace;

  test('given / that', () => {
    const pdef = define(t('given', {}, [
      t('that', { '${state} == ready': null }, [echo('a')]),
      t('that', { '${location} == nichoume': null }, [echo('b')]),
      echo('c'), echo('d'),
    ]));
    assert.deepEqual(run(pdef), ['c', 'd']);
    assert.deepEqual(run(pdef, { state: 'ready' }), ['a']);
    assert.deepEqual(run(pdef, { location: 'nichoume' }), ['b']);
    assert.deepEqual(run(pdef, { state: 'ready', location: 'nichoume' }), ['a']);
  });

  test('given x / of, mixed with that, attribute forms, regex matches', () => {
    const mixed = define(t('given', { t: '${status}' }, [
      t('that', { t: '${location} == higashiyama' }, [echo('a')]),
      t('of', { t: 'ready' }, [echo('b')]),
      t('of', { dead: null }, [echo('c')]),
      echo('d'),
    ]));
    assert.deepEqual(run(mixed), ['d']);
    assert.deepEqual(run(mixed, { status: 'ready' }), ['b']);
    assert.deepEqual(run(mixed, { status: 'dead', location: 'higashiyama' }), ['a']);
    assert.deepEqual(run(mixed, { status: 'dead' }), ['c']);
    const match = define(t('given', { '${status}': null }, [t('of', { '/^a/': null }, [echo('a')]), t('of', { '/^b/': null }, [echo('b')]), echo('z')]));
    assert.deepEqual(run(match), ['z']);
    assert.deepEqual(run(match, { status: 'alpha' }), ['a']);
    assert.deepEqual(run(match, { status: 'bravo' }), ['b']);
  });
});

describe('dollar notation in the interpreter (ruote ft_13 scenarios)', () => {
  test('${wfid}, ${expid}, ${tags}, ${tag}, ${full_tag}', () => {
    assert.deepEqual(runFlow(define(echo('at:${wfid}:${expid}'))).trace, ['at:20261128-0600-kogadeso-gekunute:0_0']);
    const h = runFlow(define(t('sequence', { tag: 'a' }, [t('sequence', { tag: 'b' }, [t('sequence', { tag: 'c' }, [
      echo('>${tags}<'), echo('>${tag}<'), echo('>${full_tag}<'),
    ])])])));
    assert.deepEqual(h.trace, ['>["a","b","c"]<', '>c<', '>a/b/c<']);
  });

  test('process root variables from a subprocess; a literal $v:x as echo text', () => {
    const h = runFlow(define(t('sequence', {}, [
      t('set', { 'v:va': 'a0' }), t('set', { 'v:/vb': 'b0' }), echo('${v:va}:${v:vb}:${v:/va}:${v:/vb}'),
      t('sub0'), echo('${v:va}:${v:vb}:${v:/va}:${v:/vb}'),
    ]), t('define', { sub0: null }, [t('set', { 'v:va': 'a1' }), t('set', { 'v:/vb': 'b1' }), echo('${v:va}:${v:vb}:${v:/va}:${v:/vb}')])));
    assert.deepEqual(h.trace, ['a0:b0:a0:b0', 'a1:b1:a0:b1', 'a0:b1:a0:b1']);
    assert.deepEqual(runFlow(define(echo('$v:vh.k'), echo('${v:vh.k}')), { variables: { vh: { k: 'v' } } }).trace, ['v', 'v']);
  });
});

describe('apply, save, restore', () => {
  test('apply runs a tree from an attribute, a field or the tree variable of a subprocess', () => {
    assert.deepEqual(runFlow(define(t('apply', { tree: ['echo', { 'a ${v:x}': null }, []], x: 'X' }))).trace, ['a X']);
    assert.deepEqual(runFlow(define(t('apply', { tree_field: 'todo' }), echo('b')), { fields: { todo: ['echo', { from_field: null }, []] } }).trace, ['from_field', 'b']);
    assert.deepEqual(runFlow(define(t('sub0', {}, [echo('inner')]), t('define', { sub0: null }, [echo('before'), t('apply')]))).trace, ['before', 'inner']);
    assert.deepEqual(runFlow(define(t('apply'), echo('nothing to apply'))).trace, ['nothing to apply']);
  });

  test('save the fields to a variable or a field, restore them later', () => {
    const h = runFlow(define(t('set', { 'f:a': 1 }), t('save', { to_v: 'saved' }), t('set', { 'f:a': 2 }), t('set', { 'f:b': 3 }),
      echo('${f:a}${f:b}'), t('restore', { from_v: 'saved' }), echo('${f:a}${f:b}')));
    assert.deepEqual(h.trace, ['23', '1']);
    const f = runFlow(define(t('set', { 'f:a': 1 }), t('save', { to_f: 'copy' }), t('set', { 'f:a': 2 }), t('restore', { from_f: 'copy', to_f: 'old' })));
    assert.deepEqual((f.state.fields!.old as Record<string, unknown>).a, 1);
    assert.equal(f.state.fields!.a, 2);
  });
});
