import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEndpointPipeline, createHttpClient } from '../../../src/engine/endpoint/index.js';
import { closedPortUrl, define, json, memoryState, request, startStub, steppingClock, type Stub } from './endpoint-fixtures.js';

const http = createHttpClient();
const pipeline = createEndpointPipeline({ http, timeoutMs: 2000, clock: steppingClock() });
let upstream: Stub;

before(async () => {
  upstream = await startStub(async (req, res) => {
    if (req.path === '/patient/42') return json(res, 200, { id: '42', name: 'Jane', gender: 'F' }, { 'x-total': '1' });
    if (req.path === '/echo') return json(res, 200, { method: req.method, query: Object.fromEntries(req.query), body: req.body ? JSON.parse(req.body) : null });
    if (req.path.startsWith('/status/')) return json(res, Number(req.path.split('/')[2]), { err: `status ${req.path.split('/')[2]}` });
    if (req.path === '/text') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('plain words');
    }
    if (req.path === '/created') return json(res, 201, { stored: JSON.parse(req.body) }, { 'x-upstream': 'yes' });
    if (req.path === '/hang') return; // never answers
    if (req.path === '/deep') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('['.repeat(100000) + ']'.repeat(100000));
    }
    if (req.path === '/deep-mediator') {
      const body = '{"a":'.repeat(1000) + '1' + '}'.repeat(1000);
      return json(res, 200, { 'x-mediator-urn': 'urn:x', status: 'Successful', response: { status: 200, body }, orchestrations: [] });
    }
    json(res, 404, { err: 'no route' });
  });
});
after(async () => {
  await upstream.close();
  await pipeline.close();
  await http.close();
});

const serve = (def: Parameters<typeof pipeline.serve>[0], req = request(), state = memoryState()) => pipeline.serve(def, req, state.access);
const bodyOf = (reply: { body: string | Buffer }) => JSON.parse(String(reply.body));

