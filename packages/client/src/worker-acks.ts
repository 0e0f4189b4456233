import type { AckOp, AckResult, WorkerClaim, WorkerTransport } from './worker-transport.js';
import type { ClaimedTask } from './api-types.js';
import { backoffDelay, sleep } from './backoff.js';
import { WeftError } from './errors.js';

// Coalesces acknowledgements (complete, fail, heartbeat, release) into `batch` frames.
// PERF: while one batch is on its way, new acknowledgements wait and leave together in the next one
// (one round trip per task costs more than a no-op task; DESIGN "Where the time goes"). A batch may
// carry the worker's next claim (see `Trailer`): finishing work and fetching more is one round trip.

/** The claim a batch carries after its acknowledgements, asked for when the batch leaves. */
export interface TrailingClaim {
  input: WorkerClaim;
  /** Its tasks; null when it was refused or its frame was lost. */
  done(tasks: ClaimedTask[] | null): void;
}
export type Trailer = () => TrailingClaim | null;

// The next turn of the event loop (after the I/O callbacks of this one): acknowledgements of handlers
// finishing together leave together, without setTimeout's 1 ms floor where setImmediate exists.
const { setImmediate: immediate } = globalThis as { setImmediate?: (f: () => void) => unknown };
const nextTurn: (f: () => void) => void = immediate ? (f) => void immediate(f) : (f) => void setTimeout(f, 0);

// Default 1000: the server's limit per batch frame.
const MAX_BATCH = 1000;

interface Queued {
  op: AckOp;
  resolve(r: AckResult & { resent: boolean }): void;
  reject(err: unknown): void;
}

const closedError = () => new WeftError({ status: 0, code: 'WEFT_CLIENT_CLOSED', message: 'the worker stopped before the acknowledgement got through', retryable: false });

export class AckBatcher {
  private queue: Queued[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  /** Cuts the waits between attempts short once closed. */
  private readonly halt = new AbortController();

  constructor(
    private readonly transport: () => WorkerTransport,
    private readonly trailer: Trailer = () => null,
    private readonly maxBatch = MAX_BATCH,
  ) {}

  /** Acknowledgements are queued or on their way. */
  get busy(): boolean {
    return this.queue.length > 0 || this.inFlight > 0 || this.scheduled;
  }

  send(op: AckOp): Promise<AckResult & { resent: boolean }> {
    if (this.closed) return Promise.reject(closedError());
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

  /** Gives up: what is queued, or waiting to be sent again, is rejected (WEFT_CLIENT_CLOSED); idle() resolves. */
  close(): void {
    this.closed = true;
    this.halt.abort();
    for (const q of this.queue.splice(0)) q.reject(closedError());
    this.checkIdle();
  }

  private schedule() {
    if (this.scheduled || this.inFlight > 0) return;
    this.scheduled = true;
    // A macrotask, not a microtask: acknowledgements of handlers finishing in the same tick go together.
    nextTurn(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush() {
    if (this.queue.length === 0) return this.checkIdle();
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight++;
    try {
      for (let attempt = 0; ; attempt++) {
        // A claim rides only on a first attempt: a frame sent again after a drop carries none.
        const trailing = attempt === 0 ? this.trailer() : null;
        let answer: Awaited<ReturnType<WorkerTransport['acknowledge']>>;
        try {
          answer = await this.transport().acknowledge(
            batch.map((q) => q.op),
            trailing?.input,
          );
        } catch (err) {
          trailing?.done(null);
          // Network trouble, or a transport replaced by the HTTP fallback: try again (the server tells a
          // repeated acknowledgement by its 409), unless the worker gave up on it (closed).
          if (attempt >= 5 || this.closed) {
            for (const q of batch) q.reject(this.closed ? closedError() : err);
            break;
          }
          await sleep(backoffDelay(attempt), this.halt.signal).catch(() => undefined);
          if (!this.closed) continue;
          for (const q of batch) q.reject(closedError());
          break;
        }
        trailing?.done(answer.tasks ?? null);
        // Sent before without an answer: a 409 now may mean the first one got through.
        const again = answer.resent || attempt > 0;
        batch.forEach((q, i) => q.resolve({ ...(answer.results[i] ?? { status: 500, errors: [{ code: 'WEFT_CLIENT_BATCH', message: 'no result' }], data: null }), resent: again }));
        break;
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
