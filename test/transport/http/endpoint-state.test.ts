import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../../helpers/backends.js';
import { useWeft, freshDatabase, startWeft, type RunningWeft, type Database } from '../../helpers/weft.js';
import { closedPortUrl, json, startStub, type Stub } from '../../engine/endpoint/endpoint-fixtures.js';

// Endpoint state through the real server (issue 5, step 9): what a request saves, what the next one
// reads as `state.…`, the state.config filters, and a restart on the same database.

for (const backend of await backends()) {
  describe(`endpoint state on ${backend.name}`, () => {
    const weft = useWeft(backend, { WEFT_HTTP_TIMEOUT_MS: '3000' });
    let up: Stub;
    let closedPort: string;
    before(async () => {
      up = await startStub(async (req, res) => {
        const [, first, second] = req.path.split('/');
        if (first === 'status') return json(res, Number(second), { status: Number(second), echo: Object.fromEntries(req.query) });
        json(res, 200, { token: `t-${req.query.get('n') ?? ''}`, query: Object.fromEntries(req.query) });
      });
      closedPort = new URL(await closedPortUrl()).port;
    });
    after(async () => {
      await up.close();
    });

    async function create(def: Record<string, unknown>) {
      const r = await weft.api('/endpoints', { method: 'POST', json: { transformation: { input: 'JSON', output: 'JSON' }, ...def } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body as { _id: string };
    }
    const lastQuery = (path: string) => [...up.requests].reverse().find((r) => r.path === path)!.query;
    const latest = (id: string) => weft.engine.store.endpoints.latestState(id, { networkErrors: 'no-filter', includeStatuses: [] });

    test('the four extract kinds are saved and read back as state.… by the next request', async () => {
      const e = await create({
        name: 'extracts',
        endpoint: { pattern: '/st/extracts' },
        requests: {
          lookup: [
            {
              id: 'fetch',
              config: {
                method: 'get',
                url: `${up.url}/fetch`,
                params: {
                  query: {
                    n: { path: 'payload.n' },
                    prevBody: { path: 'state.requestBody.n' },
                    prevQuery: { path: 'state.query.page' },
                    prevResponse: { path: 'state.responseBody.out' },
                    prevToken: { path: 'state.lookupRequests.fetch.token' },
                  },
                },
              },
            },
          ],
        },
        inputMapping: { 'requestBody.n': 'out' },
        state: {
          extract: {
            requestBody: { n: 'n' },
            responseBody: { out: 'out' },
            query: { page: 'page' },
            lookupRequests: { fetch: { token: 'data.token' } },
          },
        },
      });
      assert.equal((await weft.api('/st/extracts?page=1', { method: 'POST', json: { n: 'first' } })).status, 200);
      assert.deepEqual(Object.fromEntries(lastQuery('/fetch')), { n: 'first' });
      const saved = (await latest(e._id))!;
      assert.deepEqual(
        { requestBody: saved.requestBody, responseBody: saved.responseBody, query: saved.query, lookupRequests: saved.lookupRequests },
        { requestBody: { n: 'first' }, responseBody: { out: 'first' }, query: { page: '1' }, lookupRequests: { fetch: { token: 't-first' } } },
      );
      assert.equal((await weft.api('/st/extracts?page=2', { method: 'POST', json: { n: 'second' } })).status, 200);
      assert.deepEqual(Object.fromEntries(lastQuery('/fetch')), { n: 'second', prevBody: 'first', prevQuery: '1', prevResponse: 'first', prevToken: 't-first' });
    });

    test('system timestamps are saved, and the last lookup start is the next request’s _since', async () => {
      const e = await create({
        name: 'since',
        endpoint: { pattern: '/st/since', method: 'GET' },
        transformation: { output: 'JSON' },
        requests: { lookup: [{ id: 'lookup1', config: { method: 'get', url: `${up.url}/poll`, params: { query: { _since: { path: 'state.system.timestamps.lookupRequests.lookup1.requestStart' } } } } }] },
      });
      const t0 = Date.now();
      assert.equal((await weft.api('/st/since')).status, 200);
      assert.deepEqual(Object.fromEntries(lastQuery('/poll')), {});
      const first = (await latest(e._id))!;
      const ts = first.system.timestamps;
      for (const v of [ts.endpointStart, ts.endpointEnd, ts.lookupRequests.lookup1.requestStart, ts.lookupRequests.lookup1.requestEnd!]) {
        assert.ok(Date.parse(v) >= t0 - 1000 && Date.parse(v) <= Date.now() + 1000, v);
      }
      assert.equal(typeof ts.endpointDuration.milliseconds, 'number');
      assert.equal(typeof ts.lookupRequests.lookup1.requestDuration!.milliseconds, 'number');
      assert.equal(first.lookupHttpStatus, 200);
      assert.equal(first.lookupNetworkError, false);
      assert.equal((await weft.api('/st/since')).status, 200);
      assert.equal(lastQuery('/poll').get('_since'), ts.lookupRequests.lookup1.requestStart);
    });

    // One endpoint per filter; each request calls 127.0.0.1:<port>/status/<code> from its query, so a
    // request can get any status or no answer at all. `prev` is the `n` of the state record it read.
    function filtered(name: string, config: Record<string, unknown>) {
      return create({
        name,
        endpoint: { pattern: `/st/${name}`, method: 'GET' },
        transformation: { output: 'JSON' },
        requests: {
          lookup: [
            {
              id: 'probe',
              allowedStatuses: ['2xx', '4xx', '5xx'],
              config: {
                method: 'get',
                url: 'http://127.0.0.1::port/status/:code',
                params: { url: { port: { path: 'query.port' }, code: { path: 'query.code' } }, query: { n: { path: 'query.n' }, prev: { path: 'state.query.n' } } },
              },
            },
          ],
        },
        state: { extract: { query: { n: 'n' } }, config },
      });
    }
    const probe = async (name: string, n: number, code: number | 'none') => {
      const port = code === 'none' ? closedPort : new URL(up.url).port;
      await weft.api(`/st/${name}?port=${port}&code=${code === 'none' ? 200 : code}&n=${n}`);
    };
    async function prevSeen(name: string): Promise<string | null> {
      const before = up.requests.length;
      await probe(name, 99, 200);
      const req = up.requests.slice(before).find((r) => r.query.get('n') === '99');
      assert.ok(req, 'the probe reached the upstream');
      return req.query.get('prev');
    }

    test('networkErrors: include reads only records with a network error, exclude only those without', async () => {
      for (const [name, networkErrors] of [
        ['net-include', 'include'],
        ['net-exclude', 'exclude'],
        ['net-any', 'no-filter'],
      ] as const) {
        await filtered(name, { networkErrors });
        await probe(name, 1, 200);
        const failed = await weft.api(`/st/${name}?port=${closedPort}&code=200&n=2`);
        assert.equal(failed.status, 400);
        assert.match(failed.body.error, /^No response from lookup 'probe'/);
        await probe(name, 3, 500);
      }
      assert.equal(await prevSeen('net-include'), '2');
      assert.equal(await prevSeen('net-exclude'), '3');
      assert.equal(await prevSeen('net-any'), '3');
    });

    test('includeStatuses: exact statuses, ranges and *', async () => {
      const cases: Array<[string, string[], string | null]> = [
        ['status-2xx', ['2xx'], '3'],
        ['status-4xx', ['4xx'], '2'],
        ['status-201', ['201'], '3'],
        ['status-200', ['200'], '1'],
        ['status-302', ['302'], null],
        ['status-mixed', ['4xx', '200'], '2'],
        ['status-all', ['*'], '4'],
        ['status-none', [], '4'],
      ];
      for (const [name, includeStatuses] of cases) {
        await filtered(name, { includeStatuses });
        await probe(name, 1, 200);
        await probe(name, 2, 404);
        await probe(name, 3, 201);
        await probe(name, 4, 'none');
      }
      for (const [name, , expected] of cases) assert.equal(await prevSeen(name), expected, name);
    });

    test('a state filter that is not a status, a range or * is refused when the definition is saved', async () => {
      for (const bad of ['2x', 'abc', '600', '20']) {
        const r = await weft.api('/endpoints', { method: 'POST', json: { name: `bad-${bad}`, endpoint: { pattern: `/st/bad-${bad}` }, transformation: { input: 'JSON', output: 'JSON' }, state: { config: { includeStatuses: [bad] } } } });
        assert.equal(r.status, 400, bad);
        assert.match(r.body.error, /^Create endpoint failed:endpoint validation failed: state\.config\.includeStatuses\.0: /);
      }
      const net = await weft.api('/endpoints', { method: 'POST', json: { name: 'bad-net', endpoint: { pattern: '/st/bad-net' }, transformation: { input: 'JSON', output: 'JSON' }, state: { config: { networkErrors: 'maybe' } } } });
      assert.equal(net.status, 400);
    });

    test('deleting an endpoint deletes its state', async () => {
      const e = await filtered('deleted', {});
      await probe('deleted', 1, 200);
      assert.equal(await weft.engine.store.endpoints.countStates(e._id), 1);
      assert.equal((await weft.api(`/endpoints/${e._id}`, { method: 'DELETE' })).status, 200);
      assert.equal(await weft.engine.store.endpoints.countStates(e._id), 0);
    });
  });

  describe(`endpoints across a restart on ${backend.name}`, () => {
    let db: Database;
    let weft: RunningWeft;
    let up: Stub;
    before(async () => {
      up = await startStub((req, res) => json(res, 200, { n: req.query.get('n') }));
      db = freshDatabase(backend);
      weft = await startWeft(db);
    });
    after(async () => {
      await weft.stop();
      await up.close();
      await db.cleanup();
    });

    test('a restart on the same database keeps endpoints and their state', async () => {
      const created = await weft.api('/endpoints?workspace_id=kept', {
        method: 'POST',
        json: {
          name: 'survivor',
          endpoint: { pattern: '/restart/:n', method: 'GET' },
          transformation: { output: 'JSON' },
          requests: { lookup: [{ id: 'l', config: { method: 'get', url: `${up.url}/x`, params: { query: { n: { path: 'urlParams.n' }, prev: { path: 'state.query.n' } } } } }] },
          state: { extract: { query: { n: 'n' } } },
        },
      });
      assert.equal(created.status, 201);
      assert.equal((await weft.api('/w/kept/restart/1?n=one')).status, 200);
      await weft.stop();
      weft = await startWeft(db);
      const got = await weft.api(`/endpoints/${created.body._id}?workspace_id=kept`);
      assert.deepEqual(got.body, created.body);
      assert.equal((await weft.api('/w/kept/restart/2?n=two')).status, 200);
      const last = up.requests[up.requests.length - 1];
      assert.deepEqual(Object.fromEntries(last.query), { n: '2', prev: 'one' });
    });
  });
}
