import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { packageVersion } from '../../lib/machine.js';
import { REDIS_HOST, REDIS_PORT } from '../../lib/paths.js';
import type { Samples } from '../../lib/stats.js';
import { openLoop, type QueueSystem } from './queue-system.js';

// Default 1,000 jobs per addBulk call: one round trip and one MULTI per thousand.
const BULK = 1000;

/** BullMQ on Redis as its docs recommend for throughput: addBulk to enqueue, one Worker with `concurrency`. */
export function bullmqQueue(): QueueSystem {
  const connection: ConnectionOptions = { host: REDIS_HOST, port: REDIS_PORT, maxRetriesPerRequest: null };
  let queue: Queue | null = null;
  let round = 0;
  const prefix = `weftbench${process.pid}`;

  const system: QueueSystem = {
    name: 'BullMQ (Redis)',
    version: `bullmq ${packageVersion('bullmq')}`,
    durability: '',
    setupNote: `Queue.addBulk in chunks of ${BULK}; one Worker with concurrency = c (jobs kept after completion, the default)`,
    async setup() {
      const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
      try {
        const info = await redis.info('server');
        const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
        const aof = (await redis.config('GET', 'appendonly')) as string[];
        const fsync = (await redis.config('GET', 'appendfsync')) as string[];
        const save = (await redis.config('GET', 'save')) as string[];
        (system as { version: string }).version = `bullmq ${packageVersion('bullmq')}, redis ${version}`;
        system.durability =
          `Redis appendonly=${aof[1]}, appendfsync=${fsync[1]}, save="${save[1]}"` +
          (aof[1] === 'no' && !save[1] ? ' — no persistence: an acknowledged job is lost if Redis stops (the shared instance, left as configured)' : '');
      } finally {
        redis.disconnect();
      }
    },
    async enqueue(n, deadline) {
      queue = new Queue(`q${++round}`, { connection, prefix });
      let done = 0;
      for (let i = 0; i < n && Date.now() < deadline; i += BULK) {
        const chunk = Array.from({ length: Math.min(BULK, n - i) }, (_, k) => ({ name: 'noop', data: { i: i + k } }));
        await queue.addBulk(chunk);
        done += chunk.length;
      }
      return done;
    },
    async drain(n, concurrency, deadline) {
      let completed = 0;
      let lastAt = 0;
      const start = performance.now();
      const worker = new Worker(queue!.name, async () => null, { connection, prefix, concurrency, autorun: false });
      let timer: NodeJS.Timeout | undefined;
      const done = new Promise<void>((resolve) => {
        worker.on('completed', () => {
          completed++;
          lastAt = performance.now();
          if (completed >= n) resolve();
        });
        timer = setInterval(() => {
          if (Date.now() > deadline) resolve();
        }, 100);
      });
      void worker.run();
      await done;
      clearInterval(timer);
      await worker.close(true);
      await queue!.obliterate({ force: true });
      await queue!.close();
      queue = null;
      return { completed, elapsedMs: lastAt - start };
    },
    async latency(rate, durationMs, concurrency, samples: Samples) {
      const q = new Queue(`lat${++round}`, { connection, prefix });
      const worker = new Worker(
        q.name,
        async (job) => {
          samples.add(Date.now() - job.timestamp);
          return null;
        },
        { connection, prefix, concurrency },
      );
      await worker.waitUntilReady();
      const count = Math.round((rate * durationMs) / 1000);
      await openLoop(count, rate, (i) => q.add('noop', { i }));
      const until = Date.now() + 5000;
      while (samples.count < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await worker.close(true);
      await q.obliterate({ force: true });
      await q.close();
    },
    async teardown() {
      if (queue) {
        await queue.obliterate({ force: true }).catch(() => {});
        await queue.close();
      }
    },
  };
  return system;
}
