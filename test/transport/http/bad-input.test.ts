import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { backends } from '../../helpers/backends.js';
import { useWeft, TEST_KEY } from '../../helpers/weft.js';

for (const backend of await backends()) {
  describe(`bad input and operations on ${backend.name}`, () => {
    const weft = useWeft(backend, { WEFT_BODY_LIMIT_BYTES: '4096', WEFT_WORKER_TYPES: 'ext.job' });

    test('malformed JSON is 400 invalid request body', async () => {
      for (const body of ['{', '{"name": "x",}', 'null', '[]', '42']) {
        const r = await weft.api('/tasks', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.deepEqual(r.body, { message: 'invalid request body' });
        assert.ok(r.headers.get('weft-error-code'));
      }
    });

    test('a wrong content type is a clear 4xx, never a 5xx', async () => {
      for (const [type, body] of [
        ['text/plain', 'name=x'],
        ['application/xml', '<task/>'],
        ['application/octet-stream', 'xx'],
      ]) {
        const r = await weft.api('/tasks', { method: 'POST', body, headers: { 'content-type': type } });
        assert.ok(r.status >= 400 && r.status < 500, `${type}: ${r.status}`);
        assert.equal(typeof r.body.message, 'string');
      }
    });

    test('JSON nested deeper than 512 levels is refused on every route family, with its body style; 500 levels are fine', async () => {
      const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
      const message = 'input nested deeper than 512 levels is not accepted';
      const post = (path: string, body: string, type = 'application/json') => weft.api(path, { method: 'POST', body, headers: { 'content-type': type } });
      const task = await post('/tasks', `{"name":"deep","type":"ext.job","payload":${deep(600)}}`);
      assert.deepEqual([task.status, task.body, task.headers.get('weft-error-code')], [400, { message }, 'WEFT_INPUT_REFUSED']);
      assert.equal((await post('/tasks', `{"name":"deep","type":"ext.job","payload":${deep(500)}}`)).status, 200);
      const flow = await post('/v1/flows', `{"identifier":"deep","name":"d","steps":[{"identifier":"a","name":"a","properties":{"x":${deep(600)}}}],"transitions":[]}`);
      assert.deepEqual([flow.status, flow.body], [400, { message }]);
      const transition = await post('/v1/flow-instances/00000000-0000-4000-8000-000000000000/transitions', `{"transition":"t","input":${deep(600)}}`);
      assert.deepEqual([transition.status, transition.body], [400, { result: 'failure', message, errors: [{ code: 'WEFT_INPUT_REFUSED', message }] }]);
      const launch = await post('/v1/workflows', `{"workflow":"define\\n  alpha","callback":"http://127.0.0.1:9/","fields":{"x":${deep(600)}}}`);
      assert.deepEqual([launch.status, launch.body], [400, { error: message }]);
      const form = await post('/v1/workflows', `workflow=define%0A%20%20alpha&callback=http://127.0.0.1:9/&fields${'[a]'.repeat(600)}=1`, 'application/x-www-form-urlencoded');
      assert.deepEqual([form.status, form.body], [400, { error: message }]);
      const endpoint = await post('/endpoints', `{"name":"deep","endpoint":{"pattern":"/deep"},"transformation":{"input":"JSON","output":"JSON"},"constants":${deep(600)}}`);
      assert.deepEqual([endpoint.status, endpoint.body], [400, { error: `Parsing incoming request body failed: ${message}` }]);
      assert.equal((await post('/endpoints', '{"name":"deep","endpoint":{"pattern":"/deep"},"transformation":{"input":"JSON","output":"JSON"}}')).status, 201);
      const served = await post('/deep', `{"a":${deep(600)}}`);
      assert.deepEqual([served.status, served.body], [400, { error: `Parsing incoming body failed: ${message}` }]);
    });

    test('the character U+0000 is refused in bodies, forms and URLs on both backends; the requests beside it are not affected', async () => {
      const message = 'the character U+0000 is not accepted';
      const post = (path: string, body: string, type = 'application/json') => weft.api(path, { method: 'POST', body, headers: { 'content-type': type } });
      for (const [path, body, type] of [
        ['/tasks', '{"name":"a\\u0000b","type":"ext.job"}'],
        ['/v1/tasks/claim', '{"types":["ext.job"],"worker_id":"w\\u0000"}'],
        ['/v1/flows', '{"identifier":"nul","name":"\\u0000","steps":[{"identifier":"a","name":"a"}],"transitions":[]}'],
        ['/v1/workflows', 'workflow=define%0A%20%20alpha&callback=http://127.0.0.1:9/&fields[a]=%00', 'application/x-www-form-urlencoded'],
      ]) {
        const r = await post(path, body, type);
        assert.equal(r.status, 400, `${path} ${body}`);
        assert.equal(r.headers.get('weft-error-code'), 'WEFT_INPUT_REFUSED');
        assert.equal(r.body.message ?? r.body.error, message);
      }
      for (const path of ['/v1/subjects/a%00b', '/v1/flows/%00', '/v1/flow-instances?subject=%00', '/tasks/%00']) {
        const r = await weft.api(path);
        assert.deepEqual([r.status, r.headers.get('weft-error-code')], [400, 'WEFT_INPUT_REFUSED'], path);
      }
      // An escaped backslash before "u0000" is text, not the character.
      const text = await post('/tasks', '{"name":"a\\\\u0000b","type":"ext.job"}');
      assert.equal(text.status, 200);
      assert.equal(text.body.task.name, 'a\\u0000b');
      // Requests enqueued together with a refused one (one group commit) all land.
      const names = Array.from({ length: 9 }, (_, i) => (i === 4 ? 'bad\\u0000' : `nul-batch-${i}`));
      const answers = await Promise.all(names.map((name) => post('/tasks', `{"name":"${name}","type":"ext.job"}`)));
      assert.deepEqual(
        answers.map((a) => a.status),
        names.map((_, i) => (i === 4 ? 400 : 200)),
      );
      const listed = (await weft.api('/tasks')).body.tasks.map((t: { name: string }) => t.name);
      for (const [i, name] of names.entries()) if (i !== 4) assert.ok(listed.includes(name), name);
    });

    test('a lone UTF-16 surrogate escape is refused as U+0000 is (text columns turned it into U+FFFD, and two values collided on PostgreSQL only)', async () => {
      const post = (path: string, body: string) => weft.api(path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      for (const [path, body] of [
        ['/tasks', '{"name":"\\ud800","type":"ext.job"}'],
        ['/v1/flow-instances', '{"flow":"any","subject":"\\udc00"}'],
        ['/endpoints', '{"name":"\\ud83d","endpoint":{"pattern":"/lone"},"transformation":{"input":"JSON","output":"JSON"}}'],
      ]) {
        const r = await post(path, body);
        assert.equal(r.status, 400, `${path} ${body}`);
        // The endpoints API words it as its other body errors.
        const reason = 'a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape) is not accepted';
        assert.equal(r.body.message ?? r.body.error, path === '/endpoints' ? `Parsing incoming request body failed: ${reason}` : reason);
      }
      // A pair is a character like any other, stored and read back as sent.
      const pair = await post('/tasks', '{"name":"\\ud83d\\ude00","type":"ext.job"}');
      assert.equal(pair.status, 200);
      assert.equal(pair.body.task.name, '😀');
    });

    test('a number beyond the range of a double is refused (JSON.parse read 1e400 as Infinity, stored as null)', async () => {
      const post = (path: string, body: string) => weft.api(path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const reason = 'a number beyond the range of a double (such as 1e400) is not accepted';
      for (const [path, body] of [
        ['/tasks', '{"name":"huge","type":"ext.job","payload":{"n":1e400}}'],
        ['/v1/flow-instances', '{"flow":"any","subject":"s","context":{"n":-1e309}}'],
        ['/endpoints', '{"name":"huge","endpoint":{"pattern":"/huge"},"transformation":{"input":"JSON","output":"JSON"},"constants":{"n":1e400}}'],
      ]) {
        const r = await post(path, body);
        assert.equal(r.status, 400, `${path} ${body}`);
        assert.equal(r.body.message ?? r.body.error, path === '/endpoints' ? `Parsing incoming request body failed: ${reason}` : reason);
      }
      // The largest double and a string that looks like a huge number are taken as sent.
      const ok = await post('/tasks', '{"name":"1e500","type":"ext.job","payload":{"n":1.7976931348623157e308}}');
      assert.equal(ok.status, 200);
      assert.deepEqual([ok.body.task.name, ok.body.task.payload.n], ['1e500', 1.7976931348623157e308]);
    });

    test('an empty body sent as JSON is no body: bodyless routes answer as without it', async () => {
      const t = await weft.api('/tasks', { method: 'POST', json: { name: 'gone', type: 'ext.job' } });
      const headers = { 'content-type': 'application/json' };
      assert.equal((await weft.api(`/tasks/${t.body.task.id}`, { method: 'DELETE', headers })).status, 204);
      assert.equal((await weft.api('/tasks/flush', { method: 'POST', headers })).status, 204);
      // A route that needs a body still says so.
      const r = await weft.api('/tasks', { method: 'POST', headers, body: '' });
      assert.deepEqual([r.status, r.body], [400, { message: 'invalid request body' }]);
    });

    test('a form-encoded or text body is 415 where a route reads JSON only (the workflows API takes forms)', async () => {
      for (const [path, type, body] of [
        ['/tasks', 'application/x-www-form-urlencoded', 'name=x&type=ext.job'],
        // What curl -d sends without a JSON content type.
        ['/tasks', 'application/x-www-form-urlencoded', '{"name":"x","type":"ext.job"}'],
        ['/tasks', 'text/plain', '{"name":"x","type":"ext.job"}'],
        ['/v1/flows', 'application/x-www-form-urlencoded', 'identifier=x'],
      ]) {
        const r = await weft.api(path, { method: 'POST', body, headers: { 'content-type': type } });
        assert.deepEqual([r.status, r.headers.get('weft-error-code'), r.body.message], [415, 'WEFT_UNSUPPORTED_MEDIA_TYPE', `unsupported content type: ${type}`], `${path} ${type}`);
      }
      const form = await weft.api('/v1/workflows', { method: 'POST', body: 'workflow=define%0A%20%20alpha&callback=http://127.0.0.1:9/', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(form.status, 201);
    });

    test('a body over the limit is 413', async () => {
      const r = await weft.api('/tasks', { method: 'POST', json: { name: 'x'.repeat(5000), type: 'ext.job' } });
      assert.equal(r.status, 413);
      assert.equal(r.body.message, 'request body is too large');
    });

    test('unknown routes are 404 JSON', async () => {
      // Under weft's own prefixes: weft's 404.
      for (const [method, path] of [
        ['POST', '/tasks/1/2/3'],
        ['PATCH', '/tasks'],
        ['GET', '/v1/nothing'],
      ]) {
        const r = await weft.api(path, { method });
        assert.equal(r.status, 404, `${method} ${path}`);
        assert.equal(typeof r.body.message, 'string');
      }
      // Anywhere else the path could be an endpoint's: the endpoints contract's 404.
      const r = await weft.api('/nope');
      assert.equal(r.status, 404);
      assert.deepEqual(r.body, { error: 'Unknown Endpoint: /nope' });
    });

    test('requests the HTTP parser refuses (headers too large, not HTTP, no Host, a bad WebSocket handshake, an unknown Expect) are answered with weft\'s code too', async () => {
      const raw = (request: string) =>
        new Promise<string>((resolve, reject) => {
          const { hostname, port } = new URL(weft.url);
          const socket = connect(Number(port), hostname, () => socket.end(request));
          let answer = '';
          socket.on('data', (d) => (answer += d.toString()));
          socket.on('close', () => resolve(answer));
          socket.on('error', reject);
        });
      const big = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      assert.match(big, /^HTTP\/1\.1 431 /);
      assert.match(big, /\r\nweft-error-code: WEFT_HEADERS_TOO_LARGE\r\n/);
      assert.match(big, /\{"message":"the request headers are too large"\}$/);
      const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
      assert.match(garbage, /^HTTP\/1\.1 400 /);
      assert.match(garbage, /\r\nweft-error-code: WEFT_MALFORMED_REQUEST\r\n/);
      assert.equal((await weft.api('/healthz', { key: null })).status, 200);
      // A WebSocket handshake the library refuses, and an expectation other than 100-continue.
      const upgrade = (headers: string) => raw(`GET /ws/tasks HTTP/1.1\r\nHost: x\r\nX-API-Key: ${TEST_KEY}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${headers}\r\n`);
      const badKey = await upgrade('Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n');
      assert.match(badKey, /^HTTP\/1\.1 400 /);
      assert.match(badKey, /\r\nweft-error-code: WEFT_WS_HANDSHAKE_INVALID\r\n/);
      assert.match(badKey, /\{"message":"the WebSocket handshake is not valid: Missing or invalid Sec-WebSocket-Key header"\}$/);
      const badVersion = await upgrade('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n');
      assert.match(badVersion, /\r\nweft-error-code: WEFT_WS_HANDSHAKE_INVALID\r\n/);
      assert.match(badVersion, /\r\nSec-WebSocket-Version: 13, 8\r\n/);
      const noHost = await raw('GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
      assert.match(noHost, /^HTTP\/1\.1 400 /);
      assert.match(noHost, /\r\nweft-error-code: WEFT_MALFORMED_REQUEST\r\n/);
      for (const [path, style] of [['/tasks', 'message'], ['/v1/workflows', 'error']]) {
        const expect = await raw(`GET ${path} HTTP/1.1\r\nHost: x\r\nExpect: bogus\r\nConnection: close\r\n\r\n`);
        assert.match(expect, /^HTTP\/1\.1 417 /, path);
        assert.match(expect, /\r\nweft-error-code: WEFT_EXPECTATION_FAILED\r\n/, path);
        assert.ok(expect.endsWith(JSON.stringify({ [style]: 'the expectation "bogus" cannot be met (only 100-continue)' })), expect);
      }
      assert.equal((await weft.api('/healthz', { key: null })).status, 200);
    });

    test('a URL with a malformed percent-escape is 400 WEFT_URL_INVALID in the body style of its route family', async () => {
      for (const [path, style] of [
        ['/tasks/%E0%A4%A', 'message'],
        ['/v1/flows/%ZZ', 'message'],
        ['/v1/flow-instances/%ZZ/history', 'message'],
        ['/v1/workflows/%ZZ', 'error'],
        ['/endpoints/%ZZ', 'error'],
        ['/greet/%ZZ', 'error'],
      ] as const) {
        const r = await weft.api(path);
        assert.deepEqual([r.status, r.headers.get('weft-error-code')], [400, 'WEFT_URL_INVALID'], path);
        assert.equal(r.body[style], `the URL ${path} is not valid: it has a malformed percent-escape`, path);
      }
    });

    test('absurd ids and huge numbers are 400, and nothing is lost', async () => {
      const t = await weft.api('/tasks', { method: 'POST', json: { name: 'keep', type: 'ext.job' } });
      for (const id of ['9007199254740993', '1e308', 'NaN', 'Infinity', '0x10', '%00', 'null', ' 1']) {
        const r = await weft.api(`/tasks/${encodeURIComponent(id)}`, { method: 'DELETE' });
        assert.equal(r.status, 400, id);
      }
      const big = await weft.api('/tasks', { method: 'POST', json: { name: 'n', type: 'ext.job', max_attempts: 1e308 } });
      assert.equal(big.status, 400);
      const list = (await weft.api('/tasks')).body.tasks;
      assert.ok(list.some((x: { id: number }) => x.id === t.body.task.id));
    });

    test('/healthz needs no key; /metrics is Prometheus text; /openapi.json and /docs describe the API', async () => {
      const h = await weft.api('/healthz', { key: null });
      assert.equal(h.status, 200);
      assert.equal(h.body.status, 'ok');
      const m = await weft.api('/metrics', { key: null });
      assert.equal(m.status, 200);
      assert.match(m.headers.get('content-type') ?? '', /text\/plain/);
      assert.match(m.text, /weft_tasks\{status="queued"\}/);
      const o = await weft.api('/openapi.json', { key: null });
      assert.equal(o.status, 200);
      assert.equal(o.body.openapi, '3.0.3');
      for (const p of ['/tasks', '/tasks/{id}', '/tasks/flush', '/v1/tasks/claim', '/v1/tasks/{id}/complete']) assert.ok(o.body.paths[p], p);
      const d = await fetch(`${weft.url}/docs/`, { redirect: 'follow' });
      assert.equal(d.status, 200);
      assert.match(await d.text(), /swagger/i);
    });

    test('a key in the query string is not required when a header is given; both wrong is still 403', async () => {
      const r = await weft.api(`/tasks?api_key=wrong`, { key: TEST_KEY });
      // The query parameter is read first: a wrong one is a wrong key.
      assert.equal(r.status, 403);
    });
  });
}