describe('parsing and rendering', () => {
  test('JSON in, XML out', async () => {
    const def = define({
      transformation: { input: 'JSON', output: 'XML' },
      inputMapping: { 'requestBody.name': 'patient.name', 'requestBody.ids[]': 'patient.id', 'requestBody.ok': 'patient.active' },
    });
    const reply = await serve(def, request({ json: { name: 'A & B', ids: ['1', '2'], ok: true } }));
    assert.equal(reply.status, 200);
    assert.equal(reply.contentType, 'application/xml');
    assert.equal(
      reply.body,
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<patient>\n  <name>A &amp; B</name>\n  <id>1</id>\n  <id>2</id>\n  <active>true</active>\n</patient>',
    );
  });

  test('a reply XML cannot carry (a name such as 1abc) is a 400 in XML, not malformed XML', async () => {
    const def = define({ transformation: { input: 'JSON', output: 'XML' } });
    const reply = await serve(def, request({ json: { '1abc': 1 } }));
    assert.equal(reply.status, 400);
    assert.equal(reply.body, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<error>The response cannot be written as XML: Invalid character in name: "1abc"</error>');
  });

  test('XML in, JSON out: no root wrapper, trimmed text, no single-element arrays, attributes under $', async () => {
    const def = define({ transformation: { input: 'XML', output: 'JSON' } });
    const xml = '<?xml version="1.0"?>\n<patient id="7">\n  <name>  Jane  </name>\n  <tel>1</tel>\n  <tel>2</tel>\n  <note lang="en">hi &amp; bye</note>\n  <empty/>\n</patient>';
    const reply = await serve(def, request({ rawBody: xml, contentType: 'application/xml' }));
    assert.equal(reply.status, 200);
    assert.equal(reply.contentType, 'application/json');
    assert.deepEqual(bodyOf(reply), { $: { id: '7' }, name: 'Jane', tel: ['1', '2'], note: { _: 'hi & bye', $: { lang: 'en' } }, empty: '' });
  });

  test('the content type must match the input format', async () => {
    const def = define({});
    const reply = await serve(def, request({ rawBody: '<a/>', contentType: 'application/xml' }));
    assert.equal(reply.status, 400);
    assert.deepEqual(bodyOf(reply), { error: 'Supplied input format does not match incoming content-type: Expected json format, but received xml' });
    const xmlDef = define({ transformation: { input: 'XML', output: 'XML' } });
    const xmlReply = await serve(xmlDef, request({ json: { a: 1 } }));
    assert.equal(xmlReply.status, 400);
    assert.match(String(xmlReply.body), /<error>Supplied input format does not match incoming content-type: Expected xml format, but received json<\/error>/);
  });

  test('a body that does not parse, and one over the limit', async () => {
    const reply = await serve(define({}), request({ rawBody: '{bad', contentType: 'application/json' }));
    assert.equal(reply.status, 400);
    assert.match(bodyOf(reply).error, /^Parsing incoming body failed: /);
    const xmlReply = await serve(define({ transformation: { input: 'XML', output: 'JSON' } }), request({ rawBody: '<a><b></a>', contentType: 'text/xml' }));
    assert.equal(xmlReply.status, 400);
    assert.match(bodyOf(xmlReply).error, /^Parsing incoming body failed: /);
    const small = createEndpointPipeline({ http, clock: steppingClock(), maxBodyBytes: 10 });
    const big = await small.serve(define({}), request({ json: { a: 'more than ten bytes' } }), memoryState().access);
    assert.equal(big.status, 413);
  });

  test('GET has no body; without mapping or lookups the reply is empty', async () => {
    const def = define({ endpoint: { pattern: '/test', method: 'GET' }, transformation: { output: 'JSON' } });
    const reply = await serve(def, request({ method: 'GET', rawBody: 'ignored', contentType: 'text/plain' }));
    assert.equal(reply.status, 204);
    assert.equal(reply.body, '');
  });

  test('unknown endpoint', () => {
    const reply = pipeline.notFound({ path: '/nope', headers: {} });
    assert.equal(reply.status, 404);
    assert.deepEqual(bodyOf(reply), { error: 'Unknown Endpoint: /nope' });
  });
});

describe('lookups', () => {
  test('parameters from the body, query, URL parameters, state and constants', async () => {
    const def = define({
      endpoint: { pattern: '/p/:pid' },
      constants: { system: 'sys-1' },
      requests: {
        lookup: [
          {
            id: 'echo',
            config: {
              method: 'get',
              url: `${upstream.url}/echo`,
              params: {
                query: {
                  fromBody: { path: 'payload.patient.code', prefix: 'code:' },
                  fromQuery: { path: 'query.page' },
                  fromUrl: { path: 'urlParams.pid', postfix: '!' },
                  fromState: { path: 'state.query.last' },
                  fromConstants: { path: 'constants.system' },
                  absent: { path: 'payload.nothing' },
                },
              },
            },
          },
          { id: 'patient', config: { method: 'GET', url: `${upstream.url}/patient/:id`, params: { url: { id: { path: 'urlParams.pid' } } } } },
        ],
      },
      inputMapping: {
        'lookupRequests.echo.data.query': 'sent',
        'lookupRequests.patient.data.name': 'name',
        'lookupRequests.patient.headers.x-total': 'total',
      },
    });
    const state = memoryState([{ system: { timestamps: {} as never }, lookupNetworkError: false, query: { last: 'prev' } }]);
    const reply = await serve(def, request({ urlParams: { pid: '42' }, query: { page: '3' }, json: { patient: { code: 'c9' } } }), state);
    assert.equal(reply.status, 200, String(reply.body));
    assert.deepEqual(bodyOf(reply), {
      sent: { fromBody: 'code:c9', fromQuery: '3', fromUrl: '42!', fromState: 'prev', fromConstants: 'sys-1' },
      name: 'Jane',
      total: '1',
    });
  });

  test('without a mapping the reply is the request body with the lookups', async () => {
    const def = define({ requests: { lookup: [{ id: 'p', config: { url: `${upstream.url}/patient/42` } }] } });
    const reply = await serve(def, request({ json: { a: 1 } }));
    const body = bodyOf(reply);
    assert.deepEqual(body.requestBody, { a: 1 });
    assert.deepEqual(body.lookupRequests.p.data, { id: '42', name: 'Jane', gender: 'F' });
    assert.equal(body.lookupRequests.p.headers['x-total'], '1');
  });

  test('forwardExistingRequestBody sends the parsed request body', async () => {
    const def = define({ requests: { lookup: [{ id: 'e', forwardExistingRequestBody: true, config: { method: 'POST', url: `${upstream.url}/echo` } }] }, inputMapping: { 'lookupRequests.e.data': 'echo' } });
    const reply = await serve(def, request({ json: { x: [1, 2] } }));
    assert.deepEqual(bodyOf(reply).echo, { method: 'POST', query: {}, body: { x: [1, 2] } });
  });

  test('forEach runs per item with its concurrency, results in item order', async () => {
    let active = 0;
    let most = 0;
    const slow = await startStub(async (req, res) => {
      active++;
      most = Math.max(most, active);
      await new Promise((r) => setTimeout(r, 30));
      active--;
      json(res, 200, { code: req.path.slice(1) });
    });
    try {
      const def = define({
        requests: {
          lookup: [{ id: 'each', forEach: { items: 'payload.codes', concurrency: 2 }, config: { url: `${slow.url}/:code`, params: { url: { code: { path: 'item.c' } } } } }],
        },
        inputMapping: { 'lookupRequests.each[].data.code': 'codes' },
      });
      const reply = await serve(def, request({ json: { codes: [{ c: 'a' }, { c: 'b' }, { c: 'c' }, { c: 'd' }, { c: 'e' }] } }));
      assert.equal(reply.status, 200, String(reply.body));
      assert.deepEqual(bodyOf(reply).codes, ['a', 'b', 'c', 'd', 'e']);
      assert.equal(slow.requests.length, 5);
      assert.equal(most, 2);
    } finally {
      await slow.close();
    }
  });

  test('forEach items that are not an array → 400', async () => {
    const def = define({ requests: { lookup: [{ id: 'each', forEach: { items: 'payload.codes' }, config: { url: `${upstream.url}/echo` } }] } });
    const reply = await serve(def, request({ json: { codes: 'nope' } }));
    assert.equal(reply.status, 400);
    assert.deepEqual(bodyOf(reply), { error: "forEach.items could not be found at the specified path or the resolved value isn't an array" });
  });

  test('allowedStatuses: listed statuses and ranges pass, others fail with that status', async () => {
    const allowed = define({
      requests: { lookup: [{ id: 'l', allowedStatuses: ['2xx', 404], config: { url: `${upstream.url}/status/404` } }] },
      inputMapping: { 'lookupRequests.l.data.err': 'err' },
    });
    const ok = await serve(allowed, request({ json: {} }));
    assert.equal(ok.status, 200);
    assert.deepEqual(bodyOf(ok), { err: 'status 404' });

    const ranged = define({ requests: { lookup: [{ id: 'l', allowedStatuses: ['4xx'], config: { url: `${upstream.url}/status/409` } }] }, inputMapping: { 'lookupRequests.l.data.err': 'err' } });
    assert.equal((await serve(ranged, request({ json: {} }))).status, 200);

    const refused = define({ requests: { lookup: [{ id: 'l', allowedStatuses: ['2xx', 404], config: { url: `${upstream.url}/status/500` } }] } });
    const failed = await serve(refused, request({ json: {} }));
    assert.equal(failed.status, 500);
    assert.deepEqual(bodyOf(failed), { error: 'Incorrect status code 500. {"err":"status 500"}' });
  });

  test('a fhirResponse lookup answers with the upstream OperationOutcome', async () => {
    const fhir = await startStub((_req, res) => json(res, 422, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] }));
    try {
      const def = define({ requests: { lookup: [{ id: 'f', fhirResponse: true, config: { url: fhir.url } }] } });
      const reply = await serve(def, request({ json: {} }));
      assert.equal(reply.status, 422);
      assert.deepEqual(bodyOf(reply), { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] });
    } finally {
      await fhir.close();
    }
  });

  test('the default is 2xx only', async () => {
    const def = define({ requests: { lookup: [{ id: 'l', config: { url: `${upstream.url}/status/404` } }] } });
    const reply = await serve(def, request({ json: {} }));
    assert.equal(reply.status, 404);
    assert.deepEqual(bodyOf(reply), { error: 'Incorrect status code 404. {"err":"status 404"}' });
  });

  test('no answer: refused, timed out, host not allowed', async () => {
    const dead = await closedPortUrl();
    const refused = await serve(define({ requests: { lookup: [{ id: 'gone', config: { url: `${dead}/x` } }] } }), request({ json: {} }));
    assert.equal(refused.status, 400);
    assert.match(bodyOf(refused).error, /^No response from lookup 'gone'\. .*ECONNREFUSED/);

    const quick = createEndpointPipeline({ http, timeoutMs: 150, clock: steppingClock() });
    const started = Date.now();
    const timedOut = await quick.serve(define({ requests: { lookup: [{ id: 'slow', config: { url: `${upstream.url}/hang` } }] } }), request({ json: {} }), memoryState().access);
    assert.ok(Date.now() - started < 1500, 'the timeout ends the call');
    assert.deepEqual(bodyOf(timedOut), { error: "No response from lookup 'slow'. timeout of 150ms exceeded" });

    const fenced = createEndpointPipeline({ http, allowHosts: ['api.example.org'], clock: steppingClock() });
    const before = upstream.requests.length;
    const blocked = await fenced.serve(define({ requests: { lookup: [{ id: 'l', config: { url: `${upstream.url}/echo` } }] } }), request({ json: {} }), memoryState().access);
    assert.equal(blocked.status, 400);
    assert.match(bodyOf(blocked).error, /^No response from lookup 'l'\. host '127\.0\.0\.1:\d+' is not in the allowed hosts list$/);
    assert.equal(upstream.requests.length, before, 'nothing was sent');
  });
});

