import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchProcess, packState, stepProcess, unpackState, type ProcessState, type Tree } from '../../../../src/core/process/interpreter/index.js';
import { sameJson } from '../../../../src/core/process/interpreter/state-packing.js';
import { Harness, define, p, t } from './harness.js';

// The stored form of a process state (every interpreter test also round-trips each step's state
// through it: see harness.ts). Here: what it leaves out, and that rows written before it still read.

const SEQUENCE: Tree = ['define', { name: 'bench-sequence' }, [['sequence', {}, [['participant', { ref: 'alpha' }, []], ['participant', { ref: 'bravo' }, []], ['participant', { ref: 'charlie' }, []]]]]];
let seed = 1;
const ctx = { now: Date.UTC(2026, 10, 28, 6), random: (n: number) => (seed = (seed * 48271) % 2147483647) % n };
const plain = (s: ProcessState) => JSON.parse(JSON.stringify(s)) as ProcessState;
const roundTrip = (s: ProcessState) => unpackState(JSON.parse(JSON.stringify(packState(s))));

describe('packed process states', () => {
  test('a three-participant sequence: the tree is stored once, and the state reads back the same', () => {
    const { state } = launchProcess('20261128-0600-kogadeso-gekunute', { type: 'launch', tree: SEQUENCE, fields: {}, variables: {}, callback: 'http://127.0.0.1:9/cb' }, ctx);
    const packed = JSON.stringify(packState(state));
    assert.ok(packed.length < JSON.stringify(state).length * 0.6, `${packed.length} against ${JSON.stringify(state).length}`);
    assert.equal(packed.split('"participant",{"ref":"bravo"}').length - 1, 1, 'the tree appears once');
    assert.deepStrictEqual(roundTrip(state), plain(state));
    // The state given is not changed, and its process variables are its root's again.
    const text = JSON.stringify(state);
    packState(state);
    assert.equal(JSON.stringify(state), text);
    const back = roundTrip(state);
    assert.equal(back.variables, back.expressions[back.root!].variables);
  });

  test('each step of a sequence packs and reads back; an ended process too', () => {
    let state = launchProcess('20261128-0600-kogadeso-gekunute', { type: 'launch', tree: SEQUENCE, fields: { a: 1 }, variables: { v: [1] }, callback: 'http://127.0.0.1:9/cb' }, ctx).state;
    for (let i = 0; i < 3; i++) {
      state = roundTrip(state);
      const workitemId = Object.keys(state.workitems)[0];
      const r = stepProcess(state, { type: 'proceed', workitemId, fields: { [`f${i}`]: i } }, ctx, { inPlace: true });
      assert.ok(!('error' in r));
      assert.deepStrictEqual(roundTrip(r.state), plain(r.state));
      state = r.state;
    }
    assert.equal(state.status, 'completed');
    assert.deepEqual(roundTrip(state).variables, state.variables);
  });

  test('a tree that differs from its place in the definition is kept (attribute order counts)', () => {
    const h = new Harness(define(t('sequence', {}, [p('alpha', { b: 1, a: 2 })]))).launch();
    const s = plain(h.state);
    const leaf = Object.values(s.expressions).find((e) => e.name === 'participant')!;
    leaf.tree = ['participant', { a: 2, b: 1, ref: 'alpha' }, []];
    const packed = packState(s) as { expressions: Record<string, { tree?: Tree }> };
    assert.deepEqual(packed.expressions[leaf.fei].tree, leaf.tree);
    assert.deepStrictEqual(Object.keys(roundTrip(s).expressions[leaf.fei].tree[1]), ['a', 'b', 'ref']);
  });

  test('a subprocess defined in the process: its variable keeps only the expid', () => {
    const sub: Tree = ['define', { name: 'sub0' }, [p('bravo')]];
    const h = new Harness(define(sub, t('subprocess', { ref: 'sub0' }))).launch();
    const text = JSON.stringify(packState(h.state));
    assert.equal(text.split('["participant",{"ref":"bravo"},[]]').length - 1, 1, text);
    assert.deepStrictEqual(roundTrip(h.state), plain(h.state));
  });

  test('a state stored before the packed format is read as it is', () => {
    const { state } = launchProcess('20261128-0600-kogadeso-gekunute', { type: 'launch', tree: SEQUENCE, fields: {}, variables: {} }, ctx);
    const old = plain(state);
    assert.equal(unpackState(old), old);
    assert.deepStrictEqual(unpackState(JSON.parse(JSON.stringify(state))), plain(state));
  });

  test('an unknown format is an error, not a guess', () => {
    assert.throws(() => unpackState({ packed: 2, wfid: 'x' }), /unknown process state format 2/);
  });

  test('sameJson: equal only when the JSON texts are (unsure is unequal: a tree more is kept)', () => {
    const same: Array<[unknown, unknown]> = [
      [{ a: 1, b: [1, { c: null }] }, { a: 1, b: [1, { c: null }] }],
      [{ a: undefined }, { a: undefined }],
      [['x', {}, []], ['x', {}, []]],
    ];
    const different: Array<[unknown, unknown]> = [
      [{ a: 1, b: 2 }, { b: 2, a: 1 }],
      [[1, 2], [1, 2, 3]],
      [[1], { 0: 1 }],
      ['1', 1],
      [null, {}],
      [{ a: 1 }, { a: 1, b: 2 }],
    ];
    const unsure: Array<[unknown, unknown]> = [
      [{ a: undefined, b: 1 }, { b: 1 }],
      [NaN, NaN],
    ];
    for (const [a, b] of same) assert.equal(sameJson(a, b), true, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    for (const [a, b] of [...different, ...unsure]) assert.equal(sameJson(a, b), false, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  });
});
