import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isWeftError } from '../../../../src/core/errors.js';
import { readDefinition, readJsonTree, readRadial, readXml, WorkflowInvalid, type Tree } from '../../../../src/core/process/readers/index.js';
import { readError } from './read-error.js';

const expected: Tree = [
  'define',
  { name: 'order' },
  [
    [
      'sequence',
      {},
      [
        ['participant', { alpha: null }, []],
        ['concurrent_iterator', { on: 'a, b', to_f: 'who' }, [['participant', { '${f:who}': null }, []]]],
        [
          'if',
          { '${f:approved} == true': null },
          [
            ['echo', { approved: null }, []],
            ['participant', { ref: 'bravo', timeout: '2d', on_error: 'cleanup' }, []],
          ],
        ],
        ['wait', { '2s': null }, []],
      ],
    ],
    ['define', { name: 'cleanup' }, [['echo', { 'cleaning up': null }, []]]],
  ],
];

const json = `
["define", {"name": "order"}, [
  ["sequence", {}, [
    ["participant", {"alpha": null}, []],
    ["concurrent-iterator", {"on": "a, b", "to_f": "who"}, [
      ["participant", {"\${f:who}": null}, []]]],
    ["if", {"\${f:approved} == true": null}, [
      ["echo", {"approved": null}, []],
      ["participant", {"ref": "bravo", "timeout": "2d", "on_error": "cleanup"}, []]]],
    ["wait", {"2s": null}, []]]],
  ["define", {"name": "cleanup"}, [["echo", {"cleaning up": null}, []]]]]]
`;

const xml = `<?xml version="1.0" encoding="UTF-8"?>
<define name="order">
  <sequence>
    <participant>alpha</participant>
    <concurrent-iterator on="a, b" to-f="who">
      <participant>\${f:who}</participant>
    </concurrent-iterator>
    <if>
      \${f:approved} == true
      <echo>approved</echo>
      <participant ref="bravo" timeout="2d" on-error="cleanup"/>
    </if>
    <wait>2s</wait>
  </sequence>
  <define name="cleanup">
    <echo>cleaning up</echo>
  </define>
</define>
`;

const radial = `
# an order: alpha, then each of a and b, then bravo if approved
define name: order
  sequence
    participant alpha
    concurrent-iterator on: "a, b", to-f: who
      participant "\${f:who}"
    if "\${f:approved} == true"
      echo approved
      participant ref: bravo, timeout: 2d, on-error: cleanup
    wait 2s
  define name: cleanup
    echo "cleaning up"
`;

describe('a full process in all three formats', () => {
  test('each reader gives the same tree', () => {
    assert.deepEqual(readJsonTree(json), expected);
    assert.deepEqual(readXml(xml), expected);
    assert.deepEqual(readRadial(radial), expected);
  });

  test('readDefinition detects each format', () => {
    assert.deepEqual(readDefinition(json), expected);
    assert.deepEqual(readDefinition(JSON.parse(json)), expected);
    assert.deepEqual(readDefinition(xml), expected);
    assert.deepEqual(readDefinition(radial), expected);
  });
});

describe('readDefinition', () => {
  test('the root is whatever the definition says, not wrapped', () => {
    assert.deepEqual(readDefinition('sequence\n  alpha'), ['sequence', {}, [['alpha', {}, []]]]);
    assert.deepEqual(readDefinition(['participant', { alpha: null }, []]), ['participant', { alpha: null }, []]);
    assert.deepEqual(readDefinition('<process-definition name="x"/>'), ['process_definition', { name: 'x' }, []]);
  });

  test('leading blanks and a byte order mark do not hide the format', () => {
    assert.deepEqual(readDefinition('\uFEFF  \n <define/>'), ['define', {}, []]);
    assert.deepEqual(readDefinition('\n  ["define", {}, []]'), ['define', {}, []]);
  });

  test('a string starting with [ that is not JSON is reported as JSON', () => {
    const details = readError(() => readDefinition('["define", {}, [}'));
    assert.match(details.message, /^invalid JSON/);
    assert.deepEqual([details.line, details.column], [1, 17]);
  });

  test('a JSON string that is not a tree is rejected with the shape error', () => {
    assert.match(readError(() => readDefinition('["define", {}]')).message, /expression 0: expected an array/);
    assert.match(readError(() => readDefinition(' {"name": "x"}')).message, /expression 0: expected an array .*got an object/);
  });

  test('each format reports its own errors with line and column', () => {
    const x = readError(() => readDefinition('<define>\n  <sequence>\n</define>'));
    assert.match(x.message, /Expected closing tag 'sequence'/);
    assert.equal(x.line, 3);
    const r = readError(() => readDefinition('define\n  alpha a: [1'));
    assert.match(r.message, /never closed/);
    assert.deepEqual([r.line, r.column], [2, 12]);
  });

  test('passes the XML size cap on', () => {
    assert.match(readError(() => readDefinition('<define/>', { maxBytes: 4 })).message, /larger than 4 bytes/);
  });

  test('refuses what is neither a string nor an array', () => {
    for (const input of [{ name: 'x' }, 42, null, undefined, true]) {
      assert.match(readError(() => readDefinition(input)).message, /a definition is a string .* or a JSON array/);
    }
  });

  test('an empty definition is invalid', () => {
    assert.match(readError(() => readDefinition('')).message, /no expression found/);
  });

  test('the error is the coded WorkflowInvalid error', () => {
    try {
      readDefinition('define\n\talpha');
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(isWeftError(e));
      assert.equal(e.code, WorkflowInvalid.code);
      assert.equal(WorkflowInvalid.status, 400);
      assert.deepEqual(e.details, { message: 'tab in indentation: indent with spaces', line: 2, column: 1 });
    }
  });
});
