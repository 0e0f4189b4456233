import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readNewest } from '../../web/src/views/flows/newest-page.js';

// The Flows view's search for the newest instances of a list the API orders oldest first and
// does not count (GET /v1/flow-instances?limit&offset), against an in-memory list.

function listOf(n: number) {
  const items = Array.from({ length: n }, (_, i) => i);
  const reads: Array<[number, number]> = [];
  const read = async (offset: number, limit: number) => {
    assert.ok(limit >= 1 && limit <= 1000, `limit ${limit}`);
    assert.ok(Number.isInteger(offset) && offset >= 0, `offset ${offset}`);
    reads.push([offset, limit]);
    return items.slice(offset, offset + limit);
  };
  return { items, reads, read };
}

const expected = (n: number, size: number) => Array.from({ length: Math.min(n, size) }, (_, i) => n - Math.min(n, size) + i);

test('the newest items and the length, whatever the length and the hint', async () => {
  for (const n of [0, 1, 499, 500, 501, 999, 1000, 1001, 1499, 1500, 1501, 2000, 2999, 12_345, 100_000]) {
    for (const hint of [0, n, Math.max(0, n - 3), n + 7, Math.floor(n / 2), 10 * n + 5]) {
      const { read } = listOf(n);
      const got = await readNewest(read, 500, 1000, hint);
      assert.equal(got.total, n, `n ${n} hint ${hint}`);
      assert.deepEqual(got.items, expected(n, 500), `n ${n} hint ${hint}`);
    }
  }
});

test('one request while the length is near the hint; a few dozen for a first look at a long list', async () => {
  const near = listOf(50_000);
  await readNewest(near.read, 500, 1000, 50_000 - 120);
  assert.equal(near.reads.length, 1);
  const small = listOf(800);
  await readNewest(small.read, 500, 1000, 0);
  assert.equal(small.reads.length, 1);
  const first = listOf(1_000_000);
  const got = await readNewest(first.read, 500, 1000, 0);
  assert.equal(got.total, 1_000_000);
  assert.ok(first.reads.length <= 2 * Math.ceil(Math.log2(1000)) + 3, `${first.reads.length} requests`);
});

test('refuses a window not larger than the page', async () => {
  await assert.rejects(readNewest(listOf(3).read, 500, 500), RangeError);
});
