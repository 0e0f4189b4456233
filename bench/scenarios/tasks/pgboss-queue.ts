import PgBoss from 'pg-boss';
import { packageVersion } from '../../lib/machine.js';
import { PG_URL } from '../../lib/paths.js';
import { sleep, type Samples } from '../../lib/stats.js';
import { openLoop, type QueueSystem } from './queue-system.js';
import { pgDurability } from './pg-info.js';

// Default 1,000 jobs per insert call.
const BULK = 1000;
// Default 100 per fetch, like weft's largest claim.
const MAX_FETCH = 100;

/**
 * pg-boss 10. Throughput: its own fetch(batchSize) / complete(ids) calls in a tight loop over ≥2 lanes
 * (work() sleeps out its polling interval — at least 0.5 s — after every batch, which caps it at
 * about 2 × batchSize jobs/s). Latency: work() as documented, polling every 0.5 s (the minimum).
 */
export function pgbossQueue(): QueueSystem {
  const schema = `pgboss_bench_${process.pid}`;
  let boss: PgBoss | null = null;
  let round = 0;
  let queue = '';

  const system: QueueSystem = {
    name: 'pg-boss (PostgreSQL)',
    version: `pg-boss ${packageVersion('pg-boss')}`,
    durability: '',
    setupNote: `insert() in chunks of ${BULK}; drain by fetch({batchSize}) + complete(ids) loops holding c jobs in all (≤ ${MAX_FETCH} per fetch, ≥ 2 lanes); latency by work() with pollingIntervalSeconds = 0.5 (the minimum)`,
    async setup() {
      boss = new PgBoss({ connectionString: PG_URL, schema, max: 10, supervise: false, schedule: false });
      boss.on('error', () => {});
      await boss.start();
      const d = await pgDurability();
      system.durability = d.durability;
      (system as { version: string }).version = `pg-boss ${packageVersion('pg-boss')}, ${d.version}`;
    },
    async enqueue(n, deadline) {
      queue = `q${++round}`;
      await boss!.createQueue(queue);
      let done = 0;
      for (let i = 0; i < n && Date.now() < deadline; i += BULK) {
        const chunk = Array.from({ length: Math.min(BULK, n - i) }, (_, k) => ({ name: queue, data: { i: i + k } }));
        await boss!.insert(chunk);
        done += chunk.length;
      }
      return done;
    },
    async drain(n, concurrency, deadline) {
      let completed = 0;
      let lastAt = 0;
      const start = performance.now();
      const lanes = Math.max(concurrency >= 2 ? 2 : 1, Math.ceil(concurrency / MAX_FETCH));
      const per = Math.floor(concurrency / lanes);
      const lane = async (batchSize: number) => {
        while (completed < n && Date.now() < deadline) {
          const jobs = await boss!.fetch(queue, { batchSize });
          if (jobs.length === 0) {
            await sleep(10);
            continue;
          }
          await boss!.complete(
            queue,
            jobs.map((j) => j.id),
          );
          completed += jobs.length;
          lastAt = performance.now();
        }
      };
      await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i < concurrency % lanes ? per + 1 : per)));
      // Leftovers of a run cut at the deadline; the schema is dropped at teardown.
      await boss!.purgeQueue(queue);
      return { completed, elapsedMs: lastAt - start };
    },
    async latency(rate, durationMs, concurrency, samples: Samples) {
      const name = `lat${++round}`;
      await boss!.createQueue(name);
      const id = await boss!.work<{ i: number }>(name, { batchSize: concurrency, pollingIntervalSeconds: 0.5, includeMetadata: true }, async (jobs) => {
        const now = Date.now();
        for (const j of jobs) samples.add(now - j.createdOn.getTime());
      });
      const count = Math.round((rate * durationMs) / 1000);
      await openLoop(count, rate, (i) => boss!.send(name, { i }));
      const until = Date.now() + 5000;
      while (samples.count < count && Date.now() < until) await sleep(20);
      await boss!.offWork({ id } as never);
      await boss!.purgeQueue(name);
    },
    async teardown() {
      await boss?.stop({ graceful: false, wait: true } as never).catch(() => {});
      const pg = await import('pg');
      const c = new pg.default.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      await c.end();
    },
  };
  return system;
}
