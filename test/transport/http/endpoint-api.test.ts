import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { backends } from '../../helpers/backends.js';
import { useWeft, OTHER_KEY } from '../../helpers/weft.js';
import { RESERVED_PREFIXES } from '../../../src/engine/endpoint/reserved-prefixes.js';

// The endpoints management API (issue 5) through the real server: statuses and messages exactly as
// the contract (the OpenHIM mapping mediator) spells them.

const INVALID_PARAMS = 'Invalid url parameters specified in pattern, url parameter specification format is "/:<PARAMETER_NAME>"';

for (const backend of await backends()) {
  describe(`endpoints management API on ${backend.name}`, () => {
    const weft = useWeft(backend);

    const post = (json: unknown, path = '/endpoints') => weft.api(path, { method: 'POST', json });
    const minimal = (name: string, pattern: string, extra: Record<string, unknown> = {}) => ({
      name,
      endpoint: { pattern },
      transformation: { input: 'JSON', output: 'JSON' },
      ...extra,
    });

    test('POST /endpoints → 201 with the stored definition, _id, createdAt and updatedAt; GET returns it', async () => {
      const r = await post(minimal('Create me', '/crud/create', { description: 'd', constants: { a: 1 } }));
      assert.equal(r.status, 201);
      assert.match(r.body._id, /^[0-9a-f]{24}$/);
      assert.equal(r.body.name, 'Create me');
      assert.deepEqual(r.body.endpoint, { pattern: '/crud/create', method: 'POST' });
      assert.deepEqual(r.body.transformation, { input: 'JSON', output: 'JSON' });
      assert.deepEqual(r.body.constants, { a: 1 });
      assert.deepEqual(r.body.state, { config: { networkErrors: 'no-filter', includeStatuses: [] } });
      assert.deepEqual(r.body.requests, { lookup: [], response: [] });
      assert.ok(!Number.isNaN(Date.parse(r.body.createdAt)));
      assert.equal(r.body.createdAt, r.body.updatedAt);
      const got = await weft.api(`/endpoints/${r.body._id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, r.body);
    });

    test('bad JSON → 400 "Parsing incoming request body failed: <msg>"', async () => {
      const r = await weft.api('/endpoints', { method: 'POST', body: '{"name": ', headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 400);
      assert.match(r.body.error, /^Parsing incoming request body failed: \S/);
      assert.deepEqual(Object.keys(r.body), ['error']);
    });

    test('schema errors → 400 "Create endpoint failed:<reason>"', async () => {
      const missing = await post({ name: 'no pattern', transformation: { input: 'JSON', output: 'JSON' } });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error, 'Create endpoint failed:endpoint validation failed: endpoint.pattern: Path `endpoint.pattern` is required.');
      const method = await post(minimal('bad method', '/crud/m', { endpoint: { pattern: '/crud/m', method: 'PATCH' } }));
      assert.equal(method.status, 400);
      assert.match(method.body.error, /^Create endpoint failed:endpoint validation failed: endpoint\.method: /);
      const noInput = await post({ name: 'no input', endpoint: { pattern: '/crud/i' }, transformation: { output: 'JSON' } });
      assert.equal(noInput.status, 400);
      assert.match(noInput.body.error, /transformation\.input: Path `transformation\.input` is required\./);
      const status = await post(minimal('bad status', '/crud/s', { state: { config: { includeStatuses: ['2xxx'] } } }));
      assert.equal(status.status, 400);
      assert.match(status.body.error, /^Create endpoint failed:.*state\.config\.includeStatuses\.0/);
      const empty = await post({});
      assert.deepEqual([empty.status, empty.body], [400, { error: 'Create endpoint failed:Invalid endpoint object' }]);
      const array = await post([1]);
      assert.deepEqual([array.status, array.body], [400, { error: 'Create endpoint failed:Invalid endpoint object' }]);
      // A long name that does not compress overflowed PostgreSQL's index entry (a 500 there, 201 on SQLite).
      const longName = randomBytes(1500).toString('hex');
      const long = await post(minimal(longName, '/crud/long'));
      assert.equal(long.status, 400);
      assert.match(long.body.error, /^Create endpoint failed:endpoint validation failed: name: Path `name` \(`[0-9a-f]{40}…`\) is longer than the maximum allowed length \(500\)\.$/);
      const fits = await post(minimal(longName.slice(0, 500), '/crud/long'));
      assert.equal(fits.status, 201);
      const renamed = await weft.api(`/endpoints/${fits.body._id}`, { method: 'PUT', json: { name: longName } });
      assert.equal(renamed.status, 400);
      assert.match(renamed.body.error, /^Updating of endpoint failed: .*longer than the maximum allowed length \(500\)/);
    });

    test('bad patterns: unnamed URL parameters, bad characters and reserved prefixes', async () => {
      for (const pattern of ['/x/:', '/x/:/y']) {
        const r = await post(minimal(`params ${pattern}`, pattern));
        assert.equal(r.status, 400, pattern);
        assert.equal(r.body.error, `Create endpoint failed:${INVALID_PARAMS}`);
      }
      for (const pattern of ['no-slash', '/a b', ...RESERVED_PREFIXES, '/endpoints/x', '/uptime/1', '/v1/a', '/ws/x', '/tasks/x', '/w/default/x']) {
        const r = await post(minimal(`reserved ${pattern}`, pattern));
        assert.equal(r.status, 400, pattern);
        assert.equal(r.body.error, `Create endpoint failed:endpoint validation failed: endpoint.pattern: Path \`endpoint.pattern\` is invalid (${pattern}).`);
      }
      // Whole segments only: /wsdl and /tasksx are free.
      assert.equal((await post(minimal('wsdl', '/wsdl'))).status, 201);
      assert.equal((await post(minimal('tasksx', '/tasksx/:id'))).status, 201);
    });

    test('duplicates: a pattern matching the same requests with the same method, and a name already used', async () => {
      assert.equal((await post(minimal('Dup 0', '/dup/name/:id/section/:code'))).status, 201);
      const dup = await post(minimal('Dup 1', '/dup/name/:surname/section/:code'));
      assert.equal(dup.status, 400);
      assert.equal(dup.body.error, 'Create endpoint failed:Duplicate error: regex created from endpoint pattern /dup/name/:surname/section/:code for matching requests already exists');
      // Another method, or a literal where the stored one has a parameter, is no duplicate.
      assert.equal((await post(minimal('Dup 2', '/dup/name/:x/section/:y', { endpoint: { pattern: '/dup/name/:x/section/:y', method: 'PUT' } }))).status, 201);
      assert.equal((await post(minimal('Dup 3', '/dup/name/list/section/:code'))).status, 201);
      const name = await post(minimal('Dup 0', '/dup/other'));
      assert.equal(name.status, 400);
      assert.equal(name.body.error, "Create endpoint failed:Duplicate error: an endpoint named 'Dup 0' already exists");
      // Workspaces are separate: the same name and pattern elsewhere are fine.
      assert.equal((await post(minimal('Dup 0', '/dup/name/:id/section/:code'), '/endpoints?workspace_id=elsewhere')).status, 201);
      assert.equal((await weft.api('/endpoints', { method: 'POST', json: minimal('Dup 0', '/dup/name/:id/section/:code'), key: OTHER_KEY })).status, 201);
    });

    test('concurrent creates of one pattern: exactly one wins', async () => {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => post(minimal(`Race ${i}`, '/race/:id'), '/endpoints?workspace_id=race')));
      assert.deepEqual(results.map((r) => r.status).sort(), [201, 400, 400, 400, 400, 400]);
      for (const r of results.filter((x) => x.status === 400)) assert.match(r.body.error, /^Create endpoint failed:Duplicate error: /);
      assert.equal((await weft.api('/endpoints?workspace_id=race')).body.length, 1);
    });

    test('GET /endpoints lists the workspace’s endpoints and filters on query parameters', async () => {
      const a = await post(minimal('List A', '/list/a', { endpoint: { pattern: '/list/a', method: 'GET' }, public: true }), '/endpoints?workspace_id=listing');
      const lookup = (id: string) => ({ id, config: { method: 'get', url: `http://127.0.0.1:9/${id}` } });
      const b = await post(minimal('List B', '/list/b', { requests: { lookup: [lookup('l1'), lookup('l2')] } }), '/endpoints?workspace_id=listing');
      assert.equal(a.status, 201);
      const all = await weft.api('/endpoints?workspace_id=listing');
      assert.equal(all.status, 200);
      assert.deepEqual(all.body.map((e: { name: string }) => e.name), ['List A', 'List B']);
      const names = async (q: string) => (await weft.api(`/endpoints?workspace_id=listing&${q}`)).body.map((e: { name: string }) => e.name);
      assert.deepEqual(await names('name=List%20B'), ['List B']);
      assert.deepEqual(await names(`_id=${a.body._id}`), ['List A']);
      assert.deepEqual(await names('endpoint.pattern=/list/a'), ['List A']);
      assert.deepEqual(await names('endpoint.method=POST'), ['List B']);
      assert.deepEqual(await names('public=true'), ['List A']);
      assert.deepEqual(await names('name=List%20A&name=List%20B'), ['List A', 'List B']);
      assert.deepEqual(await names('name=nobody'), []);
      assert.deepEqual(await names('nofield=x'), []);
      // Into arrays as MongoDB looks: any element, or one by its index.
      assert.deepEqual(await names('requests.lookup.id=l2'), ['List B']);
      assert.deepEqual(await names('requests.lookup.0.id=l1'), ['List B']);
      assert.deepEqual(await names('requests.lookup.0.id=l2'), []);
      assert.deepEqual((await weft.api('/endpoints?workspace_id=empty-ws')).body, []);
      assert.ok(b.body._id);
    });

    test('malformed ids → 400 "… Endpoint ID supplied in url is invalid"; unknown ids → 404', async () => {
      for (const [method, prefix] of [
        ['GET', 'Retrieving of endpoint failed: '],
        ['PUT', 'Updating of endpoint failed: '],
        ['DELETE', 'Endpoint deletion failed: '],
      ]) {
        for (const id of ['123', 'invalid', 'zzzzzzzzzzzzzzzzzzzzzzzz', '5db1e8e9d074237a356b36d1a']) {
          const r = await weft.api(`/endpoints/${id}`, { method, ...(method === 'PUT' && { json: { name: 'x' } }) });
          assert.deepEqual([r.status, r.body], [400, { error: `${prefix}Endpoint ID supplied in url is invalid` }], `${method} ${id}`);
        }
      }
      const id = '5db1e8e9d074237a356b36d1';
      assert.deepEqual(Object.values(await weft.api(`/endpoints/${id}`)).slice(0, 2), [404, { error: `Endpoint with ID ${id} does not exist` }]);
      const put = await weft.api(`/endpoints/${id}`, { method: 'PUT', json: { name: 'New name' } });
      assert.deepEqual([put.status, put.body], [404, { error: `Endpoint with ID ${id} does not exist` }]);
      const del = await weft.api(`/endpoints/${id}`, { method: 'DELETE' });
      assert.deepEqual([del.status, del.body], [404, { error: `Endpoint with ID ${id} does not exist` }]);
    });

    test('PUT replaces the fields given; an empty body, schema errors and duplicates are 400 "Updating of endpoint failed: …"', async () => {
      const created = (await post(minimal('Update me', '/upd/one', { transformation: { input: 'XML', output: 'XML' }, constants: { keep: true } }))).body;
      await post(minimal('Update other', '/upd/two'));
      const r = await weft.api(`/endpoints/${created._id}`, { method: 'PUT', json: { transformation: { input: 'JSON', output: 'JSON' } } });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.transformation, { input: 'JSON', output: 'JSON' });
      assert.deepEqual(r.body.constants, { keep: true });
      assert.equal(r.body.name, 'Update me');
      assert.equal(r.body._id, created._id);
      assert.equal(r.body.createdAt, created.createdAt);
      assert.ok(Date.parse(r.body.updatedAt) >= Date.parse(created.updatedAt));
      assert.deepEqual((await weft.api(`/endpoints/${created._id}`)).body, r.body);

      for (const body of [{}, undefined]) {
        const empty = await weft.api(`/endpoints/${created._id}`, { method: 'PUT', ...(body ? { json: body } : { body: '', headers: { 'content-type': 'application/json' } }) });
        assert.deepEqual([empty.status, empty.body], [400, { error: 'Updating of endpoint failed: Invalid endpoint object' }]);
      }
      const invalid = await weft.api(`/endpoints/${created._id}`, { method: 'PUT', json: { endpoint: { pattern: '/upd/x', method: 'NOPE' } } });
      assert.equal(invalid.status, 400);
      assert.match(invalid.body.error, /^Updating of endpoint failed: Validation failed: endpoint\.method: /);
      const params = await weft.api(`/endpoints/${created._id}`, { method: 'PUT', json: { endpoint: { pattern: '/upd/:' } } });
      assert.deepEqual([params.status, params.body], [400, { error: `Updating of endpoint failed: ${INVALID_PARAMS}` }]);
      const dup = await weft.api(`/endpoints/${created._id}`, { method: 'PUT', json: { endpoint: { pattern: '/upd/two' } } });
      assert.deepEqual([dup.status, dup.body], [400, { error: 'Updating of endpoint failed: Duplicate error: regex created from endpoint pattern /upd/two for matching requests already exists' }]);
      // Its own pattern is no duplicate.
      assert.equal((await weft.api(`/endpoints/${created._id}`, { method: 'PUT', json: { endpoint: { pattern: '/upd/one' }, description: 'same' } })).status, 200);
      const bad = await weft.api(`/endpoints/${created._id}`, { method: 'PUT', body: '{nope', headers: { 'content-type': 'application/json' } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, /^Parsing incoming request body failed: /);
    });

    test('DELETE → 200 {"message":"Endpoint with ID \'<id>\' deleted"}; then it is gone', async () => {
      const created = (await post(minimal('Delete me', '/del/one'))).body;
      const r = await weft.api(`/endpoints/${created._id}`, { method: 'DELETE' });
      assert.deepEqual([r.status, r.body], [200, { message: `Endpoint with ID '${created._id}' deleted` }]);
      assert.equal((await weft.api(`/endpoints/${created._id}`)).status, 404);
      // The pattern and the name are free again.
      assert.equal((await post(minimal('Delete me', '/del/one'))).status, 201);
    });

    test('ids are per workspace and key: another workspace or key sees 404', async () => {
      const created = (await post(minimal('Mine', '/mine'), '/endpoints?workspace_id=private')).body;
      assert.equal((await weft.api(`/endpoints/${created._id}?workspace_id=private`)).status, 200);
      assert.equal((await weft.api(`/endpoints/${created._id}`)).status, 404);
      assert.equal((await weft.api(`/endpoints/${created._id}?workspace_id=private`, { key: OTHER_KEY })).status, 404);
      assert.equal((await weft.api(`/endpoints/${created._id}?workspace_id=private`, { method: 'DELETE', key: OTHER_KEY })).status, 404);
    });

    test('every management route needs the key: 403 {"error":"Forbidden","message":"Forbidden"}', async () => {
      for (const [method, path] of [
        ['GET', '/endpoints'],
        ['POST', '/endpoints'],
        ['GET', '/endpoints/5db1e8e9d074237a356b36d1'],
        ['PUT', '/endpoints/5db1e8e9d074237a356b36d1'],
        ['DELETE', '/endpoints/5db1e8e9d074237a356b36d1'],
      ]) {
        for (const key of [null, 'wrong']) {
          const r = await weft.api(path, { method, key });
          assert.deepEqual([r.status, r.body], [403, { error: 'Forbidden', message: 'Forbidden' }], `${method} ${path}`);
        }
      }
    });

    test('GET /uptime → {"milliseconds": n}, with a key as every route (issue 2)', async () => {
      const refused = await weft.api('/uptime', { key: null });
      assert.deepEqual([refused.status, refused.body.message], [403, 'Forbidden']);
      const r = await weft.api('/uptime');
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.body), ['milliseconds']);
      assert.ok(Number.isInteger(r.body.milliseconds) && r.body.milliseconds > 0);
    });

    test('the management API is in /openapi.json', async () => {
      const o = await weft.api('/openapi.json', { key: null });
      assert.ok(o.body.paths['/endpoints']);
      assert.ok(o.body.paths['/endpoints/{id}']);
      assert.ok(o.body.paths['/uptime']);
    });
  });
}
