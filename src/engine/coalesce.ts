/**
 * Folds calls made close together into one batched call per key (a workspace).
 *
 * Items for a key wait for the next turn of the event loop; the batch is then run, at most `max`
 * items at a time, and at most one run per key is in flight: while one commits, the next batch
 * gathers. This is group commit above the store — on PostgreSQL, where a workspace's enqueues
 * take turns on its row lock, it turns N round trips under that lock into one; on SQLite it turns
 * N statements into one.
 *
 * `run` answers one outcome per item, in order. If it throws, every item of that batch rejects.
 */
export function createCoalescer<I, R>(max: number, run: (key: number, items: I[]) => Promise<R[]>): (key: number, item: I) => Promise<R> {
  interface Waiting {
    item: I;
    resolve: (r: R) => void;
    reject: (err: unknown) => void;
  }
  const queues = new Map<number, { waiting: Waiting[]; running: boolean }>();

  async function drain(key: number, q: { waiting: Waiting[]; running: boolean }) {
    q.running = true;
    try {
      while (q.waiting.length > 0) {
        const batch = q.waiting.splice(0, max);
        try {
          const out = await run(
            key,
            batch.map((w) => w.item),
          );
          batch.forEach((w, i) => w.resolve(out[i]));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      q.running = false;
      queues.delete(key);
    }
  }

  return (key, item) =>
    new Promise<R>((resolve, reject) => {
      let q = queues.get(key);
      if (!q) {
        q = { waiting: [], running: false };
        queues.set(key, q);
        const started = q;
        setImmediate(() => void drain(key, started));
      }
      q.waiting.push({ item, resolve, reject });
    });
}
