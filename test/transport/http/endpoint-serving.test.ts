import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../../helpers/backends.js';
import { useWeft, freshDatabase, startWeft, OTHER_KEY, TEST_KEY, type RunningWeft, type Database } from '../../helpers/weft.js';
import { closedPortUrl, json, startStub, type Stub } from '../../engine/endpoint/endpoint-fixtures.js';

// Endpoints served through the real server (issue 5, "Serving"): each stage of the pipeline proven
// over HTTP at least once, with a real stub upstream on 127.0.0.1. test/engine/endpoint covers the
// details of each stage.

const fn = (name: string, key: string, parameters?: unknown) => ({ key, transform: { function: name, ...(parameters !== undefined && { parameters }) } });

for (const backend of await backends()) {
  describe(`serving endpoints on ${backend.name}`, () => {
    const weft = useWeft(backend, { WEFT_HTTP_TIMEOUT_MS: '3000' });
    let up: Stub;
    let closed: string;
    before(async () => {
      up = await startStub(async (req, res) => {
        const [, first, second] = req.path.split('/');
        if (first === 'patient') return json(res, 200, { id: second, name: `P${second}` });
        if (first === 'echo') return json(res, 200, { method: req.method, path: req.path, query: Object.fromEntries(req.query), body: req.body ? JSON.parse(req.body) : null });
        if (first === 'status') return json(res, Number(second), { err: `status ${second}` });
        if (first === 'created') return json(res, 201, { stored: JSON.parse(req.body) }, { 'x-upstream': 'yes' });
        if (first === 'empty') return res.writeHead(201).end();
        if (first === 'text') return res.writeHead(200, { 'content-type': 'text/plain' }).end('OK <fine>');
        json(res, 404, { err: 'no route' });
      });
      closed = await closedPortUrl();
    });
    after(async () => {
      await up.close();
    });

    async function create(def: Record<string, unknown>, query = '') {
      const r = await weft.api(`/endpoints${query}`, { method: 'POST', json: { transformation: { input: 'JSON', output: 'JSON' }, ...def } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body as { _id: string };
    }
    const call = (path: string, init: Parameters<RunningWeft['api']>[1] = {}) => weft.api(path, init);

    test('JSON in, XML out', async () => {
      await create({
        name: 'json-to-xml',
        endpoint: { pattern: '/s/json-to-xml' },
        transformation: { input: 'JSON', output: 'XML' },
        inputMapping: { 'requestBody.name': 'patient.name', 'requestBody.ids[]': 'patient.id' },
      });
      const r = await call('/s/json-to-xml', { method: 'POST', json: { name: 'A & B', ids: ['1', '2'] } });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^application\/xml/);
      assert.equal(r.text, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<patient>\n  <name>A &amp; B</name>\n  <id>1</id>\n  <id>2</id>\n</patient>');
    });

    test('XML out is always a document (an empty answer is <root/>, a text one the text of <root>); FHIR+JSON goes out with its type alone', async () => {
      const xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
      for (const [name, target, status, body] of [
        ['xml-empty', 'empty', 201, `${xml}<root/>`],
        ['xml-text', 'text', 200, `${xml}<root>OK &lt;fine&gt;</root>`],
      ] as const) {
        await create({ name, endpoint: { pattern: `/s/${name}` }, transformation: { input: 'JSON', output: 'XML' }, requests: { response: [{ id: 'r', config: { method: 'post', url: `${up.url}/${target}` } }] } });
        const r = await call(`/s/${name}`, { method: 'POST', json: {} });
        assert.deepEqual([r.status, r.headers.get('content-type'), r.text], [status, 'application/xml', body], name);
      }
      await create({ name: 'fhir-out', endpoint: { pattern: '/s/fhir-out' }, transformation: { input: 'JSON', output: 'FHIR+JSON' } });
      const fhir = await call('/s/fhir-out', { method: 'POST', json: { resourceType: 'Patient' } });
      assert.deepEqual([fhir.status, fhir.headers.get('content-type'), fhir.body], [200, 'application/fhir+json', { resourceType: 'Patient' }]);
      // JSON keeps its charset, as the mediator's (Koa's) answers do.
      await create({ name: 'json-out', endpoint: { pattern: '/s/json-out' } });
      assert.equal((await call('/s/json-out', { method: 'POST', json: { a: 1 } })).headers.get('content-type'), 'application/json; charset=utf-8');
    });

    test('XML in, JSON out; the content type must match the input format', async () => {
      await create({ name: 'xml-to-json', endpoint: { pattern: '/s/xml-to-json' }, transformation: { input: 'XML', output: 'JSON' } });
      const xml = '<?xml version="1.0"?>\n<patient id="7">\n  <name>  Jane  </name>\n  <tel>1</tel>\n  <tel>2</tel>\n</patient>';
      const r = await call('/s/xml-to-json', { method: 'POST', body: xml, headers: { 'content-type': 'application/xml' } });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(r.body, { $: { id: '7' }, name: 'Jane', tel: ['1', '2'] });
      const textXml = await call('/s/xml-to-json', { method: 'POST', body: '<a><b>1</b></a>', headers: { 'content-type': 'text/xml' } });
      assert.deepEqual([textXml.status, textXml.body], [200, { b: '1' }]);
      const wrong = await call('/s/xml-to-json', { method: 'POST', json: { a: 1 } });
      assert.deepEqual([wrong.status, wrong.body], [400, { error: 'Supplied input format does not match incoming content-type: Expected xml format, but received json' }]);
      const wrongJson = await call('/s/json-to-xml', { method: 'POST', body: '<a/>', headers: { 'content-type': 'application/xml' } });
      assert.equal(wrongJson.status, 400);
      assert.match(wrongJson.text, /<error>Supplied input format does not match incoming content-type: Expected json format, but received xml<\/error>/);
      const broken = await call('/s/xml-to-json', { method: 'POST', body: '<a><b></a>', headers: { 'content-type': 'application/xml' } });
      assert.equal(broken.status, 400);
      assert.match(broken.body.error, /^Parsing incoming body failed: /);
      const badJson = await call('/s/json-to-xml', { method: 'POST', body: '{bad', headers: { 'content-type': 'application/json' } });
      assert.equal(badJson.status, 400);
      assert.match(badJson.text, /<error>Parsing incoming body failed: /);
    });

    test('lookups take parameters from the body, query, URL parameters and constants', async () => {
      await create({
        name: 'params',
        endpoint: { pattern: '/s/params/:pid' },
        constants: { system: 'sys-1' },
        requests: {
          lookup: [
            {
              id: 'fetch',
              config: {
                method: 'get',
                url: `${up.url}/echo/:pid`,
                params: {
                  url: { pid: { path: 'urlParams.pid', prefix: 'p-' } },
                  query: {
                    fromBody: { path: 'payload.patient.name' },
                    fromQuery: { path: 'query.region', postfix: '!' },
                    fromConstants: { path: 'constants.system' },
                    missing: { path: 'payload.nothing' },
                  },
                },
              },
            },
          ],
        },
      });
      const r = await call('/s/params/42?region=north', { method: 'POST', json: { patient: { name: 'Ann' } } });
      assert.equal(r.status, 200);
      const echoed = r.body.lookupRequests.fetch.data;
      assert.equal(echoed.path, '/echo/p-42');
      assert.deepEqual(echoed.query, { fromBody: 'Ann', fromQuery: 'north!', fromConstants: 'sys-1' });
      assert.deepEqual(r.body.requestBody, { patient: { name: 'Ann' } });
    });

    test('forEach lookups and forEach response requests', async () => {
      await create({
        name: 'for-each',
        endpoint: { pattern: '/s/for-each' },
        requests: {
          lookup: [{ id: 'patients', config: { method: 'get', url: `${up.url}/patient/:id`, params: { url: { id: { path: 'item.id' } } } }, forEach: { items: 'payload.list', concurrency: 2 } }],
          response: [
            { id: 'each', config: { method: 'post', url: `${up.url}/echo/each` }, forEach: { items: 'lookupRequests.patients' } },
            { id: 'all', config: { method: 'post', url: `${up.url}/echo/all` } },
          ],
        },
        inputMapping: { 'lookupRequests.patients[].data.name': 'names' },
      });
      const r = await call('/s/for-each', { method: 'POST', json: { list: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] } });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.all.body, { names: ['Pa', 'Pb', 'Pc'] });
      assert.equal(r.body.each.length, 3);
      assert.deepEqual(r.body.each.map((e: { body: { data: { id: string } } }) => e.body.data.id), ['a', 'b', 'c']);
      const notArray = await call('/s/for-each', { method: 'POST', json: { list: 'nope' } });
      assert.deepEqual([notArray.status, notArray.body], [400, { error: "forEach.items could not be found at the specified path or the resolved value isn't an array" }]);
    });

    test('allowedStatuses, and failing lookups', async () => {
      const lookup = (id: string, url: string, extra: Record<string, unknown> = {}) => ({ id, config: { method: 'get', url }, ...extra });
      await create({ name: 'allowed', endpoint: { pattern: '/s/allowed' }, requests: { lookup: [lookup('maybe', `${up.url}/status/404`, { allowedStatuses: ['2xx', 404] })] } });
      await create({ name: 'refused', endpoint: { pattern: '/s/refused' }, requests: { lookup: [lookup('strict', `${up.url}/status/404`)] } });
      await create({ name: 'range', endpoint: { pattern: '/s/range' }, requests: { lookup: [lookup('fail', `${up.url}/status/503`, { allowedStatuses: ['4xx'] })] } });
      await create({ name: 'unreachable', endpoint: { pattern: '/s/unreachable' }, requests: { lookup: [lookup('gone', `${closed}/x`)] } });
      const ok = await call('/s/allowed', { method: 'POST', json: {} });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body.lookupRequests.maybe.data, { err: 'status 404' });
      const refused = await call('/s/refused', { method: 'POST', json: {} });
      assert.deepEqual([refused.status, refused.body], [404, { error: 'Incorrect status code 404. {"err":"status 404"}' }]);
      const range = await call('/s/range', { method: 'POST', json: {} });
      assert.deepEqual([range.status, range.body], [503, { error: 'Incorrect status code 503. {"err":"status 503"}' }]);
      const gone = await call('/s/unreachable', { method: 'POST', json: {} });
      assert.equal(gone.status, 400);
      assert.match(gone.body.error, /^No response from lookup 'gone'\. .*ECONNREFUSED/);
    });

    test('one response request: its status, headers and body are the reply; failing ones too', async () => {
      await create({ name: 'one-response', endpoint: { pattern: '/s/one' }, requests: { response: [{ id: 'store', config: { method: 'post', url: `${up.url}/created` } }] } });
      const r = await call('/s/one', { method: 'POST', json: { a: 1 } });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('x-upstream'), 'yes');
      assert.deepEqual(r.body, { stored: { a: 1 } });
      await create({ name: 'failing-response', endpoint: { pattern: '/s/failing-response' }, requests: { response: [{ id: 'bad', config: { method: 'post', url: `${up.url}/status/502` } }] } });
      const failed = await call('/s/failing-response', { method: 'POST', json: {} });
      assert.deepEqual([failed.status, failed.body], [502, { err: 'status 502' }]);
      // The upstream's own answer, passed on: not weft's failure, no weft code.
      assert.equal(failed.headers.get('weft-error-code'), null);
      // A status HTTP does not have, passed on, would not be sent: 502 instead of a 500.
      await create({ name: 'odd-status', endpoint: { pattern: '/s/odd-status' }, requests: { response: [{ id: 'odd', config: { method: 'post', url: `${up.url}/status/600` } }] } });
      const odd = await call('/s/odd-status', { method: 'POST', json: {} });
      assert.deepEqual([odd.status, odd.headers.get('weft-error-code'), odd.body], [502, 'WEFT_ENDPOINT_FAILED', { error: 'The upstream answered with status 600, which HTTP does not have' }]);
      await create({ name: 'unreachable-response', endpoint: { pattern: '/s/unreachable-response' }, requests: { response: [{ id: 'gone', config: { method: 'post', url: `${closed}/x` } }] } });
      const gone = await call('/s/unreachable-response', { method: 'POST', json: {} });
      assert.equal(gone.status, 500);
      assert.match(gone.text, /ECONNREFUSED/);
    });

    test('several response requests: {<id>: <body>, …}, a failed one gives its error', async () => {
      await create({
        name: 'several',
        endpoint: { pattern: '/s/several' },
        requests: {
          response: [
            { id: 'first', config: { method: 'post', url: `${up.url}/created` } },
            { id: 'second', config: { method: 'post', url: `${up.url}/status/500` } },
            { id: 'third', config: { method: 'post', url: `${closed}/x` } },
          ],
        },
      });
      const r = await call('/s/several', { method: 'POST', json: { b: 2 } });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.first, { stored: { b: 2 } });
      assert.deepEqual(r.body.second, { err: 'status 500' });
      assert.match(r.body.third, /ECONNREFUSED/);
    });

    test('validation failure, JSONata transforms, transform errors', async () => {
      await create({
        name: 'validated',
        endpoint: { pattern: '/s/validated' },
        inputValidation: {
          type: 'object',
          properties: {
            requestBody: {
              type: 'object',
              required: ['first', 'last'],
              // errorMessage (ajv-errors, as in the mediator) replaces Ajv's message.
              properties: { first: { type: 'string' }, last: { type: 'string' }, weight: { type: 'number', errorMessage: 'Weight must be a number' } },
            },
          },
        },
        inputTransforms: { full: "requestBody.first & ' ' & requestBody.last", count: '$count(requestBody.tags)', shout: '$uppercase(transforms.full)' },
        inputMapping: { 'transforms.full': 'name', 'transforms.count': 'tags', 'transforms.shout': 'loud' },
      });
      const ok = await call('/s/validated', { method: 'POST', json: { first: 'Ada', last: 'Lovelace', tags: ['x', 'y'] } });
      assert.deepEqual([ok.status, ok.body], [200, { name: 'Ada Lovelace', tags: 2, loud: 'ADA LOVELACE' }]);
      const bad = await call('/s/validated', { method: 'POST', json: { first: 'Ada' } });
      assert.deepEqual([bad.status, bad.body], [400, { error: "Validation failed: data/requestBody must have required property 'last'" }]);
      assert.equal(bad.headers.get('weft-error-code'), 'WEFT_ENDPOINT_FAILED');
      const poisoned = await call('/s/validated', { method: 'POST', body: '{"first":"Ada","last":"L","__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } });
      assert.deepEqual([poisoned.status, poisoned.body], [400, { error: 'Parsing incoming body failed: a key named __proto__ (or constructor.prototype) is not accepted' }]);
      await create({ name: 'endless-schema', endpoint: { pattern: '/s/endless-schema' }, inputValidation: { $ref: '#' } });
      const endless = await call('/s/endless-schema', { method: 'POST', json: { a: 1 } });
      assert.deepEqual([endless.status, endless.body], [400, { error: 'Validation failed: the schema refers to itself without end (or nests too deep to check)' }]);
      const heavy = await call('/s/validated', { method: 'POST', json: { first: 'Ada', last: 'L', weight: 'heavy' } });
      assert.deepEqual([heavy.status, heavy.body], [400, { error: 'Validation failed: data/requestBody/weight Weight must be a number' }]);
      await create({ name: 'transform-error', endpoint: { pattern: '/s/transform-error' }, inputTransforms: { boom: '$number("x") + $error("nope")' } });
      const boom = await call('/s/transform-error', { method: 'POST', json: {} });
      assert.equal(boom.status, 500);
      assert.match(boom.body.error, /^Input transform error: /);
    });

    test('every mapping function', async () => {
      await create({
        name: 'mapping-functions',
        endpoint: { pattern: '/s/mapping' },
        constants: { codes: { M: 'male', F: 'female', default: 'unknown' } },
        inputMapping: {
          'requestBody.gender': fn('mapCodes', 'gender', { M: 'male', F: 'female', default: 'unknown' }),
          'requestBody.other': fn('mapCodes', 'other', { M: 'male', default: 'unknown' }),
          'requestBody.born': fn('dateTimeToDate', 'born'),
          'requestBody.deceased': fn('booleanFlip', 'alive'),
          'requestBody.one': fn('booleanify', 'flag'),
          'requestBody.amount': fn('numberify', 'amount'),
          'requestBody.obj': fn('stringify', 'text'),
          'requestBody.list[].v': 'codes[].value',
          'requestBody.system': fn('oneToAllElements', 'codes[].system'),
          'requestBody.first': 'items',
          'requestBody.more': fn('appendArray', 'items[]'),
          'requestBody.extra': fn('passThroughObject', 'ignored'),
        },
      });
      const r = await call('/s/mapping', {
        method: 'POST',
        json: {
          gender: 'F',
          other: 'Z',
          born: '2021-03-04T05:06:07.000Z',
          deceased: false,
          one: 1,
          amount: '12.5',
          obj: { x: 1 },
          list: [{ v: 1 }, { v: 2 }],
          system: 'S',
          first: [1, 2],
          more: [3],
          extra: { top: 'level' },
        },
      });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, {
        gender: 'female',
        other: 'unknown',
        born: '2021-03-04',
        alive: true,
        flag: true,
        amount: 12.5,
        text: '{"x":1}',
        codes: [
          { value: 1, system: 'S' },
          { value: 2, system: 'S' },
        ],
        items: [1, 2, 3],
        top: 'level',
      });
    });

    test('GET endpoints: query and URL parameters, no body', async () => {
      await create({
        name: 'get-one',
        endpoint: { pattern: '/s/get/:id', method: 'GET' },
        transformation: { output: 'JSON' },
        requests: { lookup: [{ id: 'p', config: { method: 'get', url: `${up.url}/patient/:id`, params: { url: { id: { path: 'urlParams.id' } } } } }] },
        inputMapping: { 'lookupRequests.p.data.name': 'name', 'query.x': 'x', 'urlParams.id': 'id' },
      });
      const r = await call('/s/get/9?x=y');
      assert.deepEqual([r.status, r.body], [200, { name: 'P9', x: 'y', id: '9' }]);
    });

    test('/w/<workspace_id><pattern> serves any workspace, <pattern> the default one; keys never reach the pipeline', async () => {
      const seen = { transformation: { output: 'JSON' }, endpoint: { pattern: '/s/ws', method: 'GET' }, inputTransforms: { headers: '$keys(requestHeaders)', query: '$keys(query)' } };
      await create({ ...seen, name: 'ws-default', constants: { ws: 'default' }, inputMapping: { 'constants.ws': 'ws', 'transforms.headers': 'headers', 'transforms.query': 'query' } });
      await create({ ...seen, name: 'ws-other', constants: { ws: 'other' }, inputMapping: { 'constants.ws': 'ws' } }, '?workspace_id=other');
      assert.deepEqual((await call('/s/ws')).body.ws, 'default');
      assert.deepEqual((await call('/w/default/s/ws')).body.ws, 'default');
      assert.deepEqual((await call('/w/other/s/ws')).body.ws, 'other');
      // workspace_id does not select the workspace of <pattern>.
      assert.deepEqual((await call('/s/ws?workspace_id=other')).body.ws, 'default');
      const unknown = await call('/w/nowhere/s/ws');
      assert.deepEqual([unknown.status, unknown.body.error], [404, 'Unknown Endpoint: /w/nowhere/s/ws']);
      const bearer = await call(`/s/ws?api_key=${TEST_KEY}&keep=1`, { key: null, headers: { authorization: `Bearer ${TEST_KEY}`, 'x-custom': 'c' } });
      assert.equal(bearer.status, 200);
      assert.ok(bearer.body.headers.includes('x-custom'));
      assert.ok(!bearer.body.headers.includes('authorization') && !bearer.body.headers.includes('x-api-key'));
      assert.deepEqual(bearer.body.query, 'keep');
      const invalidWs = await call('/w/bad%20name/s/ws');
      assert.deepEqual([invalidWs.status, invalidWs.body], [400, { error: 'invalid workspace id' }]);
    });

    test('keys: a private endpoint needs its key (403 {"error":"Forbidden","message":"Forbidden"}); a public one serves without', async () => {
      await create({ name: 'private', endpoint: { pattern: '/s/private', method: 'GET' }, transformation: { output: 'JSON' }, constants: { who: 'private' }, inputMapping: { 'constants.who': 'who' } });
      await create({ name: 'public', public: true, endpoint: { pattern: '/s/public', method: 'GET' }, transformation: { output: 'JSON' }, constants: { who: 'public' }, inputMapping: { 'constants.who': 'who' } });
      await create({ name: 'public-ws', public: true, endpoint: { pattern: '/s/public-ws', method: 'GET' }, transformation: { output: 'JSON' }, constants: { who: 'team' }, inputMapping: { 'constants.who': 'who' } }, '?workspace_id=team');
      assert.deepEqual((await call('/s/private')).body, { who: 'private' });
      for (const key of [null, 'wrong-key']) {
        const r = await call('/s/private', { key });
        assert.deepEqual([r.status, r.body], [403, { error: 'Forbidden', message: 'Forbidden' }]);
        assert.deepEqual((await call('/s/public', { key })).body, { who: 'public' });
        assert.deepEqual((await call('/w/team/s/public-ws', { key })).body, { who: 'team' });
      }
      // Another key: its own workspace has no such endpoint; public ones of other keys still serve.
      const other = await call('/s/private', { key: OTHER_KEY });
      assert.deepEqual([other.status, other.body.error], [404, 'Unknown Endpoint: /s/private']);
      assert.deepEqual((await call('/s/public', { key: OTHER_KEY })).body, { who: 'public' });
    });

    test('a public pattern defined under several keys: the key’s own wins, else the oldest', async () => {
      const shared = { public: true, endpoint: { pattern: '/s/shared', method: 'GET' }, transformation: { output: 'JSON' }, inputMapping: { 'constants.who': 'who' } };
      await create({ ...shared, name: 'shared', constants: { who: 'first key' } });
      const r = await weft.api('/endpoints', { method: 'POST', key: OTHER_KEY, json: { ...shared, name: 'shared', constants: { who: 'second key' } } });
      assert.equal(r.status, 201);
      assert.deepEqual((await call('/s/shared', { key: null })).body, { who: 'first key' });
      assert.deepEqual((await call('/s/shared', { key: OTHER_KEY })).body, { who: 'second key' });
      assert.deepEqual((await call('/s/shared')).body, { who: 'first key' });
    });

    test('unknown endpoints and methods: 404 Unknown Endpoint with a key; weft’s own prefixes keep their 404', async () => {
      const r = await call('/s/nothing/here', { method: 'POST', json: {} });
      assert.equal(r.status, 404);
      assert.equal(r.body.error, 'Unknown Endpoint: /s/nothing/here');
      assert.equal((await call('/s/json-to-xml')).status, 404);
      const own = await call('/tasks/1/2/3', { method: 'POST', json: {} });
      assert.equal(own.status, 404);
      assert.equal(typeof own.body.message, 'string');
      const wrapped = await call('/s/nothing', { headers: { 'x-openhim-transactionid': 'tx-1' } });
      assert.equal(wrapped.status, 404);
      assert.equal(JSON.parse(wrapped.body.response.body).error, 'Unknown Endpoint: /s/nothing');
    });

    test('an exact pattern wins over a parametric one', async () => {
      await create({ name: 'by-id', endpoint: { pattern: '/s/items/:id', method: 'GET' }, transformation: { output: 'JSON' }, inputMapping: { 'urlParams.id': 'id' } });
      await create({ name: 'list', endpoint: { pattern: '/s/items/list', method: 'GET' }, transformation: { output: 'JSON' }, constants: { list: true }, inputMapping: { 'constants.list': 'list' } });
      assert.deepEqual((await call('/s/items/list')).body, { list: true });
      assert.deepEqual((await call('/s/items/7')).body, { id: '7' });
      assert.deepEqual((await call('/s/items/a%20b')).body, { id: 'a b' });
      assert.deepEqual((await call('/s/items/7/')).body, { id: '7' });
      assert.equal((await call('/s/items/7//')).status, 404);
    });

    test('updates and deletes take effect at once', async () => {
      const e = await create({ name: 'changing', endpoint: { pattern: '/s/changing', method: 'GET' }, transformation: { output: 'JSON' }, constants: { v: 1 }, inputMapping: { 'constants.v': 'v' } });
      assert.deepEqual((await call('/s/changing')).body, { v: 1 });
      assert.equal((await weft.api(`/endpoints/${e._id}`, { method: 'PUT', json: { constants: { v: 2 } } })).status, 200);
      assert.deepEqual((await call('/s/changing')).body, { v: 2 });
      assert.equal((await weft.api(`/endpoints/${e._id}`, { method: 'DELETE' })).status, 200);
      assert.equal((await call('/s/changing')).status, 404);
    });
  });
}

