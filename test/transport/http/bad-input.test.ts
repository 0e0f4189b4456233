import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../../helpers/backends.js';
import { useWeft, TEST_KEY } from '../../helpers/weft.js';

for (const backend of await backends()) {
  describe(`bad input and operations on ${backend.name}`, () => {
    const weft = useWeft(backend, { WEFT_BODY_LIMIT_BYTES: '4096', WEFT_WORKER_TYPES: 'ext.job' });

    test('malformed JSON is 400 invalid request body', async () => {
      for (const body of ['{', '{"name": "x",}', 'null', '', '[]', '42']) {
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
