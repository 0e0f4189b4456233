import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readXml } from '../../../../src/core/process/readers/index.js';
import { readError } from './read-error.js';

describe('readXml', () => {
  test('reads the issue example', () => {
    assert.deepEqual(readXml('<process-definition name="x"><participant ref="alpha"/></process-definition>'), [
      'process_definition',
      { name: 'x' },
      [['participant', { ref: 'alpha' }, []]],
    ]);
  });

  test('underscores dashes in element names and attribute keys', () => {
    const tree = readXml(`
<process-definition name="nada">
  <concurrent-iterator on-field="toti" to-field="toto">
  </concurrent-iterator>
</process-definition>`);
    assert.deepEqual(tree, [
      'process_definition',
      { name: 'nada' },
      [['concurrent_iterator', { on_field: 'toti', to_field: 'toto' }, []]],
    ]);
  });

  test('keeps attribute values as strings, as Ruote does', () => {
    assert.deepEqual(readXml('<concurrence count="1" forget="true" ratio="1.5" empty=""/>'), [
      'concurrence',
      { count: '1', forget: 'true', ratio: '1.5', empty: '' },
      [],
    ]);
  });

  test('text content becomes a bare attribute, trimmed, one per text run', () => {
    assert.deepEqual(readXml('<define><echo>la vida loca</echo></define>'), [
      'define',
      {},
      [['echo', { 'la vida loca': null }, []]],
    ]);
    assert.deepEqual(readXml('<if>\n  ${f:x} == 1\n  <alpha/>\n  tail\n</if>'), [
      'if',
      { '${f:x} == 1': null, tail: null },
      [['alpha', {}, []]],
    ]);
    assert.deepEqual(readXml('<echo>   </echo>'), ['echo', {}, []]);
  });

  test('decodes predefined entities and character references, not undeclared ones', () => {
    assert.deepEqual(readXml('<if test="${f:a} &lt; 3 &amp;&amp; x &#x3D;&#61; &quot;y&apos;"><echo>a &gt; b &unknown;</echo></if>'), [
      'if',
      { test: '${f:a} < 3 && x == "y\'' },
      [['echo', { 'a > b &unknown;': null }, []]],
    ]);
  });

  test('reads CDATA as text; ignores comments, the declaration and processing instructions', () => {
    const tree = readXml('<?xml version="1.0" encoding="UTF-8"?>\n<!-- a definition -->\n<define><?pi x?><echo><![CDATA[ a < b ]]></echo><!-- <alpha/> --></define>');
    assert.deepEqual(tree, ['define', {}, [['echo', { 'a < b': null }, []]]]);
  });

  test('drops namespace prefixes', () => {
    assert.deepEqual(readXml('<r:define xmlns:r="urn:ruote"><r:sequence/></r:define>'), ['define', {}, [['sequence', {}, []]]]);
  });

  test('refuses a __proto__ attribute (fast-xml-parser guards against prototype pollution)', () => {
    assert.match(readError(() => readXml('<echo __proto__="x"/>')).message, /__proto__/);
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  test('reports an unclosed tag with its line and column', () => {
    const details = readError(() => readXml('<define>\n  <sequence>\n    <alpha/>\n</define>'));
    assert.match(details.message, /Expected closing tag 'sequence'/);
    assert.equal(details.line, 4);
    assert.equal(details.column, 1);
  });

  test('reports a tag left open at the end', () => {
    const details = readError(() => readXml('<define>\n  <alpha/>'));
    assert.match(details.message, /Unclosed tag 'define'/);
    assert.equal(details.line, 1);
    assert.equal(details.column, 1);
    // Several left open: named in order, at the end (the validator said "Invalid '[…]' found." at 1:1).
    const several = readError(() => readXml('<process-definition>\n  <participant ref="alpha">'));
    assert.equal(several.message, "Unclosed tags 'process-definition', 'participant' at the end of the definition.");
    assert.deepEqual([several.line, several.column], [2, 28]);
  });

  test('reports an attribute without a value and a repeated attribute', () => {
    const bare = readError(() => readXml('<define>\n  <alpha flag/>\n</define>'));
    assert.match(bare.message, /boolean attribute 'flag' is not allowed/);
    assert.equal(bare.line, 2);
    const twice = readError(() => readXml('<alpha a="1" a="2"/>'));
    assert.match(twice.message, /Attribute 'a' is repeated/);
    assert.equal(twice.line, 1);
  });

  test('reports a second root element where it starts', () => {
    const details = readError(() => readXml('<define/>\n  <sequence/>'));
    assert.match(details.message, /more than one root element/);
    assert.deepEqual([details.line, details.column], [2, 3]);
  });

  test('refuses a DOCTYPE, so no entity is ever expanded', () => {
    const details = readError(() => readXml('<?xml version="1.0"?>\n<!DOCTYPE define [<!ENTITY e "boom">]>\n<define>&e;</define>'));
    assert.match(details.message, /DOCTYPE/);
    assert.deepEqual([details.line, details.column], [2, 1]);
  });

  test('refuses a document over the size cap (default 1 MiB)', () => {
    const big = `<define>${'<noop/>'.repeat(180_000)}</define>`;
    assert.ok(big.length > 1024 * 1024);
    assert.match(readError(() => readXml(big)).message, /larger than 1048576 bytes/);
    assert.match(readError(() => readXml('<define>é</define>', { maxBytes: 18 })).message, /larger than 18 bytes/);
    assert.deepEqual(readXml('<define>é</define>', { maxBytes: 19 }), ['define', { é: null }, []]);
  });

  test('reads 500 nested elements and refuses 600', () => {
    const nested = (n: number): string => '<sequence>'.repeat(n) + '</sequence>'.repeat(n);
    let tree = readXml(nested(500));
    let depth = 1;
    while (tree[2].length > 0) {
      tree = tree[2][0];
      depth++;
    }
    assert.equal(depth, 500);
    assert.ok(readError(() => readXml(nested(600))).message.length > 0);
  });

  test('refuses text without an element', () => {
    assert.ok(readError(() => readXml('')).message.length > 0);
    assert.ok(readError(() => readXml('just text')).message.length > 0);
  });
});
