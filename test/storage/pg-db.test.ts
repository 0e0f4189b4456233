import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer as createNetServer, connect, type Socket } from 'node:net';
import { createPgDb, mapPgError, packNotes, PREPARED_PER_CONNECTION } from '../../src/storage/postgres/pg-db.js';
import { isWeftError } from '../../src/core/errors.js';
import { migrate, readMigrations } from '../../src/storage/migrator.js';
import { PG_URL, postgresReachable } from '../helpers/backends.js';
import type { SqlDb } from '../../src/storage/sql-db.js';

// The PostgreSQL executor sends a transaction's BEGIN with its first statement, in one
// simple-protocol query; every statement is PREPAREd on its connection and EXECUTEd with its
// parameters as quoted literals: the values must arrive exactly as they would as parameters,
// whatever they hold.

/** fn on an executor over a schema of its own, dropped afterwards. */
async function withFreshSchema(opts: { poolSize?: number }, fn: (db: SqlDb) => Promise<void>) {
  const schema = `weft_pgdb_${randomBytes(4).toString('hex')}`;
  const db = await createPgDb({ url: PG_URL, schema, ...opts });
  try {
    await fn(db);
  } finally {
    await db.exec(`DROP SCHEMA "${schema}" CASCADE`).catch(() => {});
    await db.close();
  }
}

test('postgres: a transaction\'s first statement gets its parameters as literals, unchanged; a failed one rolls back', async (t) => {
  if (!(await postgresReachable())) return t.skip('PostgreSQL unreachable');
  await withFreshSchema({}, async (db) => {
    await db.exec('CREATE TABLE t (id BIGINT PRIMARY KEY, s TEXT, n DOUBLE PRECISION, b BOOLEAN, j TEXT)');
    const nasty = [`O'Reilly`, `back\\slash \\' and '' quotes`, `'); DROP TABLE t; --`, 'ünï©ødé 🙂', '$1 ? $$ dollar $$', ''];
    const inserted = await db.transaction(async (tx) => {
      // The first statement goes with BEGIN; the others on their own.
      const rows = await tx.query<{ id: number; s: string }>('INSERT INTO t (id, s, n, b, j) VALUES (?, ?, ?, ?, ?) RETURNING id, s', [1, nasty[0], 1.5, true, null]);
      for (let i = 1; i < nasty.length; i++) await tx.exec('INSERT INTO t (id, s, n, b, j) VALUES (?, ?, ?, ?, ?)', [i + 1, nasty[i], -i, false, JSON.stringify({ s: nasty[i] })]);
      return rows;
    });
    assert.deepEqual(inserted, [{ id: 1, s: nasty[0] }]);
    for (let i = 0; i < nasty.length; i++) {
      // Each value as the first statement of its own transaction.
      const rows = await db.transaction((tx) => tx.query<{ id: number; s: string; n: number; b: boolean }>('SELECT id, s, n, b FROM t WHERE s = ? AND id = ?', [nasty[i], i + 1]));
      assert.equal(rows.length, 1, `row ${i} found by its text`);
      assert.equal(rows[0].s, nasty[i]);
    }
    const big = await db.transaction((tx) => tx.query<{ x: number; y: string | null }>('SELECT CAST(? AS BIGINT) + 1 AS x, CAST(? AS TEXT) AS y', [1795863650467, null]));
    assert.deepEqual(big, [{ x: 1795863650468, y: null }]);
    assert.equal(await db.transaction((tx) => tx.exec('UPDATE t SET n = n + ? WHERE id IN (?, ?)', [10, 1, 2])), 2);

    // A failing first statement: nothing of the transaction stays, and the connection is usable.
    await assert.rejects(db.transaction((tx) => tx.exec('INSERT INTO t (id, s) VALUES (?, ?)', [1, 'duplicate'])));
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.exec('INSERT INTO t (id, s) VALUES (?, ?)', [100, 'kept?']);
        await tx.exec('INSERT INTO t (id, s) VALUES (?, ?)', [1, 'duplicate']);
      }),
    );
    const count = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM t');
    assert.equal(count[0].n, nasty.length);

    // queryMany: statements in one round trip, first in the transaction or not; each sees the one before.
    const many = await db.transaction(async (tx) => {
      const first = await tx.queryMany([
        ['UPDATE t SET s = ? WHERE id = ?', ['changed', 1]],
        ['SELECT s FROM t WHERE id = ?', [1]],
      ]);
      const later = await tx.queryMany([['SELECT COUNT(*) AS n FROM t WHERE s = ?', ['changed']]]);
      return [...first, ...later];
    });
    assert.deepEqual(many, [[], [{ s: 'changed' }], [{ n: 1 }]]);
    await assert.rejects(
      db.transaction((tx) =>
        tx.queryMany([
          ['UPDATE t SET s = ? WHERE id = ?', ['lost', 1]],
          ['INSERT INTO t (id, s) VALUES (?, ?)', [2, 'duplicate']],
        ]),
      ),
    );
    assert.deepEqual(await db.queryMany([['SELECT s FROM t WHERE id = ?', [1]]]), [[{ s: 'changed' }]]);

    // A transaction that runs no statement still delivers its notifications.
    const heard = new Promise((resolve) => db.onNotify((e, p) => e === 'probe' && resolve(p)));
    await db.transaction(async (tx) => tx.notify('probe', { ok: true }));
    assert.deepEqual(await heard, { ok: true });

    // A transaction's notifications arrive in order, identical ones once, packed into NOTIFYs that
    // stay under PostgreSQL's 8,000-byte limit however many and large they are.
    const got: unknown[] = [];
    const all = new Promise<void>((resolve) =>
      db.onNotify((e, p) => {
        if (e !== 'many') return;
        got.push(p);
        if ((p as { i: number }).i === 39) resolve();
      }),
    );
    const sent = Array.from({ length: 40 }, (_, i) => ({ i, pad: 'x'.repeat(i % 3 === 0 ? 3000 : 10), s: `O'Re\\illy "q" ü` }));
    await db.transaction(async (tx) => {
      await tx.exec('UPDATE t SET n = n WHERE id = ?', [1]);
      for (const p of sent) {
        tx.notify('many', p);
        tx.notify('many', p);
      }
    });
    await all;
    assert.deepEqual(got, sent);
  });
});

