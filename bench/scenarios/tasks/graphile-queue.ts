import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import { packageVersion } from '../../lib/machine.js';
import { PG_URL } from '../../lib/paths.js';
import { sleep, type Samples } from '../../lib/stats.js';
import { openLoop, type QueueSystem } from './queue-system.js';
import { pgDurability } from './pg-info.js';

// Default 1,000 jobs per addJobs call.
const BULK = 1000;
// Default 20 connections at most: the shared PostgreSQL allows 100 and the tests use it too.
const MAX_POOL = 20;

const silent = new Logger(() => () => {});

/**
 * graphile-worker as its performance docs recommend for throughput: addJobs in bulk, `concurrency`
 * workers, the local queue (the pool fetches and locks jobs in batches) and batched completions.
 */
export function graphileQueue(): QueueSystem {
  const schema = `gw_bench_${process.pid}`;
  let utils: WorkerUtils | null = null;
  const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });

  async function start(concurrency: number, onJob: (job: { created_at: Date }) => void): Promise<Runner> {
    return run({
      connectionString: PG_URL,
      schema,
      concurrency,
      maxPoolSize: Math.min(MAX_POOL, Math.max(10, concurrency + 2)),
      noHandleSignals: true,
      // LISTEN/NOTIFY wakes idle workers at once; the poll is only the fallback.
      pollInterval: 1000,
      logger: silent,
      taskList: {
        noop: async (_payload, helpers) => {
          onJob(helpers.job);
        },
      },
      preset: {
        worker: {
          // "A good starting point is often concurrentJobs + 1" (docs, performance#batching); larger for many fast jobs.
          localQueue: { size: Math.max(concurrency + 1, 100) },
          completeJobBatchDelay: 0,
        },
      },
    });
  }

  const remaining = async () => Number((await admin.query(`SELECT count(*)::int AS n FROM "${schema}"._private_jobs`)).rows[0].n);

  const system: QueueSystem = {
    name: 'graphile-worker (PostgreSQL)',
    version: `graphile-worker ${packageVersion('graphile-worker')}`,
    durability: '',
    setupNote: `WorkerUtils.addJobs in chunks of ${BULK}; run() with concurrency = c, localQueue.size = max(c+1, 100), completeJobBatchDelay = 0, pool ≤ ${MAX_POOL}`,
    async setup() {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      utils = await makeWorkerUtils({ connectionString: PG_URL, schema, logger: silent });
      await utils.migrate();
      const d = await pgDurability(admin);
      system.durability = d.durability;
      (system as { version: string }).version = `graphile-worker ${packageVersion('graphile-worker')}, ${d.version}`;
    },
    async enqueue(n, deadline) {
      let done = 0;
      for (let i = 0; i < n && Date.now() < deadline; i += BULK) {
        const jobs = await utils!.addJobs(Array.from({ length: Math.min(BULK, n - i) }, (_, k) => ({ identifier: 'noop', payload: { i: i + k } })));
        done += jobs.length;
      }
      return done;
    },
    async drain(n, concurrency, deadline) {
      let started = 0;
      const t0 = performance.now();
      const runner = await start(concurrency, () => void started++);
      // Completions are written in batches after the task returns: the run ends when the table is empty.
      let left = n;
      while (Date.now() < deadline) {
        if (started >= n) {
          left = await remaining();
          if (left === 0) break;
          await sleep(5);
        } else await sleep(20);
      }
      const elapsedMs = performance.now() - t0;
      if (left !== 0) left = await remaining();
      await runner.stop();
      // Leftovers (a run cut at the deadline) would leak into the next round.
      await admin.query(`DELETE FROM "${schema}"._private_jobs`);
      return { completed: Math.max(0, n - left), elapsedMs };
    },
    async latency(rate, durationMs, concurrency, samples: Samples) {
      const runner = await start(concurrency, (job) => samples.add(Date.now() - job.created_at.getTime()));
      const count = Math.round((rate * durationMs) / 1000);
      await openLoop(count, rate, (i) => utils!.addJob('noop', { i }));
      const until = Date.now() + 5000;
      while (samples.count < count && Date.now() < until) await sleep(20);
      await runner.stop();
    },
    async teardown() {
      await utils?.release();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      await admin.end();
    },
  };
  return system;
}
