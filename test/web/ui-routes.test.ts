import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { registerUiRoutes } from '../../src/transport/http/ui-routes.js';

// How the dashboard's files are served, without a browser or an engine: over a stand-in build.

async function serve(dist: string) {
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ message: 'not found' }));
  await registerUiRoutes(app, dist);
  await app.ready();
  return app;
}

test('index.html for /ui, /ui/ and deep links (never cached); hashed assets cached for good; missing files 404', async () => {
  const base = mkdtempSync(join(tmpdir(), 'weft-ui-'));
  const dist = join(base, 'dist');
  writeFileSync(join(base, 'secret.txt'), 'top secret');
  try {
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    const app = await serve(dist);
    for (const url of ['/ui', '/ui/', '/ui/w/default/tasks/3', '/ui/w/team-a/flow-instances/8d1c']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.body, /id="root"/, url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
    }
    const js = await app.inject({ url: '/ui/assets/index-abc123.js' });
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /javascript/);
    assert.match(String(js.headers['cache-control']), /immutable/);
    assert.equal((await app.inject({ url: '/ui/assets/gone-999.js' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/ui/favicon.ico' })).statusCode, 404);
    // The wildcard cannot climb out of the build directory.
    for (const url of ['/ui/../secret.txt', '/ui/%2e%2e/secret.txt', '/ui/..%2fsecret.txt', '/ui/assets/../../secret.txt']) {
      const res = await app.inject({ url });
      assert.ok(!res.body.includes('top secret'), url);
    }
    await app.close();
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('/ sends browsers to /ui/ and leaves other clients to the not-found handler (where endpoints are served)', async () => {
  const dist = mkdtempSync(join(tmpdir(), 'weft-ui-'));
  try {
    const app = await serve(dist);
    const browser = await app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    assert.equal(browser.statusCode, 302);
    assert.equal(browser.headers.location, '/ui/');
    const client = await app.inject({ url: '/', headers: { accept: 'application/json' } });
    assert.equal(client.statusCode, 404);
    assert.deepEqual(client.json(), { message: 'not found' });
    const post = await app.inject({ method: 'POST', url: '/', headers: { accept: 'text/html' } });
    assert.equal(post.statusCode, 404);
    // Not built yet: a page that says how to build it, not a blank one.
    const missing = await app.inject({ url: '/ui/' });
    assert.equal(missing.statusCode, 503);
    assert.match(missing.body, /npm run build:web/);
    await app.close();
  } finally {
    rmSync(dist, { recursive: true, force: true });
  }
});
