import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  extractState,
  isAllowedStatus,
  latestPassingState,
  stateRecordPasses,
  statusMatchesFilter,
} from '../../../src/core/endpoint/index.js';

describe('statusMatchesFilter', () => {
  test('no filter or * passes everything', () => {
    assert.equal(statusMatchesFilter(500, []), true);
    assert.equal(statusMatchesFilter(undefined, []), true);
    assert.equal(statusMatchesFilter(404, ['201', '*']), true);
  });
  test('exact statuses and ranges', () => {
    assert.equal(statusMatchesFilter(201, ['201']), true);
    assert.equal(statusMatchesFilter(200, ['201']), false);
    assert.equal(statusMatchesFilter(204, ['2xx']), true);
    assert.equal(statusMatchesFilter(299, ['2xx']), true);
    assert.equal(statusMatchesFilter(300, ['2xx']), false);
    assert.equal(statusMatchesFilter(404, ['2xx', '4xx']), true);
    assert.equal(statusMatchesFilter(503, ['2xx', 404]), false);
  });
  test('a record without a status fails any real filter', () => {
    assert.equal(statusMatchesFilter(undefined, ['2xx']), false);
  });
});

describe('isAllowedStatus', () => {
  test('default 2xx', () => {
    assert.equal(isAllowedStatus(200, undefined), true);
    assert.equal(isAllowedStatus(299, []), true);
    assert.equal(isAllowedStatus(404, undefined), false);
    assert.equal(isAllowedStatus(302, undefined), false);
  });
  test('listed statuses and ranges only', () => {
    assert.equal(isAllowedStatus(404, ['2xx', 404]), true);
    assert.equal(isAllowedStatus(404, ['2xx', '404']), true);
    assert.equal(isAllowedStatus(201, ['2xx', 404]), true);
    assert.equal(isAllowedStatus(500, ['2xx', 404]), false);
    assert.equal(isAllowedStatus(200, ['4xx']), false);
  });
});

describe('stateRecordPasses', () => {
  const ok = { lookupHttpStatus: 200, lookupNetworkError: false };
  const net = { lookupNetworkError: true };
  const bad = { lookupHttpStatus: 500, lookupNetworkError: false };
  test('networkErrors', () => {
    assert.equal(stateRecordPasses(net, { networkErrors: 'no-filter', includeStatuses: [] }), true);
    assert.equal(stateRecordPasses(net, { networkErrors: 'exclude', includeStatuses: [] }), false);
    assert.equal(stateRecordPasses(ok, { networkErrors: 'exclude', includeStatuses: [] }), true);
    assert.equal(stateRecordPasses(net, { networkErrors: 'include', includeStatuses: [] }), true);
    assert.equal(stateRecordPasses(ok, { networkErrors: 'include', includeStatuses: [] }), false);
    assert.equal(stateRecordPasses(net, undefined), true);
  });
  test('includeStatuses', () => {
    assert.equal(stateRecordPasses(bad, { networkErrors: 'no-filter', includeStatuses: ['2xx'] }), false);
    assert.equal(stateRecordPasses(ok, { networkErrors: 'no-filter', includeStatuses: ['2xx'] }), true);
    assert.equal(stateRecordPasses(bad, { networkErrors: 'exclude', includeStatuses: ['5xx'] }), true);
  });
  test('latestPassingState takes the newest passing record', () => {
    const records = [{ ...ok, n: 1 }, { ...bad, n: 2 }, { ...net, n: 3 }];
    assert.equal(latestPassingState(records, { networkErrors: 'exclude', includeStatuses: ['2xx'] })?.n, 1);
    assert.equal(latestPassingState(records, { networkErrors: 'no-filter', includeStatuses: [] })?.n, 3);
    assert.equal(latestPassingState(records, { networkErrors: 'exclude', includeStatuses: ['4xx'] }), null);
  });
});

describe('extractState', () => {
  const points = {
    requestBody: { organisation: [{ facilityId: 'f1' }], submittedBy: 'u1' },
    responseBody: { totals: { count: 227 } },
    query: { page: '10' },
    lookupRequests: { lookup1: { data: { count: 20 }, headers: { 'x-total': '9' } } },
  };
  test('each of the four kinds', () => {
    const out = extractState(
      {
        requestBody: { org: 'organisation[0].facilityId', by: 'submittedBy', none: 'nothing.here' },
        responseBody: { totalProcessed: 'totals.count' },
        query: { pageNumber: 'page' },
        lookupRequests: { lookup1: { total: 'data.count', header: 'headers.x-total' }, absent: { v: 'data.v' } },
      },
      points,
    );
    assert.deepEqual(out, {
      requestBody: { org: 'f1', by: 'u1', none: undefined },
      responseBody: { totalProcessed: 227 },
      query: { pageNumber: '10' },
      lookupRequests: { lookup1: { total: 20, header: '9' }, absent: { v: null } },
    });
  });
  test('empty or missing specs extract nothing', () => {
    assert.deepEqual(extractState(undefined, points), {});
    assert.deepEqual(extractState({ requestBody: {}, lookupRequests: {} }, points), {});
  });
});
