import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteDb } from '../../src/storage/sqlite/sqlite-db.js';

// The SQLite executor's group commit, with synchronous=FULL done as an fsync of the WAL off the
// event loop: callers resolve after their commit is durable, notifications keep commit order.

for (const synchronous of ['FULL', 'NORMAL'] as const) {
  test(`synchronous=${synchronous}: concurrent transactions commit, notify in commit order, and resolve after their notification`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-sqlite-db-'));
    const file = join(dir, 'db.sqlite');
    try {
      const db = createSqliteDb({ filename: file, synchronous });
      await db.exec('CREATE TABLE t (i INTEGER PRIMARY KEY)');
      const events: string[] = [];
      db.onNotify((event, payload) => events.push(`note ${(payload as { i: number }).i}`));
      const work = Array.from({ length: 200 }, (_, i) =>
        db
          .transaction(async (tx) => {
            await tx.exec('INSERT INTO t (i) VALUES (?)', [i]);
            if (i % 50 === 7) throw new Error(`refused ${i}`);
            tx.notify('row', { i });
            return i;
          })
          .then(
            (v) => events.push(`resolved ${v}`),
            (err: Error) => events.push(err.message),
          ),
      );
      // A read issued among them sees a consistent table.
      const counted = db.query<{ n: number }>('SELECT COUNT(*) AS n FROM t');
      await Promise.all(work);
      assert.ok((await counted)[0].n <= 200);
      const kept = Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 50 !== 7);
      assert.deepEqual(
        events.filter((e) => e.startsWith('note')),
        kept.map((i) => `note ${i}`),
      );
      for (const i of kept) assert.ok(events.indexOf(`note ${i}`) < events.indexOf(`resolved ${i}`), `note ${i} before its caller resolves`);
      assert.equal(events.filter((e) => e.startsWith('refused')).length, 4);
      await db.close();

      const again = createSqliteDb({ filename: file, synchronous });
      const rows = await again.query<{ i: number }>('SELECT i FROM t ORDER BY i');
      assert.deepEqual(
        rows.map((r) => r.i),
        kept,
      );
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('queryMany runs statements in order in one transaction, rows for each ([] for one that returns none)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-sqlite-db-'));
  try {
    const db = createSqliteDb({ filename: join(dir, 'db.sqlite'), synchronous: 'NORMAL' });
    await db.exec('CREATE TABLE t (i INTEGER PRIMARY KEY, s TEXT)');
    const out = await db.queryMany([
      ['INSERT INTO t (i, s) VALUES (?, ?)', [1, 'one']],
      ['UPDATE t SET s = ? WHERE i = ? RETURNING i, s', ['uno', 1]],
      ['SELECT COUNT(*) AS n FROM t', []],
    ]);
    assert.deepEqual(out, [[], [{ i: 1, s: 'uno' }], [{ n: 1 }]]);
    await assert.rejects(
      db.queryMany([
        ['INSERT INTO t (i, s) VALUES (?, ?)', [2, 'two']],
        ['INSERT INTO t (i, s) VALUES (?, ?)', [1, 'again']],
      ]),
    );
    assert.deepEqual(await db.query('SELECT i FROM t ORDER BY i'), [{ i: 1 }]);
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
