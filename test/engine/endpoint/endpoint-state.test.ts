import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEndpointPipeline, createHttpClient } from '../../../src/engine/endpoint/index.js';
import { closedPortUrl, define, json, memoryState, request, startStub, type Stub } from './endpoint-fixtures.js';

const http = createHttpClient();
let upstream: Stub;
let dead: string;

before(async () => {
  upstream = await startStub((req, res) => {
    if (req.path.startsWith('/status/')) return json(res, Number(req.path.split('/')[2]), { status: req.path.split('/')[2] });
    json(res, 200, { count: 20, since: req.query.get('_since'), page: req.query.get('page'), metrics: { n: 7 } });
  });
  dead = await closedPortUrl();
});
after(async () => {
  await upstream.close();
  await http.close();
});

// A clock that reads 2026-01-01T00:00:00.000Z plus 10 ms per reading.
function clock() {
  let t = Date.parse('2026-01-01T00:00:00.000Z');
  return { now: () => (t += 10) };
}

describe('state records', () => {
  test('system timestamps, status and network flag, and each of the four extract kinds', async () => {
    const pipeline = createEndpointPipeline({ http, clock: clock() });
    const def = define({
      requests: {
        lookup: [
          { id: 'lookup1', config: { url: `${upstream.url}/poll` } },
          { id: 'lookup2', allowedStatuses: ['2xx', '4xx'], config: { url: `${upstream.url}/status/404` } },
        ],
      },
      // The second key reads the state (there is none yet), so that the state's config is asked for.
      inputMapping: { 'requestBody.total': 'totals.count', 'state.requestBody.org': 'previous.org' },
      state: {
        extract: {
          requestBody: { org: 'organisation[0].facilityId' },
          responseBody: { totalProcessed: 'totals.count' },
          query: { pageNumber: 'page' },
          lookupRequests: { lookup1: { count: 'data.count' }, lookup2: { status: 'data.status' } },
        },
      },
    });
    const state = memoryState();
    const reply = await pipeline.serve(def, request({ query: { page: '10' }, json: { organisation: [{ facilityId: 'f1' }], total: 227 } }), state.access);
    assert.equal(reply.status, 200, String(reply.body));
    assert.equal(state.records.length, 1);
    const record = state.records[0];
    assert.equal(record.lookupHttpStatus, 404, 'the highest lookup status');
    assert.equal(record.lookupNetworkError, false);
    assert.deepEqual(record.requestBody, { org: 'f1' });
    assert.deepEqual(record.responseBody, { totalProcessed: 227 });
    assert.deepEqual(record.query, { pageNumber: '10' });
    assert.deepEqual(record.lookupRequests, { lookup1: { count: 20 }, lookup2: { status: '404' } });
    const ts = record.system.timestamps;
    assert.equal(ts.endpointStart, '2026-01-01T00:00:00.010Z');
    assert.match(ts.endpointEnd, /^2026-01-01T00:00:00\.\d{3}Z$/);
    assert.equal(ts.endpointDuration.milliseconds, Date.parse(ts.endpointEnd) - Date.parse(ts.endpointStart));
    for (const id of ['lookup1', 'lookup2']) {
      const l = ts.lookupRequests[id];
      assert.match(l.requestStart, /^2026-01-01T/);
      assert.equal(l.requestDuration!.milliseconds, Date.parse(l.requestEnd!) - Date.parse(l.requestStart));
    }
    assert.deepEqual(state.configs, [{ networkErrors: 'no-filter', includeStatuses: [] }], 'loadState gets the endpoint state config');
  });

  test('the last lookup start is the next request\'s _since', async () => {
    const pipeline = createEndpointPipeline({ http, clock: clock() });
    const def = define({
      requests: {
        lookup: [
          {
            id: 'lookup1',
            config: {
              url: `${upstream.url}/poll`,
              params: {
                query: {
                  _since: { path: 'state.system.timestamps.lookupRequests.lookup1.requestStart' },
                  page: { path: 'state.query.pageNumber' },
                },
              },
            },
          },
        ],
      },
      state: { extract: { query: { pageNumber: 'page' } } },
    });
    const state = memoryState();
    const first = upstream.requests.length;
    await pipeline.serve(def, request({ query: { page: '1' }, json: {} }), state.access);
    assert.equal(upstream.requests[first].query.get('_since'), null, 'no state yet: the parameter is left out');
    const start1 = state.records[0].system.timestamps.lookupRequests.lookup1.requestStart;

    await pipeline.serve(def, request({ query: { page: '2' }, json: {} }), state.access);
    assert.equal(upstream.requests[first + 1].query.get('_since'), start1);
    assert.equal(upstream.requests[first + 1].query.get('page'), '1');
    const start2 = state.records[1].system.timestamps.lookupRequests.lookup1.requestStart;
    assert.ok(start2 > start1);

    await pipeline.serve(def, request({ json: {} }), state.access);
    assert.equal(upstream.requests[first + 2].query.get('_since'), start2);
  });

  test('state is readable by mapping and transforms', async () => {
    const pipeline = createEndpointPipeline({ http, clock: clock() });
    const def = define({
      inputTransforms: { next: 'state.requestBody.n + 1' },
      inputMapping: { 'transforms.next': 'n', 'state.requestBody.n': 'previous' },
      state: { extract: { requestBody: { n: 'n' } } },
    });
    const state = memoryState();
    const a = await pipeline.serve(def, request({ json: { n: 1 } }), state.access);
    assert.deepEqual(JSON.parse(String(a.body)), {});
    const b = await pipeline.serve(def, request({ json: { n: 5 } }), state.access);
    assert.deepEqual(JSON.parse(String(b.body)), { n: 2, previous: 1 });
  });
});