test('an answer nested deeper than 512 levels is refused as no answer (it could not be stored or rendered); a mediator body that deep stays text', async () => {
  const deep = await serve(define({ requests: { lookup: [{ id: 'd', config: { url: `${upstream.url}/deep` } }] } }), request({ json: {} }));
  assert.equal(deep.status, 400);
  assert.deepEqual(bodyOf(deep), { error: "No response from lookup 'd'. the answer is JSON nested deeper than 512 levels, which is not accepted" });
  const forwarded = await serve(define({ requests: { response: [{ id: 'r', config: { url: `${upstream.url}/deep`, method: 'post' } }] } }), request({ json: {} }));
  assert.equal(forwarded.status, 500);
  assert.match(String(forwarded.body), /nested deeper than 512 levels/);
  const wrapped = await serve(
    define({ requests: { lookup: [{ id: 'm', config: { url: `${upstream.url}/deep-mediator` } }] }, inputMapping: { 'lookupRequests.m.data.response.body': 'text' } }),
    request({ json: {} }),
  );
  assert.equal(wrapped.status, 200);
  assert.equal(typeof bodyOf(wrapped).text, 'string');
});

describe('parallelism and robustness', () => {
  async function concurrencyStub() {
    const seen = { active: 0, most: 0 };
    const stub = await startStub(async (req, res) => {
      seen.active++;
      seen.most = Math.max(seen.most, seen.active);
      await new Promise((r) => setTimeout(r, 40));
      seen.active--;
      json(res, 200, { at: req.path });
    });
    return { stub, seen };
  }

  test('lookups run in parallel', async () => {
    const { stub, seen } = await concurrencyStub();
    try {
      const def = define({ requests: { lookup: ['a', 'b', 'c'].map((id) => ({ id, config: { url: `${stub.url}/${id}` } })) }, inputMapping: { 'lookupRequests.c.data.at': 'c' } });
      const reply = await serve(def, request({ json: {} }));
      assert.deepEqual(bodyOf(reply), { c: '/c' });
      assert.equal(seen.most, 3);
    } finally {
      await stub.close();
    }
  });

  test('response requests run in parallel', async () => {
    const { stub, seen } = await concurrencyStub();
    try {
      const def = define({ requests: { response: ['a', 'b'].map((id) => ({ id, config: { method: 'post', url: `${stub.url}/${id}` } })) } });
      const reply = await serve(def, request({ json: {} }));
      assert.deepEqual(bodyOf(reply), { a: { at: '/a' }, b: { at: '/b' } });
      assert.equal(seen.most, 2);
    } finally {
      await stub.close();
    }
  });

  test('serve never throws, even for a definition that was never compiled', async () => {
    const broken = { name: 'x', endpoint: { pattern: '/x', method: 'POST' }, transformation: { input: 'JSON', output: 'JSON' } } as never;
    const reply = await pipeline.serve(broken, request({ json: {} }), memoryState().access);
    assert.equal(reply.status, 500);
    assert.ok(bodyOf(reply).error);
  });
});

