import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createXmlReader, renderXml } from '../../../src/engine/endpoint/index.js';

const read = createXmlReader();
const DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

describe('reading XML like xml2js (trim, explicitRoot false, explicitArray false)', () => {
  test('root content, attributes, text, repeats, empty elements, strings only', () => {
    assert.deepEqual(read('<r a="1"><n> x </n><n>2</n><e/><t k="v">txt</t><deep><v>3</v></deep></r>'), {
      $: { a: '1' },
      n: ['x', '2'],
      e: '',
      t: { _: 'txt', $: { k: 'v' } },
      deep: { v: '3' },
    });
    assert.equal(read('<only>text</only>'), 'text');
  });
  test('predefined entities and character references are decoded; DOCTYPE entities are not expanded', () => {
    assert.deepEqual(read('<r><a>&lt;b&gt; &amp; &quot;c&quot; &#65;&#x42;</a><b q="&amp;"/></r>'), { a: '<b> & "c" AB', b: { $: { q: '&' } } });
    const bomb = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "EXPANDED">]><r><a>&e;</a></r>';
    assert.deepEqual(read(bomb), { a: '&e;' });
  });
  test('CDATA text is trimmed as other text is (xml2js trim)', () => {
    assert.deepEqual(read('<r><a><![CDATA[ cd ]]></a><d a="1"><![CDATA[ q ]]></d></r>'), { a: 'cd', d: { _: 'q', $: { a: '1' } } });
  });
  test('malformed XML is an error', () => {
    assert.throws(() => read('<a><b></a>'));
    assert.throws(() => read('not xml at all'));
  });
});

describe('rendering XML like the xml2js Builder', () => {
  test('a single top-level key names the root', () => {
    assert.equal(renderXml({ patient: { name: 'n', tags: ['a', 'b'] } }), `${DECL}\n<patient>\n  <name>n</name>\n  <tags>a</tags>\n  <tags>b</tags>\n</patient>`);
  });
  test('several keys go under <root>; attributes, text, nulls and escaping', () => {
    assert.equal(
      renderXml({ a: { $: { id: '1&2' }, _: 'x < y' }, b: null, c: 3, d: { e: [{ f: true }, { f: false }] } }),
      `${DECL}\n<root>\n  <a id="1&amp;2">x &lt; y</a>\n  <b/>\n  <c>3</c>\n  <d>\n    <e>\n      <f>true</f>\n    </e>\n    <e>\n      <f>false</f>\n    </e>\n  </d>\n</root>`,
    );
  });
  test('an empty object is an empty <root/>', () => {
    assert.equal(renderXml({}), `${DECL}\n<root/>`);
  });
  test('names XML cannot carry are refused (element and attribute), as the builder does', () => {
    for (const v of [{ '1abc': 1 }, { 'a b': 1 }, { '': 1 }, { $: { x: 1 } }, { r: { $: { 'x y': 1 } } }]) assert.throws(() => renderXml(v), /Invalid character in name/, JSON.stringify(v));
    assert.equal(renderXml({ 'é-x.y:z': 1 }), `${DECL}\n<é-x.y:z>1</é-x.y:z>`);
  });
  test('an error body', () => {
    assert.equal(renderXml({ error: 'Boom' }), `${DECL}\n<error>Boom</error>`);
  });
  test('round trip', () => {
    const doc = { person: { $: { id: '7' }, name: 'Jane', phone: ['1', '2'] } };
    assert.deepEqual(read(renderXml(doc)), doc.person);
  });
});