describe('state.config filters', () => {
  // Three requests: page 1 succeeds, page 2 has a lookup without an answer, page 3 gets a 500.
  async function history(config: Record<string, unknown>) {
    const pipeline = createEndpointPipeline({ http, timeoutMs: 1000, clock: clock() });
    const lookupTo = (url: string) =>
      define({
        requests: { lookup: [{ id: 'l', config: { url, params: { query: { page: { path: 'state.query.page' } } } } }] },
        state: { config, extract: { query: { page: 'page' } } },
      });
    const state = memoryState();
    await pipeline.serve(lookupTo(`${upstream.url}/ok`), request({ query: { page: '1' }, json: {} }), state.access);
    await pipeline.serve(lookupTo(`${dead}/x`), request({ query: { page: '2' }, json: {} }), state.access);
    await pipeline.serve(lookupTo(`${upstream.url}/status/500`), request({ query: { page: '3' }, json: {} }), state.access);
    assert.deepEqual(
      state.records.map((r) => [r.lookupHttpStatus, r.lookupNetworkError]),
      [
        [200, false],
        [undefined, true],
        [500, false],
      ],
    );
    // The fourth request reads state through the filters; the upstream echoes the page it was sent.
    const before = upstream.requests.length;
    await pipeline.serve(lookupTo(`${upstream.url}/ok`), request({ json: {} }), state.access);
    return upstream.requests[before].query.get('page');
  }

  test('no filter reads the latest record', async () => {
    assert.equal(await history({}), '3');
  });
  test('networkErrors exclude skips records with a network error', async () => {
    assert.equal(await history({ networkErrors: 'exclude', includeStatuses: ['2xx'] }), '1');
  });
  test('networkErrors include reads only records with a network error', async () => {
    assert.equal(await history({ networkErrors: 'include' }), '2');
  });
  test('includeStatuses ranges', async () => {
    assert.equal(await history({ includeStatuses: ['5xx'] }), '3');
    assert.equal(await history({ includeStatuses: ['2xx'] }), '1');
    assert.equal(await history({ includeStatuses: ['200', '4xx'] }), '1');
    assert.equal(await history({ includeStatuses: ['4xx'] }), null, 'nothing passes: no state');
    assert.equal(await history({ includeStatuses: ['*'] }), '3');
  });
});

describe('state reads', () => {
  test('the newest record is read only by a definition that can read it', async () => {
    const pipeline = createEndpointPipeline({ http, clock: clock() });
    const reads = async (over: Record<string, unknown>) => {
      const state = memoryState([{ system: { timestamps: {} }, lookupNetworkError: false, requestBody: { n: 1 } } as never]);
      const out = await pipeline.serve(define(over), request({ json: { n: 2 } }), state.access);
      return { read: state.configs.length > 0, body: JSON.parse(String(out.body)) as unknown };
    };
    // Nothing names the state: it is not read (and the reply is what it was).
    assert.deepEqual(await reads({ inputMapping: { 'requestBody.n': 'n' } }), { read: false, body: { n: 2 } });
    // A mapping key, a parameter path, a wildcard mapping key or any transform can read it.
    assert.deepEqual(await reads({ inputMapping: { 'state.requestBody.n': 'previous' } }), { read: true, body: { previous: 1 } });
    assert.equal(
      (await reads({ requests: { lookup: [{ id: 'l', config: { url: `${upstream.url}/ok`, params: { query: { since: { path: 'state.requestBody.n' } } } } }] } })).read,
      true,
    );
    const all = await reads({ inputMapping: { '*': 'all' } });
    assert.equal(all.read, true);
    assert.ok(JSON.stringify(all.body).includes('"n":1'), 'the wildcard maps the state too');
    assert.equal((await reads({ inputTransforms: { t: '$count($keys($))' } })).read, true);
  });
});

describe('state failures', () => {
  test('a failing state store answers 500 instead of throwing', async () => {
    const pipeline = createEndpointPipeline({ http, clock: clock() });
    // A definition that reads the state (one that cannot does not ask for it).
    const def = define({ inputMapping: { 'state.requestBody.n': 'previous' } });
    const loadFails = await pipeline.serve(def, request({ json: {} }), {
      loadState: async () => {
        throw new Error('db away');
      },
      saveState: async () => {},
    });
    assert.equal(loadFails.status, 500);
    assert.deepEqual(JSON.parse(String(loadFails.body)), { error: 'Failed to read endpoint state: db away' });
    const saveFails = await pipeline.serve(def, request({ json: {} }), {
      loadState: async () => null,
      saveState: async () => {
        throw new Error('disk full');
      },
    });
    assert.equal(saveFails.status, 500);
    assert.deepEqual(JSON.parse(String(saveFails.body)), { error: 'Failed to update endpoint state: disk full' });
  });
});
