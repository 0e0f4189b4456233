// npx tsx bench/pg-notify-commits.ts [connections] [seconds]
// Commits per second of PostgreSQL alone (no weft): `connections` clients (default 10, weft's pool)
// each committing one-row UPDATEs on rows of their own as fast as they can, with and without a
// NOTIFY in the transaction (weft sends one with every write's COMMIT, so that every node hears of
// it in commit order). PostgreSQL serializes the commits of notifying transactions: the lock that
// keeps its notification queue in commit order is held until the commit's WAL record is flushed, so
// concurrent commits no longer share an fsync. The ratio of the two rates is the ceiling this puts
// on weft's writes of one change a transaction on PostgreSQL (a flow transition, a process step).
import pg from 'pg';
import { PG_URL } from './lib/paths.js';

const connections = Number(process.argv[2] ?? 10);
const seconds = Number(process.argv[3] ?? 4);
const TABLE = 'weft_bench_notify';

const setup = new pg.Client({ connectionString: PG_URL });
await setup.connect();
await setup.query(`DROP TABLE IF EXISTS ${TABLE}; CREATE TABLE ${TABLE} (id int PRIMARY KEY, n int NOT NULL)`);
await setup.query(`INSERT INTO ${TABLE} SELECT g, 0 FROM generate_series(1, ${connections * 16}) g`);
const clients = await Promise.all(
  Array.from({ length: connections }, async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    return c;
  }),
);

async function rate(notify: boolean): Promise<number> {
  let commits = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    clients.map(async (c, i) => {
      for (let k = 0; Date.now() < end; k = (k + 1) % 16) {
        const id = i * 16 + k + 1;
        await c.query(`BEGIN; UPDATE ${TABLE} SET n = n + 1 WHERE id = ${id};${notify ? ` NOTIFY weft_bench_notify, '${id}';` : ''} COMMIT`);
        commits++;
      }
    }),
  );
  return Math.round(commits / seconds);
}

try {
  console.log(`PostgreSQL commits/s, ${connections} connections, ${seconds} s each, alternating:`);
  for (let round = 1; round <= 3; round++) {
    const plain = await rate(false);
    const notifying = await rate(true);
    console.log(`  round ${round}: without NOTIFY ${plain}, with NOTIFY ${notifying} (${(notifying / plain).toFixed(2)}×)`);
  }
} finally {
  await setup.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await Promise.all([...clients, setup].map((c) => c.end()));
}