test('postgres: finish commits with its statements, so their locks are free before the transaction\'s function returns; nothing runs after it', async (t) => {
  if (!(await postgresReachable())) return t.skip('PostgreSQL unreachable');
  await withFreshSchema({}, async (db) => {
    await db.exec('CREATE TABLE t (id BIGINT PRIMARY KEY, s TEXT)');
    await db.exec('INSERT INTO t (id, s) VALUES (?, ?)', [1, 'before']);
    const heard: unknown[] = [];
    const both = new Promise<void>((resolve) =>
      db.onNotify((e, p) => {
        if (e !== 'fin') return;
        heard.push(p);
        if (heard.length === 2) resolve();
      }),
    );
    const rows = await db.transaction(async (tx) => {
      const [first] = await tx.queryMany([['SELECT s FROM t WHERE id = ?', [1]]]);
      tx.notify('fin', { n: 1 });
      // The row lock the UPDATE takes is released by the COMMIT that travels with it.
      const results = await tx.finish([
        ['UPDATE t SET s = ? WHERE id = ?', ['after', 1]],
        ['SELECT s FROM t WHERE id = ?', [1]],
      ]);
      // Committed: another connection sees the change and takes the row's lock without waiting.
      const elsewhere = await db.transaction((other) => other.query<{ s: string }>('SELECT s FROM t WHERE id = ? FOR UPDATE NOWAIT', [1]));
      assert.deepEqual(elsewhere, [{ s: 'after' }]);
      await assert.rejects(tx.exec('UPDATE t SET s = ? WHERE id = ?', ['too late', 1]), /committed/);
      // A notification after finish is still delivered, after the one that went with the COMMIT.
      tx.notify('fin', { n: 2 });
      return [first, ...results];
    });
    assert.deepEqual(rows, [[{ s: 'before' }], [], [{ s: 'after' }]]);
    await both;
    assert.deepEqual(heard, [{ n: 1 }, { n: 2 }]);
    assert.deepEqual(await db.query('SELECT s FROM t WHERE id = ?', [1]), [{ s: 'after' }]);

    // A statement of finish that fails rolls the whole transaction back; the pool stays usable.
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.exec('UPDATE t SET s = ? WHERE id = ?', ['lost', 1]);
        return tx.finish([['INSERT INTO t (id, s) VALUES (?, ?)', [1, 'duplicate']]]);
      }),
    );
    assert.deepEqual(await db.finish([['SELECT s FROM t WHERE id = ?', [1]]]), [[{ s: 'after' }]]);
  });
});