describe('validation, transforms, mapping', () => {
  test('a validation failure', async () => {
    const def = define({ inputValidation: { type: 'object', properties: { requestBody: { type: 'object', required: ['name'], properties: { age: { type: 'number' } } } } } });
    const reply = await serve(def, request({ json: { age: 'old' } }));
    assert.equal(reply.status, 400);
    assert.deepEqual(bodyOf(reply), { error: "Validation failed: data/requestBody must have required property 'name', data/requestBody/age must be number" });
    const good = await serve(def, request({ json: { name: 'n', age: 3 } }));
    assert.equal(good.status, 200);
  });

  test('validation sees lookups and query too', async () => {
    const def = define({
      requests: { lookup: [{ id: 'p', config: { url: `${upstream.url}/patient/42` } }] },
      inputValidation: { type: 'object', required: ['query', 'lookupRequests'], properties: { lookupRequests: { type: 'object', properties: { p: { type: 'object', properties: { data: { type: 'object', required: ['gender'] } } } } } } },
    });
    assert.equal((await serve(def, request({ query: { q: '1' }, json: {} }))).status, 200);
    const noQuery = await serve(def, request({ json: {} }));
    assert.equal(noQuery.status, 400);
    assert.match(bodyOf(noQuery).error, /must have required property 'query'/);
  });

  test('JSONata transforms become transforms.<key>, in order', async () => {
    const def = define({
      inputTransforms: { total: '$sum(requestBody.items.price)', label: '"n=" & $string(transforms.total)', upper: '$uppercase(requestBody.name)' },
      inputMapping: { 'transforms.total': 'total', 'transforms.label': 'label', 'transforms.upper': 'name' },
    });
    const reply = await serve(def, request({ json: { name: 'ab', items: [{ price: 2 }, { price: 3.5 }] } }));
    assert.deepEqual(bodyOf(reply), { total: 5.5, label: 'n=5.5', name: 'AB' });
  });

  test('a transform error → 500', async () => {
    const def = define({ inputTransforms: { bad: '$error("boom")' } });
    const reply = await serve(def, request({ json: {} }));
    assert.equal(reply.status, 500);
    assert.deepEqual(bodyOf(reply), { error: 'Input transform error: boom' });
  });

  test('a runaway transform is stopped by the transform timeout (1 s by default, not the outbound calls\' 30 s)', async () => {
    const endless = define({ inputTransforms: { spin: '($f := function($n) { $f($n + 1) }; $f(0))' } });
    const stopped = await createEndpointPipeline({ http, timeoutMs: 30000, clock: steppingClock() }).serve(endless, request({ json: {} }), memoryState().access);
    assert.equal(stopped.status, 500);
    assert.match(bodyOf(stopped).error, /^Input transform error: Evaluation timeout after 1000 milliseconds/);
    const quick = createEndpointPipeline({ http, transformTimeoutMs: 150, clock: steppingClock() });
    const def = define({ inputTransforms: { spin: '$sum([1..5000000].($ * 2))' } });
    const started = Date.now();
    const reply = await quick.serve(def, request({ json: {} }), memoryState().access);
    assert.ok(Date.now() - started < 2000);
    assert.equal(reply.status, 500);
    assert.match(bodyOf(reply).error, /^Input transform error: Evaluation timeout after 150 milliseconds/);
  });

  test('a builtin that never checks the timeout ($distinct, $sort, $pad on huge inputs) is stopped, and the node serves on meanwhile', async () => {
    const quick = createEndpointPipeline({ http, transformTimeoutMs: 100, clock: steppingClock() });
    try {
      for (const text of ['$count($distinct([1..1000000]))', '$count($sort([1..2000000]))', '$length($pad("x", 200000000))']) {
        // The event loop stays free: ticks go on while the thread works (on it they stopped for seconds).
        let ticks = 0;
        const ticker = setInterval(() => ticks++, 10);
        const reply = await quick.serve(define({ inputTransforms: { slow: text } }), request({ json: {} }), memoryState().access);
        clearInterval(ticker);
        assert.equal(reply.status, 500, text);
        assert.match(bodyOf(reply).error, /^Input transform error: (Evaluation timeout after 100 milliseconds|the transform ran out of memory)/, text);
        assert.ok(ticks >= 20, `${text}: ${ticks} ticks`);
      }
      // A new thread takes the next transform.
      const next = await quick.serve(define({ inputTransforms: { n: '1 + 1' }, inputMapping: { 'transforms.n': 'n' } }), request({ json: {} }), memoryState().access);
      assert.deepEqual(bodyOf(next), { n: 2 });
    } finally {
      await quick.close();
    }
  });

  test('transforms run over a copy of the data; a function result goes on as nothing', async () => {
    const def = define({
      inputTransforms: { f: 'function($x) { $x }', a: '$merge([requestBody, {"added": 1}])', b: 'transforms.a.added + 1' },
      inputMapping: { 'transforms.a': 'a', 'transforms.b': 'b', 'requestBody': 'body' },
    });
    const reply = await serve(def, request({ json: { k: 'v' } }));
    assert.equal(reply.status, 200, String(reply.body));
    assert.deepEqual(bodyOf(reply), { a: { k: 'v', added: 1 }, b: 2, body: { k: 'v' } });
  });

  test('a closed pipeline refuses transforms', async () => {
    const closing = createEndpointPipeline({ http, clock: steppingClock() });
    await closing.close();
    const reply = await closing.serve(define({ inputTransforms: { n: '1' } }), request({ json: {} }), memoryState().access);
    assert.equal(reply.status, 500);
    assert.deepEqual(bodyOf(reply), { error: 'Input transform error: the server is shutting down' });
  });

  test('every mapping function through the pipeline', async () => {
    const def = define({
      constants: { system: 'S' },
      inputMapping: {
        'requestBody.gender': { key: 'gender', transform: { function: 'mapCodes', parameters: { M: 'male', F: 'female', default: 'unknown' } } },
        'requestBody.other': { key: 'other', transform: { function: 'mapCodes', parameters: { M: 'male', default: 'unknown' } } },
        'requestBody.born': { key: 'birthDate', transform: { function: 'dateTimeToDate' } },
        'requestBody.deceased': { key: 'alive', transform: { function: 'booleanFlip' } },
        'requestBody.flag': { key: 'flag', transform: { function: 'booleanify' } },
        'requestBody.age': { key: 'age', transform: { function: 'numberify' } },
        'requestBody.meta': { key: 'meta', transform: { function: 'stringify' } },
        'requestBody.codes[].c': 'coding[].code',
        'constants.system': { key: 'coding[].system', transform: { function: 'oneToAllElements' } },
        'requestBody.tags': { key: 'tags[]', transform: { function: 'appendArray' } },
        'requestBody.more': { key: 'tags[]', transform: { function: 'appendArray' } },
        'requestBody.extra': { key: 'x', transform: { function: 'passThroughObject' } },
      },
    });
    const reply = await serve(
      def,
      request({
        json: {
          gender: 'F',
          other: 'Q',
          born: '1990-05-06T07:08:09Z',
          deceased: false,
          flag: 'yes',
          age: '42',
          meta: { v: 1 },
          codes: [{ c: 'a' }, { c: 'b' }],
          tags: ['t1'],
          more: ['t2', 't3'],
          extra: { top: 'level' },
        },
      }),
    );
    assert.equal(reply.status, 200, String(reply.body));
    assert.deepEqual(bodyOf(reply), {
      gender: 'female',
      other: 'unknown',
      birthDate: '1990-05-06',
      alive: true,
      flag: true,
      age: 42,
      meta: '{"v":1}',
      coding: [{ code: 'a', system: 'S' }, { code: 'b', system: 'S' }],
      tags: ['t1', 't2', 't3'],
      top: 'level',
    });
  });
});

