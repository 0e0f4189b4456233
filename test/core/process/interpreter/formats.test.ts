// A subset of the scenarios, written in each definition format and read by the readers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readDefinition } from '../../../../src/core/process/readers/index.js';
import { Harness, runFlow } from './harness.js';

const RADIAL = `define
  sequence
    echo "start \${f:who}"
    concurrence merge_type: mix
      participant alpha
      bravo
    if "\${f:ok} == yes"
      echo yes
      echo no
    cursor
      participant charly, timeout: 2s
      echo after
    concurrent-iterator on_val: "x, y", to_var: v
      echo "it \${v:v}"
    sub0
  define sub0
    echo "in sub0"
`;

const XML = `<?xml version="1.0"?>
<process-definition name="formats">
  <sequence>
    <echo>start \${f:who}</echo>
    <concurrence merge-type="mix">
      <participant ref="alpha"/>
      <bravo/>
    </concurrence>
    <if test="\${f:ok} == yes">
      <echo>yes</echo>
      <echo>no</echo>
    </if>
    <cursor>
      <participant ref="charly" timeout="2s"/>
      <echo>after</echo>
    </cursor>
    <concurrent-iterator on-val="x, y" to-var="v">
      <echo>it \${v:v}</echo>
    </concurrent-iterator>
    <sub0/>
  </sequence>
  <process-definition name="sub0">
    <echo>in sub0</echo>
  </process-definition>
</process-definition>`;

const JSON_TREE = JSON.stringify(['define', {}, [
  ['sequence', {}, [
    ['echo', { 'start ${f:who}': null }, []],
    ['concurrence', { merge_type: 'mix' }, [['participant', { ref: 'alpha' }, []], ['bravo', {}, []]]],
    ['if', { test: '${f:ok} == yes' }, [['echo', { yes: null }, []], ['echo', { no: null }, []]]],
    ['cursor', {}, [['participant', { ref: 'charly', timeout: '2s' }, []], ['echo', { after: null }, []]]],
    ['concurrent_iterator', { on_val: 'x, y', to_var: 'v' }, [['echo', { 'it ${v:v}': null }, []]]],
    ['sub0', {}, []],
  ]],
  ['define', { name: 'sub0' }, [['echo', { 'in sub0': null }, []]]],
]]);

describe('the same definition in JSON, XML and Radial', () => {
  for (const [format, source] of [['json', JSON_TREE], ['xml', XML], ['radial', RADIAL]] as const) {
    test(`${format}: trace and participant order`, () => {
      const tree = readDefinition(source) as never;
      const h = new Harness(tree, { fields: { who: 'ann' } }).launch();
      assert.deepEqual(h.reached, ['alpha', 'bravo']);
      h.proceed('bravo', { ok: 'yes' });
      h.proceed('alpha');
      assert.deepEqual(h.reached, ['alpha', 'bravo', 'charly']);
      h.advance(2000);
      assert.deepEqual(h.trace, ['start ann', 'yes', 'after', 'it x', 'it y', 'in sub0']);
      assert.equal(h.status, 'completed');
      assert.ok(h.state.fields!.__timed_out__);
    });
  }

  test('radial: on_error and a subprocess handler', () => {
    const h = runFlow(readDefinition(`define
  sequence on_error: oops
    nemo
  define oops
    echo "caught \${f:__error__.message}"
`) as never, { callbacks: {} });
    assert.match(h.trace[0], /^caught unknown participant or subprocess 'nemo': no callback URL for participant "nemo"$/);
    assert.equal(h.status, 'completed');
  });
});