for (const backend of await backends()) {
  describe(`endpoint limits on ${backend.name}: host allowlist, timeout, body size; OpenHIM replies; events`, () => {
    let db: Database;
    let weft: RunningWeft;
    let allowed: Stub;
    let other: Stub;
    before(async () => {
      allowed = await startStub((req, res) => {
        if (req.path === '/hang') return; // never answers
        json(res, 200, { ok: true });
      });
      other = await startStub((_req, res) => json(res, 200, { other: true }));
      db = freshDatabase(backend);
      weft = await startWeft(db, { WEFT_HTTP_ALLOW_HOSTS: `127.0.0.1:${new URL(allowed.url).port}`, WEFT_HTTP_TIMEOUT_MS: '300', WEFT_BODY_LIMIT_BYTES: '2048' });
    });
    after(async () => {
      await weft.stop();
      await allowed.close();
      await other.close();
      await db.cleanup();
    });

    const create = async (name: string, url: string, extra: Record<string, unknown> = {}) => {
      const r = await weft.api('/endpoints', {
        method: 'POST',
        json: { name, endpoint: { pattern: `/lim/${name}` }, transformation: { input: 'JSON', output: 'JSON' }, requests: { lookup: [{ id: 'l', config: { method: 'get', url } }] }, ...extra },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    };

    test('lookups to hosts outside WEFT_HTTP_ALLOW_HOSTS get no answer; allowed ones do', async () => {
      await create('allowed', `${allowed.url}/x`);
      await create('denied', `${other.url}/x`);
      assert.equal((await weft.api('/lim/allowed', { method: 'POST', json: {} })).status, 200);
      const denied = await weft.api('/lim/denied', { method: 'POST', json: {} });
      assert.deepEqual([denied.status, denied.body], [400, { error: `No response from lookup 'l'. host '${new URL(other.url).host}' is not in the allowed hosts list` }]);
      assert.equal(other.requests.length, 0);
    });

    test('a lookup that never answers fails after WEFT_HTTP_TIMEOUT_MS', async () => {
      await create('hang', `${allowed.url}/hang`);
      const r = await weft.api('/lim/hang', { method: 'POST', json: {} });
      assert.deepEqual([r.status, r.body], [400, { error: "No response from lookup 'l'. timeout of 300ms exceeded" }]);
    });

    test('a body over WEFT_BODY_LIMIT_BYTES is 413 {"error": …}', async () => {
      const r = await weft.api('/lim/allowed', { method: 'POST', json: { big: 'x'.repeat(4000) } });
      assert.deepEqual([r.status, r.body], [413, { error: 'request body is too large' }]);
    });

    test('JSON+OPENHIM output wraps the reply in a mediator response with orchestrations', async () => {
      await create('openhim', `${allowed.url}/x`, { transformation: { input: 'JSON', output: 'JSON+OPENHIM' } });
      const r = await weft.api('/lim/openhim', { method: 'POST', json: { a: 1 } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-type'), 'application/json+openhim');
      assert.equal(r.body.status, 'Successful');
      assert.equal(r.body.orchestrations.length, 1);
      assert.deepEqual(JSON.parse(r.body.response.body).requestBody, { a: 1 });
    });

    test('every served request emits endpoint:served with its status', async () => {
      const seen = weft.engine.bus.once('endpoint:served', (e) => e.status === 400);
      await weft.api('/lim/denied', { method: 'POST', json: {} });
      const event = await seen;
      assert.equal(event.status, 400);
      assert.match(event.id, /^[0-9a-f]{24}$/);
    });
  });
}
