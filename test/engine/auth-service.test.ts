import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/engine/clock.js';
import { CACHE_ENTRIES, createAuthService, remember } from '../../src/engine/auth-service.js';
import { sqliteBackend } from '../helpers/backends.js';
import { freshDatabase, openStore } from '../helpers/weft.js';

test('the key cache is bounded: the oldest entry makes room, a refreshed one moves to the end', () => {
  const cache = new Map<string, number>();
  for (let i = 0; i < CACHE_ENTRIES + 500; i++) remember(cache, `k${i}`, i);
  assert.equal(cache.size, CACHE_ENTRIES);
  assert.equal(cache.has('k0'), false);
  assert.equal(cache.get(`k${CACHE_ENTRIES + 499}`), CACHE_ENTRIES + 499);
  remember(cache, 'k500', -1);
  remember(cache, 'new', 0);
  assert.equal(cache.get('k500'), -1, 'refreshed, so not the oldest');
  assert.equal(cache.has('k501'), false, 'the oldest went');
});

test('many unknown keys are refused, and a known key still works after them', async () => {
  const db = freshDatabase(sqliteBackend);
  const store = await openStore(db);
  try {
    const auth = createAuthService(store, systemClock);
    const { key } = await auth.createKey('known');
    for (let i = 0; i < 200; i++) await assert.rejects(auth.authenticate(`weft_random_${i}`), { status: 403 });
    assert.equal((await auth.authenticate(key)).name, 'known');
  } finally {
    await store.close();
    await db.cleanup();
  }
});

test('a key is generated at a first start only: with every key revoked, a start makes none (the server stays locked)', async () => {
  const db = freshDatabase(sqliteBackend);
  const store = await openStore(db);
  try {
    const auth = createAuthService(store, systemClock);
    const first = await auth.ensureKeys([]);
    assert.match(first ?? '', /^weft_/);
    assert.equal(await auth.ensureKeys([]), null, 'a key exists');
    const [record] = await store.auth.listKeys();
    await auth.authenticate(first!);
    assert.equal(await store.auth.revokeKey(record.id, Date.now()), 1);
    assert.equal(await auth.ensureKeys([]), null, 'revoked is not none');
    assert.equal(await store.auth.countActiveKeys(), 0);
    // Remembered as valid for up to 5 s; forgotten (a socket watch found it revoked), refused at once.
    assert.equal((await auth.authenticate(first!)).id, record.id);
    auth.forget(new Set([record.id]));
    await assert.rejects(auth.authenticate(first!), { status: 403 });
  } finally {
    await store.close();
    await db.cleanup();
  }
});
