import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendQuery,
  resolveParamPath,
  resolveQueryParams,
  resolveRequestUrl,
  valueAtPath,
} from '../../../src/core/endpoint/index.js';

const sources = {
  payload: { patient: { id: 'p1', ids: ['a', 'b'] }, zero: 0 },
  query: { page: '3' },
  state: { system: { timestamps: { lookupRequests: { l1: { requestStart: '2020-01-01T00:00:00.000Z' } } } } },
  lookupRequests: { l1: { data: { n: 5 } } },
  urlParams: { id: '42' },
  constants: { base: 'X' },
  timestamps: { endpointStart: 'T0' },
  transforms: { t: 'tv' },
  item: { code: 'c1' },
};

describe('parameter paths', () => {
  test('each source', () => {
    assert.equal(resolveParamPath('payload.patient.id', sources), 'p1');
    assert.equal(resolveParamPath('payload.patient.ids[1]', sources), 'b');
    assert.equal(resolveParamPath('payload.zero', sources), 0);
    assert.equal(resolveParamPath('query.page', sources), '3');
    assert.equal(resolveParamPath('state.system.timestamps.lookupRequests.l1.requestStart', sources), '2020-01-01T00:00:00.000Z');
    assert.equal(resolveParamPath('lookupRequests.l1.data.n', sources), 5);
    assert.equal(resolveParamPath('urlParams.id', sources), '42');
    assert.equal(resolveParamPath('constants.base', sources), 'X');
    assert.equal(resolveParamPath('timestamps.endpointStart', sources), 'T0');
    assert.equal(resolveParamPath('transforms.t', sources), 'tv');
    assert.equal(resolveParamPath('item.code', sources), 'c1');
  });
  test('missing values and sources', () => {
    assert.equal(resolveParamPath('payload.nope.deeper', sources), undefined);
    assert.equal(resolveParamPath('state.x', { ...sources, state: null }), null);
    assert.equal(valueAtPath(undefined, 'a'), null);
    assert.throws(() => resolveParamPath('body.x', sources), /Unsupported Query Parameter Extract Type: body/);
  });
  test('query parameters get prefix and postfix; missing ones are left out', () => {
    const config = {
      url: 'http://h/x',
      params: {
        query: {
          _since: { path: 'state.system.timestamps.lookupRequests.l1.requestStart' },
          code: { path: 'payload.patient.id', prefix: 'urn:', postfix: '!' },
          gone: { path: 'payload.missing' },
          n: { path: 'payload.zero', prefix: null, postfix: null },
        },
      },
    };
    assert.deepEqual(resolveQueryParams(config, sources), { _since: '2020-01-01T00:00:00.000Z', code: 'urn:p1!', n: '0' });
  });
  test('url placeholders are filled in', () => {
    const config = {
      url: 'http://h:8080/patients/:id/obs/:code/:idx',
      params: { url: { id: { path: 'urlParams.id' }, code: { path: 'item.code', prefix: 'c-' }, missing: { path: 'payload.none' } } },
    };
    assert.equal(resolveRequestUrl(config, sources), 'http://h:8080/patients/42/obs/c-c1/:idx');
  });
  test('appendQuery keeps an existing query and encodes like axios', () => {
    assert.equal(appendQuery('http://h/x', {}), 'http://h/x');
    assert.equal(appendQuery('http://h/x?a=1', { b: '2' }), 'http://h/x?a=1&b=2');
    assert.equal(appendQuery('http://h/x', { since: '2020-01-01T00:00:00Z', q: 'a b&c' }), 'http://h/x?since=2020-01-01T00:00:00Z&q=a+b%26c');
    // A lone surrogate (from a caller's body) is U+FFFD, as URLSearchParams writes it; encodeURIComponent threw.
    assert.equal(appendQuery('http://h/x', { v: 'a\ud800b' }), 'http://h/x?v=a%EF%BF%BDb');
  });
});
