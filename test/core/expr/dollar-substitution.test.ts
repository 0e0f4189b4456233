import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { objectResolver, resolvePath, substitute, substituteValue, type Resolve } from '../../../src/core/expr/index.js';

const fields: Record<string, unknown> = {
  name: 'Fred',
  count: 3,
  ok: true,
  nothing: null,
  list: ['a', 'b'],
  deep: { a: { b: [10, 20, { c: 'x' }] } },
  left: 'na',
  right: 'me',
  sentence: 'hello world',
};
const variables: Record<string, unknown> = { name: 'var-Fred', which: 'count' };
// A Ruote-like resolver: `f:` fields (the default), `v:` variables, plus wfid/expid.
const ruote: Resolve = (ref) => {
  if (ref === 'wfid') return '20260101-abc';
  if (ref === 'expid') return '0_1';
  if (ref.startsWith('v:')) return resolvePath(variables, ref.slice(2));
  return resolvePath(fields, ref.startsWith('f:') ? ref.slice(2) : ref);
};

describe('substitute', () => {
  const cases: [string, string][] = [
    ['no dollar', 'no dollar'],
    ['le petit {renard}', 'le petit {renard}'],
    ['${name}', 'Fred'],
    ['${f:name}', 'Fred'],
    ['${v:name}', 'var-Fred'],
    ['hello ${f:name}!', 'hello Fred!'],
    ['${f:count} items', '3 items'],
    ['${f:ok}', 'true'],
    ['[${f:nothing}]', '[]'],
    ['[${f:unknown}]', '[]'],
    ['${f:deep.a.b.1}', '20'],
    ['${f:deep.a.b.2.c}', 'x'],
    ['${f:deep.a.b.9}', ''],
    ['${f:list}', '["a","b"]'],
    ['${f:deep.a}', '{"b":[10,20,{"c":"x"}]}'],
    ['${${left}${right}}', 'Fred'],
    ['${v:${v:which}}', ''],
    ['${f:${v:which}}', '3'],
    ['${wfid}/${expid}', '20260101-abc/0_1'],
    ["${'f:sentence}", '"hello world"'],
    ['${"f:sentence}', '"hello world"'],
    ['unclosed ${f:name', 'unclosed ${f:name'],
    ['${f:name}${f:count}', 'Fred3'],
    ['[${}]', '[]'],
  ];
  for (const [text, expected] of cases) {
    test(`${JSON.stringify(text)} → ${JSON.stringify(expected)}`, () => assert.equal(substitute(text, ruote), expected));
  }

  test('substituted values are not substituted again', () => {
    assert.equal(substitute('${f:x}', (ref) => (ref === 'f:x' ? '${f:y}' : 'SECRET')), '${f:y}');
  });
});

describe('substituteValue', () => {
  test('a lone $f:x / $field:x / $x returns the raw field value', () => {
    assert.deepEqual(substituteValue('$f:list', ruote), ['a', 'b']);
    assert.deepEqual(substituteValue('$field:deep', ruote), fields.deep);
    assert.equal(substituteValue('$fld:count', ruote), 3);
    assert.equal(substituteValue('$count', ruote), 3);
    assert.equal(substituteValue('$f:ok', ruote), true);
  });
  test('a lone $v:x / $var:x / $variable:x returns the raw variable value', () => {
    assert.equal(substituteValue('$v:name', ruote), 'var-Fred');
    assert.equal(substituteValue('$var:which', ruote), 'count');
    assert.equal(substituteValue('$variable:name', ruote), 'var-Fred');
  });
  test('dollar substitution runs first, then the literal check', () => {
    assert.equal(substituteValue('$f:${v:which}', ruote), 3);
  });
  test('anything else is text', () => {
    assert.equal(substituteValue('${f:count}', ruote), '3');
    assert.equal(substituteValue('$f:count items', ruote), '$f:count items');
    assert.equal(substituteValue('$100', ruote), '$100');
    assert.equal(substituteValue('plain', ruote), 'plain');
  });
});

describe('resolvePath / objectResolver', () => {
  test('walks objects and arrays', () => {
    assert.equal(resolvePath({ a: { b: [1, { c: 2 }] } }, 'a.b.1.c'), 2);
    assert.deepEqual(resolvePath({ a: 1 }, ''), { a: 1 });
    assert.equal(resolvePath({ a: [1] }, 'a.x'), undefined);
    assert.equal(resolvePath({ a: [1] }, 'a.01'), undefined);
    assert.equal(resolvePath({ a: 'str' }, 'a.length'), undefined);
    assert.equal(resolvePath(null, 'a'), undefined);
  });
  test('never reaches inherited properties', () => {
    assert.equal(resolvePath({}, 'constructor'), undefined);
    assert.equal(resolvePath({ a: {} }, 'a.__proto__'), undefined);
  });
  test('objectResolver looks up dot paths in the scope', () => {
    const resolve = objectResolver({ subject: { plan: 'pro' }, data: { x: [5] }, input: {} });
    assert.equal(substitute('${subject.plan}/${data.x.0}/${input.y}', resolve), 'pro/5/');
  });
});
