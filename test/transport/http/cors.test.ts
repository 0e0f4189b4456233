import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sqliteBackend } from '../../helpers/backends.js';
import { freshDatabase, startWeft, TEST_KEY, type RunningWeft, type Database } from '../../helpers/weft.js';
import { compileSettings, SettingsError } from '../../../src/engine/settings.js';

// WEFT_CORS_ORIGINS: pages of the listed origins may call the API from a browser; unset, weft sends
// no CORS headers. The headers do not depend on the database: SQLite only.

const APP = 'http://app.example';

/** A real preflight, as a browser sends it before a cross-origin POST with a key. */
const preflight = (weft: RunningWeft, path: string, origin: string) =>
  fetch(weft.url + path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' },
  });

async function serve(env: Record<string, string>, body: (weft: () => RunningWeft) => void) {
  let db: Database;
  let weft: RunningWeft;
  before(async () => {
    db = freshDatabase(sqliteBackend);
    weft = await startWeft(db, env);
  });
  after(async () => {
    await weft.stop();
    await db.cleanup();
  });
  body(() => weft);
}

describe('CORS with WEFT_CORS_ORIGINS set', () => {
  serve({ WEFT_CORS_ORIGINS: `${APP}, http://other.example:8080` }, (weft) => {
    test('a preflight from a listed origin is answered without a key', async () => {
      const r = await preflight(weft(), '/tasks', APP);
      assert.equal(r.status, 204);
      assert.equal(r.headers.get('access-control-allow-origin'), APP);
      assert.match(r.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.match(r.headers.get('access-control-allow-headers') ?? '', /x-api-key/);
      // The client sends Idempotency-Key on creates and launches that ask for it.
      assert.match(r.headers.get('access-control-allow-headers') ?? '', /idempotency-key/);
      assert.equal(r.headers.get('access-control-max-age'), '600');
      assert.equal(r.headers.get('access-control-allow-credentials'), null);
    });

    test('answers carry the origin, errors too (with their code exposed); other origins get nothing', async () => {
      const ok = await fetch(`${weft().url}/v1/workspaces`, { headers: { origin: APP, 'x-api-key': TEST_KEY } });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('access-control-allow-origin'), APP);
      assert.match(ok.headers.get('vary') ?? '', /origin/i);
      const refused = await fetch(`${weft().url}/v1/workspaces`, { headers: { origin: 'http://other.example:8080', 'x-api-key': 'wrong' } });
      assert.equal(refused.status, 403);
      assert.equal(refused.headers.get('access-control-allow-origin'), 'http://other.example:8080');
      assert.match(refused.headers.get('access-control-expose-headers') ?? '', /weft-error-code/);
      const stranger = await fetch(`${weft().url}/v1/workspaces`, { headers: { origin: 'http://evil.example', 'x-api-key': TEST_KEY } });
      assert.equal(stranger.status, 200, 'CORS is the browser\'s check; the key is the server\'s');
      assert.equal(stranger.headers.get('access-control-allow-origin'), null);
      assert.equal((await preflight(weft(), '/tasks', 'http://evil.example')).headers.get('access-control-allow-origin'), null);
    });
  });
});

describe('CORS with WEFT_CORS_ORIGINS=*', () => {
  serve({ WEFT_CORS_ORIGINS: '*' }, (weft) => {
    test('any origin', async () => {
      const r = await fetch(`${weft().url}/healthz`, { headers: { origin: 'http://anywhere.example' } });
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
      assert.equal((await preflight(weft(), '/v1/workflows', 'http://anywhere.example')).status, 204);
    });
  });
});

describe('CORS unset (the default)', () => {
  serve({}, (weft) => {
    test('no CORS headers, and a preflight is not answered as one', async () => {
      const r = await fetch(`${weft().url}/v1/workspaces`, { headers: { origin: APP, 'x-api-key': TEST_KEY } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('access-control-allow-origin'), null);
      const p = await preflight(weft(), '/tasks', APP);
      assert.notEqual(p.status, 204);
      assert.equal(p.headers.get('access-control-allow-origin'), null);
    });
  });
});

test('WEFT_CORS_ORIGINS takes origins or *, and refuses anything else', () => {
  const origins = (v: string) => compileSettings({}, { WEFT_CORS_ORIGINS: v }).corsOrigins;
  assert.deepEqual(origins('https://app.example.com/, http://127.0.0.1:5173'), ['https://app.example.com', 'http://127.0.0.1:5173']);
  assert.deepEqual(origins('*'), ['*']);
  assert.deepEqual(compileSettings({}, {}).corsOrigins, []);
  for (const bad of ['app.example.com', 'https://app.example.com/path', 'ftp://files.example', 'http://']) {
    assert.throws(() => origins(bad), (e: unknown) => e instanceof SettingsError && /WEFT_CORS_ORIGINS entries are origins/.test((e as Error).message), bad);
  }
});