describe('response requests', () => {
  test('one: its status, headers and body become the reply; it receives the mapped body', async () => {
    const def = define({
      inputMapping: { 'requestBody.n': 'name' },
      requests: { response: [{ id: 'store', config: { method: 'post', url: `${upstream.url}/created`, headers: { 'x-key': 'k' } } }] },
    });
    const reply = await serve(def, request({ json: { n: 'v' } }));
    assert.equal(reply.status, 201);
    assert.equal(reply.headers['x-upstream'], 'yes');
    assert.deepEqual(bodyOf(reply), { stored: { name: 'v' } });
    const sent = upstream.requests.at(-1)!;
    assert.equal(sent.headers['x-key'], 'k');
    assert.equal(sent.headers['content-type'], 'application/json');
  });

  test('one that fails: its error status and body, or 500 {"error": …} when it does not answer', async () => {
    const failing = define({ requests: { response: [{ id: 'r', config: { method: 'post', url: `${upstream.url}/status/503` } }] } });
    const reply = await serve(failing, request({ json: {} }));
    assert.equal(reply.status, 503);
    assert.deepEqual(bodyOf(reply), { err: 'status 503' });
    const dead = await closedPortUrl();
    const gone = await serve(define({ requests: { response: [{ id: 'r', config: { method: 'post', url: `${dead}/x` } }] } }), request({ json: {} }));
    assert.equal(gone.status, 500);
    assert.match(bodyOf(gone).error, /ECONNREFUSED/);
    assert.equal(gone.headers['weft-error-code'], 'WEFT_ENDPOINT_FAILED');
  });

  test('one that times out: 500 with the timeout message', async () => {
    const quick = createEndpointPipeline({ http, timeoutMs: 150, clock: steppingClock() });
    const def = define({ requests: { response: [{ id: 'r', config: { method: 'post', url: `${upstream.url}/hang` } }] } });
    const reply = await quick.serve(def, request({ json: {} }), memoryState().access);
    assert.equal(reply.status, 500);
    assert.deepEqual(bodyOf(reply), { error: 'timeout of 150ms exceeded' });
  });

  test('several: the reply is {<id>: <body>} with failures reported per request', async () => {
    const dead = await closedPortUrl();
    const def = define({
      requests: {
        response: [
          { id: 'a', config: { method: 'post', url: `${upstream.url}/created` } },
          { id: 'b', config: { method: 'get', url: `${upstream.url}/text` } },
          { id: 'c', config: { method: 'post', url: `${upstream.url}/status/500` } },
          { id: 'd', config: { method: 'post', url: `${dead}/x` } },
        ],
      },
    });
    const reply = await serve(def, request({ json: { k: 1 } }));
    assert.equal(reply.status, 200);
    const body = bodyOf(reply);
    assert.deepEqual(body.a, { stored: { k: 1 } });
    assert.equal(body.b, 'plain words');
    assert.deepEqual(body.c, { err: 'status 500' });
    assert.match(body.d, /ECONNREFUSED/);
  });

  test('forEach: each item is sent as the body', async () => {
    const def = define({
      inputMapping: { 'requestBody.people': 'people' },
      requests: { response: [{ id: 'each', forEach: { items: 'responseBody.people', concurrency: 3 }, config: { method: 'post', url: `${upstream.url}/created` } }] },
    });
    const reply = await serve(def, request({ json: { people: [{ n: 1 }, { n: 2 }] } }));
    assert.equal(reply.status, 200);
    assert.deepEqual(bodyOf(reply), { each: [{ stored: { n: 1 } }, { stored: { n: 2 } }] });
  });

  test('response parameters resolve like lookup ones', async () => {
    const def = define({
      endpoint: { pattern: '/x/:id' },
      requests: { response: [{ id: 'r', config: { method: 'put', url: `${upstream.url}/echo`, params: { query: { id: { path: 'urlParams.id' }, n: { path: 'payload.n', prefix: '#' } } } } }] },
    });
    const reply = await serve(def, request({ urlParams: { id: '9' }, json: { n: 5 } }));
    assert.deepEqual(bodyOf(reply), { method: 'PUT', query: { id: '9', n: '#5' }, body: { n: 5 } });
  });
});

