import type { AckOp, AckResult, WorkerTransport } from './worker-transport.js';
import { backoffDelay, sleep } from './backoff.js';

// Coalesces acknowledgements (complete, fail, heartbeat, release) into `batch` frames.
// PERF: while one batch is on its way, new acknowledgements wait and leave together in the next one
// (one round trip per task costs more than a no-op task; DESIGN "Where the time goes").

// Default 1000: the server's limit per batch frame.
const MAX_BATCH = 1000;

interface Queued {
  op: AckOp;
  resolve(r: AckResult & { resent: boolean }): void;
  reject(err: unknown): void;
}

export class AckBatcher {
  private queue: Queued[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly transport: () => WorkerTransport, private readonly maxBatch = MAX_BATCH) {}

  send(op: AckOp): Promise<AckResult & { resent: boolean }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or on its way. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule() {
    if (this.scheduled || this.inFlight > 0) return;
    this.scheduled = true;
    // A macrotask, not a microtask: acknowledgements of handlers finishing in the same tick go together.
    setTimeout(() => {
      this.scheduled = false;
      void this.flush();
    }, 0);
  }

  private async flush() {
    if (this.queue.length === 0) return this.checkIdle();
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight++;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const { results, resent } = await this.transport().acknowledge(batch.map((q) => q.op));
          // Sent before without an answer: a 409 now may mean the first one got through.
          const again = resent || attempt > 0;
          batch.forEach((q, i) => q.resolve({ ...(results[i] ?? { status: 500, errors: [{ code: 'WEFT_CLIENT_BATCH', message: 'no result' }], data: null }), resent: again }));
          break;
        } catch (err) {
          // Network trouble: try again (the server tells a repeated acknowledgement by its 409).
          if (attempt >= 5) {
            for (const q of batch) q.reject(err);
            break;
          }
          await sleep(backoffDelay(attempt));
        }
      }
    } finally {
      this.inFlight--;
    }
    if (this.queue.length > 0) void this.flush();
    else this.checkIdle();
  }

  private checkIdle() {
    if (this.queue.length > 0 || this.inFlight > 0) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }
}
