/**
 * Folds calls made close together into one batched call per key (a workspace).
 *
 * Items for a key wait for the next turn of the event loop; the batch is then run, at most `max`
 * items at a time. This is group commit above the store: N statements become one.
 *
 * `serial`: at most one run per key is in flight, and the next batch gathers while it commits. On
 * PostgreSQL, where a workspace's enqueues take turns on its row lock, that turns N round trips
 * under that lock into one. Where transactions run one at a time in the order issued (SQLite) it
 * would only make a batch wait for the commit (and fsync) of the one before: there every batch runs
 * as soon as it is gathered, and the executor's group commit puts batches together.
 *
 * `run` answers one outcome per item, in order. If it throws, every item of that batch rejects.
 */
export interface Coalescer<I, R> {
  (key: number, item: I): Promise<R>;
  /** Resolves once every item given for the key so far has been handed to `run`. */
  handedOver(key: number): Promise<void>;
}

export function createCoalescer<I, R>(max: number, serial: boolean, run: (key: number, items: I[]) => Promise<R[]>): Coalescer<I, R> {
  interface Waiting {
    item: I;
    resolve: (r: R) => void;
    reject: (err: unknown) => void;
  }
  interface Queue {
    waiting: Waiting[];
    /** Items given, and items handed to run, so far. */
    given: number;
    handed: number;
    /** handedOver() calls waiting for `handed` to reach their count. */
    watchers: Array<{ upTo: number; resolve: () => void }>;
  }
  const queues = new Map<number, Queue>();

  async function runBatch(key: number, batch: Waiting[]) {
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

  function handOver(key: number, q: Queue): Promise<void> {
    const batch = q.waiting.splice(0, max);
    const running = runBatch(key, batch);
    q.handed += batch.length;
    q.watchers = q.watchers.filter((w) => (w.upTo <= q.handed ? void w.resolve() : true));
    return running;
  }

  async function drain(key: number, q: Queue) {
    try {
      while (q.waiting.length > 0) {
        const running = handOver(key, q);
        // A serial queue gathers what arrives while this batch commits.
        if (serial) await running;
      }
    } finally {
      queues.delete(key);
    }
  }

  const coalesce = ((key: number, item: I) =>
    new Promise<R>((resolve, reject) => {
      let q = queues.get(key);
      if (!q) {
        const created: Queue = { waiting: [], given: 0, handed: 0, watchers: [] };
        q = created;
        queues.set(key, created);
        setImmediate(() => void drain(key, created));
      }
      q.waiting.push({ item, resolve, reject });
      q.given++;
    })) as Coalescer<I, R>;
  coalesce.handedOver = (key) => {
    const q = queues.get(key);
    if (!q || q.handed >= q.given) return Promise.resolve();
    const upTo = q.given;
    return new Promise<void>((resolve) => q.watchers.push({ upTo, resolve }));
  };
  return coalesce;
}