describe('OpenHIM mediator responses', () => {
  test('JSON+OPENHIM wraps the reply with one orchestration per lookup and response request', async () => {
    const def = define({
      name: 'wrapped',
      transformation: { input: 'JSON', output: 'JSON+OPENHIM' },
      requests: {
        lookup: [{ id: 'p', config: { url: `${upstream.url}/patient/42` } }],
        response: [
          { id: 'a', config: { method: 'post', url: `${upstream.url}/created` } },
          { id: 'b', config: { method: 'post', url: `${upstream.url}/status/404` } },
        ],
      },
      inputMapping: { 'lookupRequests.p.data.name': 'name' },
    });
    const reply = await serve(def, request({ json: {} }));
    assert.equal(reply.status, 200);
    assert.equal(reply.contentType, 'application/json+openhim');
    const body = bodyOf(reply);
    assert.equal(body['x-mediator-urn'], 'urn:mediator:generic_mapper');
    assert.equal(body.status, 'Completed');
    assert.equal(body.response.status, 200);
    assert.equal(body.response.headers['content-type'], 'application/json');
    assert.equal(typeof body.response.timestamp, 'number');
    assert.deepEqual(JSON.parse(body.response.body), { a: { stored: { name: 'Jane' } }, b: { err: 'status 404' } });
    const names = body.orchestrations.map((o: { name: string }) => o.name).sort();
    assert.deepEqual(names, ['Endpoint Lookup Request: wrapped: p', 'Endpoint Response Request: wrapped: a', 'Endpoint Response Request: wrapped: b']);
    const lookup = body.orchestrations.find((o: { name: string }) => o.name.endsWith(': p'));
    assert.equal(lookup.request.path, '/patient/42');
    assert.equal(lookup.request.method, 'GET');
    assert.equal(lookup.response.status, 200);
  });

  test('an x-openhim-transactionid header wraps too, and is passed on upstream', async () => {
    const def = define({ requests: { lookup: [{ id: 'p', config: { url: `${upstream.url}/patient/42` } }] }, inputValidation: { type: 'object', required: ['nothing'] } });
    const reply = await serve(def, request({ headers: { 'x-openhim-transactionid': 'tx-1' }, json: {} }));
    assert.equal(reply.status, 400);
    assert.equal(reply.contentType, 'application/json+openhim');
    const body = bodyOf(reply);
    assert.equal(body.status, 'Failed');
    assert.equal(body.response.status, 400);
    assert.match(JSON.parse(body.response.body).error, /^Validation failed: /);
    assert.equal(body.orchestrations.length, 1);
    assert.equal(upstream.requests.at(-1)!.headers['x-openhim-transactionid'], 'tx-1');
  });

  test('a lookup answered by another mediator yields its parsed body', async () => {
    const mediator = await startStub((_req, res) =>
      json(res, 200, { 'x-mediator-urn': 'urn:other', status: 'Successful', response: { status: 200, body: '{"inner":true}' }, orchestrations: [{ name: 'theirs' }] }),
    );
    try {
      const def = define({ transformation: { input: 'JSON', output: 'JSON+OPENHIM' }, requests: { lookup: [{ id: 'm', config: { url: mediator.url } }] }, inputMapping: { 'lookupRequests.m.data': 'm' } });
      const body = bodyOf(await serve(def, request({ json: {} })));
      assert.deepEqual(JSON.parse(body.response.body), { m: { inner: true } });
      assert.ok(body.orchestrations.some((o: { name: string }) => o.name === 'theirs'));
    } finally {
      await mediator.close();
    }
  });
});
