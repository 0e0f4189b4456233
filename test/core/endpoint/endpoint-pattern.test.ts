import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { duplicatePatternMessage, matchPattern, patternsOverlap, pickEndpoint } from '../../../src/core/endpoint/index.js';

describe('patternsOverlap', () => {
  test('parameters in the same places overlap whatever their names', () => {
    assert.equal(patternsOverlap('/a/:id/b/:code', '/a/:name/b/:code'), true);
    assert.equal(patternsOverlap('/a/b', '/a/b'), true);
  });
  test('a trailing slash makes no other pattern: it duplicates and serves what the one without does', () => {
    assert.equal(patternsOverlap('/dup/:id/', '/dup/:id'), true);
    assert.equal(patternsOverlap('/dup/x/', '/dup/x'), true);
    assert.deepEqual(matchPattern('/dup/:id/', '/dup/7'), { id: '7' });
    assert.deepEqual(matchPattern('/', '/'), {});
  });
  test('a literal against a parameter is no duplicate (the exact pattern wins when serving)', () => {
    assert.equal(patternsOverlap('/a/:id', '/a/list'), false);
    assert.equal(patternsOverlap('/a/list', '/a/:id'), false);
  });
  test('different literals or lengths do not overlap', () => {
    assert.equal(patternsOverlap('/a/:id/b', '/a/:id/c'), false);
    assert.equal(patternsOverlap('/a/:id', '/a/:id/b'), false);
    assert.equal(patternsOverlap('/a', '/b'), false);
  });
  test('duplicate message', () => {
    assert.equal(duplicatePatternMessage('/test'), 'Duplicate error: regex created from endpoint pattern /test for matching requests already exists');
  });
});

describe('matchPattern', () => {
  test('extracts and decodes parameters', () => {
    assert.deepEqual(matchPattern('/a/:id/b/:code', '/a/12/b/x%20y'), { id: '12', code: 'x y' });
    assert.deepEqual(matchPattern('/a/b', '/a/b'), {});
  });
  test('no match', () => {
    assert.equal(matchPattern('/a/:id', '/a'), null);
    assert.equal(matchPattern('/a/:id', '/a/1/2'), null);
    assert.equal(matchPattern('/a/:id', '/b/1'), null);
    assert.equal(matchPattern('/a/:id', '/a/'), null, 'a parameter is never empty');
    assert.equal(matchPattern('/a/:id', '/a/x;y'), null);
    assert.equal(matchPattern('/a/b', '/x/a/b'), null, 'anchored at the start');
  });
});

describe('pickEndpoint', () => {
  const e = (pattern: string, method = 'POST', name = pattern) => ({ name, endpoint: { pattern, method } });
  test('an exact pattern wins over a parametric one, whatever the order', () => {
    const list = [e('/p/:id', 'GET', 'param'), e('/p/list', 'GET', 'exact')];
    assert.equal(pickEndpoint(list, 'GET', '/p/list')?.definition.name, 'exact');
    assert.deepEqual(pickEndpoint(list, 'get', '/p/7'), { definition: list[0], urlParams: { id: '7' } });
  });
  test('the method must match', () => {
    const list = [e('/p', 'POST')];
    assert.equal(pickEndpoint(list, 'GET', '/p'), null);
    assert.equal(pickEndpoint(list, 'POST', '/p')?.definition, list[0]);
  });
  test('more literal segments win among parametric matches', () => {
    const list = [e('/a/:x/:y', 'GET', 'two'), e('/a/:x/c', 'GET', 'one')];
    assert.equal(pickEndpoint(list, 'GET', '/a/b/c')?.definition.name, 'one');
    assert.equal(pickEndpoint(list, 'GET', '/a/b/d')?.definition.name, 'two');
    assert.equal(pickEndpoint(list, 'GET', '/nothing'), null);
  });
});
