import type { Samples } from '../../lib/stats.js';

/** One queue under test: weft on a backend, or a peer. Every method leaves no workers running behind it. */
export interface QueueSystem {
  readonly name: string;
  readonly version: string;
  /** How this system keeps an acknowledged enqueue (filled in by setup). */
  durability: string;
  /** How the system was configured for throughput (docs/benchmarks.md cites these). */
  readonly setupNote: string;
  setup(): Promise<void>;
  /** CPU ms the system's server process has used so far (weft only: the peers' work is spread over Redis or PostgreSQL and the worker library). */
  cpuMs?(): number;
  /**
   * Enqueues n no-op tasks the fastest way the system offers (bulk where it has one); resolves with
   * how many were acknowledged — fewer than n only when the deadline (Date.now() ms) came first.
   */
  enqueue(n: number, deadline: number): Promise<number>;
  /**
   * Starts workers holding at most `concurrency` tasks at once; resolves when n tasks are completed
   * (or at the deadline, Date.now() ms) with the ms from starting the workers to the last acknowledged completion.
   */
  drain(n: number, concurrency: number, deadline: number): Promise<{ completed: number; elapsedMs: number }>;
  /**
   * Workers idle and waiting; tasks added one at a time on a fixed schedule (`rate` per second for
   * `durationMs`); the worker records, per task, the ms from the system's creation time to its start.
   */
  latency(rate: number, durationMs: number, concurrency: number, samples: Samples): Promise<void>;
  teardown(): Promise<void>;
}

/** Sends `count` operations at `rate` per second on a fixed schedule (open loop: a slow reply never delays the next send). */
export async function openLoop(count: number, rate: number, send: (i: number) => Promise<unknown>): Promise<void> {
  const start = performance.now();
  const interval = 1000 / rate;
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(send(i));
  }
  await Promise.all(inflight);
}

/** Runs `fn` over 0..n-1 with at most `window` calls in flight. */
export async function windowed(n: number, window: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(window, n) }, async () => {
    while (next < n) await fn(next++);
  });
  await Promise.all(lanes);
}
