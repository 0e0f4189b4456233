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
