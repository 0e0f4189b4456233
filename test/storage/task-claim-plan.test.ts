import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { postgresBackend, postgresReachable, PG_URL } from '../helpers/backends.js';
import { freshDatabase, openStore } from '../helpers/weft.js';
import { createPgDb, toPgPlaceholders } from '../../src/storage/postgres/pg-db.js';
import { createTaskStore } from '../../src/storage/task-store.js';
import type { SqlDb, SqlParam, SqlRunner } from '../../src/storage/sql-db.js';

// A worker's claim on PostgreSQL, on a tasks table large enough and analysed, must find its rows
// through indexes. The planner cannot see how many rows the claim's LIMIT (a subquery) leaves and
// guesses a tenth of the table: joined to the picked rows, the UPDATE once hash-joined a sequential
// scan of every task (10 ms a claim of 50 with 50,000 tasks, against 0.5). The plan is checked, not
// the time (benchmarks measure time).

type Statement = readonly [string, readonly SqlParam[]];

/** The executor, recording the statements of every transaction. */
function recording(db: SqlDb, seen: Statement[]): SqlDb {
  const wrap = (tx: SqlRunner): SqlRunner => ({
    ...tx,
    query: (sql, params = []) => (seen.push([sql, params]), tx.query(sql, params)),
    exec: (sql, params = []) => (seen.push([sql, params]), tx.exec(sql, params)),
    queryMany: (statements) => (seen.push(...statements), tx.queryMany(statements)),
    finish: (statements) => (seen.push(...statements), tx.finish(statements)),
  });
  return { ...db, transaction: (fn) => db.transaction((tx) => fn(wrap(tx))) };
}

/** Every node of a JSON plan. */
function* planNodes(node: Record<string, unknown>): Generator<Record<string, unknown>> {
  yield node;
  for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) yield* planNodes(child);
}

test('postgres: a claim from an analysed backlog of 50,000 tasks scans no table', async (t) => {
  if (!(await postgresReachable())) return t.skip('PostgreSQL unreachable');
  const database = freshDatabase(postgresBackend);
  const store = await openStore(database);
  const db = await createPgDb({ url: PG_URL, schema: database.pgSchema });
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${database.pgSchema}` });
  await client.connect();
  try {
    await store.auth.createKey({ id: 'k1', hash: 'h1', prefix: 'p1', name: null, now: 1 });
    const ws = (await store.auth.resolveWorkspace('k1', 'a', 1)).pk;
    // A backlog of 50,000 queued tasks, then the statistics autovacuum would gather.
    await client.query(
      `INSERT INTO tasks (ws, id, name, type, status, payload, attempts, max_attempts, run_at, flushed, created_at, updated_at)
       SELECT $1, g, 't' || g, 'bench.noop', 'queued', '{}', 0, 3, g, 0, g, g
       FROM generate_series(1, 50000) g`,
      [ws],
    );
    await client.query('ANALYZE tasks');

    const seen: Statement[] = [];
    const tasks = createTaskStore(recording(db, seen), 'node-a');
    const claimed = await tasks.claim({
      ws, types: ['bench.noop'], max: 50, cap: 100_000, runner: 'external', owner: 'node-a', workerId: 'w',
      leaseExpiresAt: 1e13, now: 1e12, newToken: () => 'token',
    });
    assert.equal(claimed.length, 50);
    const claim = seen.find(([sql]) => /UPDATE tasks SET status = 'running'/.test(sql));
    assert.ok(claim, `the claim's statement was not seen among ${seen.length}`);

    // The plan of the same statement with the same parameters (EXPLAIN does not run it).
    const [{ 'QUERY PLAN': [plan] }] = (await client.query(`EXPLAIN (FORMAT JSON) ${toPgPlaceholders(claim[0])}`, claim[1] as unknown[])).rows;
    const scans = [...planNodes(plan.Plan)].filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name']);
    assert.deepEqual(scans, [], JSON.stringify(plan.Plan));
  } finally {
    await client.end();
    await db.close();
    await store.close();
    await database.cleanup();
  }
});
