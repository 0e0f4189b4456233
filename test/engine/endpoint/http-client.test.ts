import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpClient, hostAllowed } from '../../../src/engine/endpoint/index.js';
import { closedPortUrl, json, startStub, type Stub } from './endpoint-fixtures.js';

let upstream: Stub;
before(async () => {
  upstream = await startStub((req, res) => {
    if (req.path === '/hang') return;
    const redirect = /^\/r(30[12378])$/.exec(req.path);
    if (redirect) {
      res.writeHead(Number(redirect[1]), { location: req.query.get('to') ?? '/target' });
      return res.end('moved');
    }
    if (req.path === '/loop') {
      res.writeHead(302, { location: '/loop' });
      return res.end();
    }
    if (req.path === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('x'.repeat(5000));
    }
    json(res, 200, { method: req.method, body: req.body, header: req.headers['x-h'] ?? null, path: req.path, auth: req.headers.authorization ?? null, type: req.headers['content-type'] ?? null });
  });
});
after(() => upstream.close());

describe('createHttpClient', () => {
  test('sends method, headers and body; returns status, headers and text', async () => {
    const http = createHttpClient();
    try {
      const res = await http({ method: 'post', url: `${upstream.url}/x`, headers: { 'x-h': 'v' }, body: 'payload', timeoutMs: 1000 });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(res.body), { method: 'POST', body: 'payload', header: 'v', path: '/x', auth: null, type: null });
    } finally {
      await http.close();
    }
  });

  test('reuses connections: twenty sequential calls open at most two', async () => {
    const http = createHttpClient();
    const before = upstream.connections;
    try {
      for (let i = 0; i < 20; i++) await http({ method: 'GET', url: `${upstream.url}/n${i}`, headers: {}, timeoutMs: 1000 });
      // undici may open a second socket while the first is still being released after its first answer.
      assert.ok(upstream.connections - before <= 2, `${upstream.connections - before} connections`);
    } finally {
      await http.close();
    }
  });

  test('redirects are followed as axios does: 303 (and 301/302 after a POST) as a GET, 307/308 as they were', async () => {
    const http = createHttpClient();
    const call = async (method: string, path: string, headers: Record<string, string> = {}) =>
      JSON.parse((await http({ method, url: `${upstream.url}${path}`, headers: { 'content-type': 'text/plain', ...headers }, body: method === 'GET' ? undefined : 'payload', timeoutMs: 2000 })).body);
    try {
      assert.deepEqual(await call('GET', '/r302'), { method: 'GET', body: '', header: null, path: '/target', auth: null, type: 'text/plain' });
      for (const code of [301, 302, 303]) assert.deepEqual(await call('POST', `/r${code}`), { method: 'GET', body: '', header: null, path: '/target', auth: null, type: null }, String(code));
      for (const code of [307, 308]) assert.deepEqual(await call('POST', `/r${code}`), { method: 'POST', body: 'payload', header: null, path: '/target', auth: null, type: 'text/plain' }, String(code));
      // Credentials go along on the same host only.
      assert.equal((await call('GET', '/r302', { authorization: 'Bearer s' })).auth, 'Bearer s');
      const elsewhere = `${upstream.url.replace('127.0.0.1', 'localhost')}/target`;
      assert.equal((await call('GET', `/r302?to=${encodeURIComponent(elsewhere)}`, { authorization: 'Bearer s' })).auth, null);
      // A loop ends after 21 redirects with the last answer as it is.
      const before = upstream.requests.length;
      const loop = await http({ method: 'GET', url: `${upstream.url}/loop`, headers: {}, timeoutMs: 2000 });
      assert.equal(loop.status, 302);
      assert.equal(upstream.requests.length - before, 22);
    } finally {
      await http.close();
    }
    // The allowlist holds for every hop.
    const fenced = createHttpClient({ allowHosts: ['127.0.0.1'] });
    try {
      const away = `${upstream.url.replace('127.0.0.1', 'localhost')}/target`;
      await assert.rejects(fenced({ method: 'GET', url: `${upstream.url}/r302?to=${encodeURIComponent(away)}`, headers: {}, timeoutMs: 2000 }), /host 'localhost:\d+' is not in the allowed hosts list/);
    } finally {
      await fenced.close();
    }
  });

  test('times out with the axios wording', async () => {
    const http = createHttpClient();
    try {
      await assert.rejects(http({ method: 'GET', url: `${upstream.url}/hang`, headers: {}, timeoutMs: 100 }), { message: 'timeout of 100ms exceeded' });
    } finally {
      await http.close();
    }
  });

  test('a refused connection names the system error', async () => {
    const http = createHttpClient();
    try {
      await assert.rejects(http({ method: 'GET', url: `${await closedPortUrl()}/x`, headers: {}, timeoutMs: 1000 }), /ECONNREFUSED/);
    } finally {
      await http.close();
    }
  });

  test('hosts outside the allowlist are refused before any connection', async () => {
    const http = createHttpClient({ allowHosts: ['example.org'] });
    const before = upstream.requests.length;
    try {
      await assert.rejects(http({ method: 'GET', url: `${upstream.url}/x`, headers: {}, timeoutMs: 1000 }), /host '127\.0\.0\.1:\d+' is not in the allowed hosts list/);
      assert.equal(upstream.requests.length, before);
    } finally {
      await http.close();
    }
    const allowed = createHttpClient({ allowHosts: ['127.0.0.1'] });
    try {
      assert.equal((await allowed({ method: 'GET', url: `${upstream.url}/x`, headers: {}, timeoutMs: 1000 })).status, 200);
    } finally {
      await allowed.close();
    }
  });

  test('an answer over the size cap fails the call', async () => {
    const http = createHttpClient({ maxResponseBytes: 1000 });
    try {
      await assert.rejects(http({ method: 'GET', url: `${upstream.url}/big`, headers: {}, timeoutMs: 1000 }), /exceeds 1000 bytes/);
    } finally {
      await http.close();
    }
  });
});

describe('hostAllowed', () => {
  test('no list allows everything', () => {
    assert.equal(hostAllowed('http://anything:1/x', undefined), true);
    assert.equal(hostAllowed('http://anything:1/x', []), true);
  });
  test('names, ports and wildcards', () => {
    const list = ['api.example.org', '127.0.0.1:8080', '*.internal.net', '[::1]'];
    assert.equal(hostAllowed('https://API.example.org/x', list), true);
    assert.equal(hostAllowed('https://evil.example.org/x', list), false);
    assert.equal(hostAllowed('http://127.0.0.1:8080/x', list), true);
    assert.equal(hostAllowed('http://127.0.0.1:9090/x', list), false);
    assert.equal(hostAllowed('http://a.b.internal.net/x', list), true);
    assert.equal(hostAllowed('http://internal.net.evil.com/x', list), false);
    assert.equal(hostAllowed('http://[::1]:3000/x', list), true);
    assert.equal(hostAllowed('not a url', list), false);
  });
});