test('postgres: statements are prepared once per connection, the least recently used deallocated beyond the cap, and forgotten when their query fails', async (t) => {
  if (!(await postgresReachable())) return t.skip('PostgreSQL unreachable');
  // One connection: every statement runs where pg_prepared_statements can see it.
  await withFreshSchema({ poolSize: 1 }, async (db) => {
    const prepared = async () =>
      (await db.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'weft\\_%'")).map((r) => r.statement);
    await db.exec('CREATE TABLE t (id BIGINT PRIMARY KEY, s TEXT, b BOOLEAN, raw BYTEA)');
    const insert = 'INSERT INTO t (id, s, b, raw) VALUES (?, ?, ?, ?)';
    await db.exec(insert, [1, 'one', true, Buffer.from([0, 1, 255])]);
    await db.transaction((tx) => tx.exec(insert, [2, null, false, null]));
    await db.exec(insert, [3, 'three', null, Buffer.alloc(0)]);
    const rows = await db.query<{ id: number; s: string | null; b: boolean | null; raw: Buffer | null }>('SELECT id, s, b, raw FROM t ORDER BY id');
    assert.deepEqual(rows, [
      { id: 1, s: 'one', b: true, raw: Buffer.from([0, 1, 255]) },
      { id: 2, s: null, b: false, raw: null },
      { id: 3, s: 'three', b: null, raw: Buffer.alloc(0) },
    ]);
    // Three runs, in and out of a transaction, one prepared statement; DDL is never prepared.
    let names = await prepared();
    assert.equal(names.filter((s) => s.includes('INSERT INTO t')).length, 1);
    assert.ok(!names.some((s) => /CREATE TABLE/i.test(s)));

    // A query that fails after preparing a statement (PREPARE outlives the rollback): the next
    // query starts afresh, and the statement is prepared again and runs.
    const probe = 'SELECT CAST(? AS BIGINT) * 2 AS twice';
    await assert.rejects(db.transaction((tx) => tx.queryMany([[probe, [1]], [insert, [1, 'duplicate', null, null]]])));
    assert.deepEqual(await db.query(probe, [21]), [{ twice: 42 }]);
    assert.deepEqual(await db.query(probe, [5]), [{ twice: 10 }]);
    assert.equal((await prepared()).filter((s) => s.includes('* 2 AS twice')).length, 1);
    // A statement whose PREPARE fails is not taken for prepared either.
    const later = 'SELECT s FROM later WHERE id = ?';
    await assert.rejects(db.query(later, [1]));
    await db.exec('CREATE TABLE later (id BIGINT PRIMARY KEY, s TEXT)');
    await db.exec('INSERT INTO later (id, s) VALUES (?, ?)', [1, 'now there']);
    assert.deepEqual(await db.query(later, [1]), [{ s: 'now there' }]);

    // Past the cap, the least recently used go: the connection never holds more than the cap.
    const first = 'SELECT s FROM t WHERE id = ?';
    assert.deepEqual(await db.query(first, [1]), [{ s: 'one' }]);
    for (let i = 0; i < PREPARED_PER_CONNECTION + 20; i++) assert.deepEqual(await db.query(`SELECT CAST(? AS BIGINT) + ${i} AS v`, [1]), [{ v: i + 1 }]);
    names = await prepared();
    assert.ok(names.length <= PREPARED_PER_CONNECTION, `${names.length} prepared`);
    assert.ok(!names.some((s) => s.includes('FROM t WHERE id')), 'the least recently used was deallocated');
    assert.ok(names.some((s) => s.includes(`+ ${PREPARED_PER_CONNECTION + 19} AS v`)));
    // An evicted statement is prepared again when it comes back.
    assert.deepEqual(await db.query(first, [3]), [{ s: 'three' }]);
  });
});

test('packNotes: one notification as it is, several as JSON arrays within the NOTIFY size limit', () => {
  const note = (i: number, pad = 0) => JSON.stringify({ e: 'x', p: { i, pad: 'y'.repeat(pad) } });
  assert.deepEqual(packNotes([]), []);
  assert.deepEqual(packNotes([note(1)]), [note(1)]);
  assert.deepEqual(packNotes([note(1), note(2)]), [`[${note(1)},${note(2)}]`]);
  const big = Array.from({ length: 10 }, (_, i) => note(i, 2000));
  const packed = packNotes(big);
  assert.ok(packed.length > 1 && packed.every((p) => Buffer.byteLength(p) < 8000));
  assert.deepEqual(
    packed.flatMap((p) => {
      const v = JSON.parse(p);
      return Array.isArray(v) ? v : [v];
    }),
    big.map((n) => JSON.parse(n)),
  );
});

test('postgres: nodes starting together on a fresh schema create it and migrate it in turns, none failing', async (t) => {
  if (!(await postgresReachable())) return t.skip('PostgreSQL unreachable');
  const schema = `weft_pgdb_${randomBytes(4).toString('hex')}`;
  // Each round: four nodes at once, from the schema's creation on (a lost race was `type
  // "schema_migrations" already exists`, and the node exited).
  const dbs = await Promise.all(Array.from({ length: 4 }, () => createPgDb({ url: PG_URL, schema, poolSize: 2 })));
  try {
    const applied = await Promise.all(dbs.map((db) => migrate(db)));
    const all = readMigrations('postgres').map((m) => m.version);
    // Every migration applied once, by whichever node got there first.
    assert.deepEqual(applied.flat().sort((a, b) => a - b), all);
    assert.deepEqual(await migrate(dbs[0]), []);
  } finally {
    await dbs[0].exec(`DROP SCHEMA "${schema}" CASCADE`).catch(() => {});
    await Promise.all(dbs.map((db) => db.close()));
  }
});

test('mapPgError: a pool with no connection to give in time, or a query with no answer in time, is a 503', () => {
  for (const message of ['timeout exceeded when trying to connect', 'Query read timeout', 'Connection terminated unexpectedly']) {
    const mapped = mapPgError(new Error(message));
    assert.ok(isWeftError(mapped) && mapped.code === 'WEFT_STORE_UNAVAILABLE' && mapped.status === 503, message);
  }
  const other = new Error('duplicate key value violates unique constraint');
  assert.equal(mapPgError(other), other);
});

test('postgres: a connection gone silent fails its query and its transaction with 503 after the query timeout, and is dropped; new connections work', async (t) => {
  if (!(await postgresReachable())) return t.skip('PostgreSQL unreachable');
  // A TCP proxy in front of PostgreSQL that can go silent: connections stay open, bytes are dropped.
  const upstream = new URL(PG_URL);
  let silent = false;
  const sockets = new Set<Socket>();
  const proxy = createNetServer((client) => {
    const server = connect(Number(upstream.port || 5432), upstream.hostname);
    for (const s of [client, server]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => silent || server.write(d));
    server.on('data', (d) => silent || client.write(d));
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = new URL(PG_URL);
  url.hostname = '127.0.0.1';
  url.port = String((proxy.address() as { port: number }).port);
  const schema = `weft_pgdb_${randomBytes(4).toString('hex')}`;
  const db = await createPgDb({ url: url.toString(), schema, poolSize: 2, queryTimeoutMs: 400 });
  try {
    await db.exec('CREATE TABLE t (id integer)');
    silent = true;
    const unavailable = (err: unknown) => isWeftError(err) && err.code === 'WEFT_STORE_UNAVAILABLE' && err.status === 503;
    await assert.rejects(db.query('SELECT 1 AS one'), unavailable);
    await assert.rejects(
      db.transaction(async (tx) => tx.exec('INSERT INTO t (id) VALUES (?)', [1])),
      unavailable,
    );
    // The silent connections were dropped, not put back: the next ones are new, and answer.
    silent = false;
    assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }]);
    await db.transaction(async (tx) => tx.exec('INSERT INTO t (id) VALUES (?)', [2]));
    assert.deepEqual(await db.query('SELECT id FROM t ORDER BY id'), [{ id: 2 }]);
  } finally {
    await db.exec(`DROP SCHEMA "${schema}" CASCADE`).catch(() => {});
    for (const s of sockets) s.destroy();
    proxy.close();
    await db.close();
  }
});
