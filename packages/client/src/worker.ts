import { Emitter } from './emitter.js';
import { WeftError } from './errors.js';
import { backoffDelay, sleep } from './backoff.js';
import { AckBatcher, type TrailingClaim } from './worker-acks.js';
import { createHttpTransport, createSocketTransport, type AckOp, type AckResult, type WorkerTransport } from './worker-transport.js';
import { describeError, leaseMsOf } from './worker-task.js';
import { isKeyRefusal } from './socket-refusal.js';
import type { WeftClient } from './client.js';
import type { ClaimedTask, Task } from './api-types.js';
import { newRequestId } from './ids.js';

// createWorker: claims tasks of the given types, runs the handler on each (at most `concurrency` at once),
// heartbeats while it runs, completes or fails it, and on stop() returns unfinished tasks to the queue.

export type WorkerTask<P> = Omit<ClaimedTask, 'payload'> & { payload: P };

export interface TaskContext {
  /** Aborted when the task's lease is lost (another worker may be running it) or the worker stops without finishing it. */
  signal: AbortSignal;
  /** Extends the lease now (heartbeats are automatic; call this after a long synchronous stretch). */
  heartbeat(): Promise<void>;
  /** 1 on the first attempt. */
  attempt: number;
}

export interface WorkerOptions<P, R> {
  client: WeftClient;
  types: string[];
  handler(task: WorkerTask<P>, ctx: TaskContext): R | Promise<R>;
  /** Default 10 handlers at once; claims ask for as many tasks as there are free slots. */
  concurrency?: number;
  /** Default 'auto': /ws/workers, falling back to long-poll HTTP when the socket cannot be opened but the server answers. */
  transport?: 'auto' | 'ws' | 'http';
  /** Default 3000 ms: how long one claim waits for work. stop() waits for the claim in progress (its tasks are released, not left leased), so it is kept short. */
  waitMs?: number;
  /** Default a third of the lease (measured on the first claim). */
  heartbeatIntervalMs?: number;
  /** Default 10000 ms: how long stop() lets running handlers finish before releasing their tasks. */
  graceMs?: number;
  /**
   * Default 5000 ms: how long stop(), after the grace, waits for the releases and the acknowledgements
   * still on their way to be answered. Past it (the server is unreachable) stop() resolves anyway: a task
   * not released goes back to the queue when its lease expires.
   */
  releaseTimeoutMs?: number;
  /** Default false: stop() on SIGTERM and SIGINT (Node). */
  handleSignals?: boolean;
  /** Default a random id; shown as the task's `worker`. */
  workerId?: string;
  /** Default true. */
  autostart?: boolean;
}

export interface WorkerEvents<P, R> {
  'task:started': { task: WorkerTask<P> };
  'task:completed': { task: Task; result: R };
  'task:failed': { task: Task; error: unknown; retryable: boolean; willRetry: boolean };
  'task:released': { task: WorkerTask<P> };
  error: { error: Error; task?: WorkerTask<P> };
  /** `error`: why the worker stopped by itself (the server refused the key: 401/403). */
  stopped: { error?: WeftError };
}

interface Running<P> {
  task: WorkerTask<P>;
  abort: AbortController;
  heartbeats: ReturnType<typeof setInterval> | undefined;
  leaseMs: number;
  /** Local time by which the lease runs out unless a heartbeat extends it. */
  deadline: number;
  beating: boolean;
  /** Released on stop or lost: whatever the handler returns is not reported. */
  abandoned: boolean;
  /** Settles when the handler has; its outcome is then on its way (the grace does not wait for the answer). */
  done: Promise<void>;
}

export class Worker<P = unknown, R = unknown> extends Emitter<WorkerEvents<P, R>> {
  readonly id: string;
  private transport: WorkerTransport;
  private readonly acks: AckBatcher;
  private readonly active = new Map<number, Running<P>>();
  private readonly concurrency: number;
  private readonly waitMs: number;
  private readonly graceMs: number;
  private readonly releaseTimeoutMs: number;
  /** Aborted by stop(): ends the loop's waits (a backoff, a socket that is down). */
  private readonly halt = new AbortController();
  private started = false;
  private stopping = false;
  private stopPromise: Promise<void> | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private slotWaiters: (() => void)[] = [];
  /** Slots promised to claims on their way (the loop's own, or one riding on a batch). */
  private reserved = 0;
  /** Whether the last claim that rode on a batch got all it asked for: more work is likely waiting. */
  private trailingFull = true;
  private probing = false;
  /** Socket attempts numbered above this started after the server answered over HTTP (see maybeFallBack). */
  private answeredAfter = Infinity;
  private removeSignals: (() => void) | null = null;
  /** The refusal the worker stopped on by itself. */
  private refusal: WeftError | null = null;

  constructor(private readonly opts: WorkerOptions<P, R>) {
    super();
    if (!opts.types?.length) throw new TypeError('createWorker: types must list at least one task type');
    this.id = opts.workerId ?? `worker-${newRequestId().slice(0, 8)}`;
    // Default 10: claims of many tasks at once pay off (DESIGN "Where the time goes").
    this.concurrency = Math.max(1, opts.concurrency ?? 10);
    this.waitMs = Math.min(30_000, Math.max(0, opts.waitMs ?? 3000));
    this.graceMs = opts.graceMs ?? 10_000;
    this.releaseTimeoutMs = opts.releaseTimeoutMs ?? 5000;
    this.transport = this.makeTransport(opts.transport ?? 'auto');
    this.acks = new AckBatcher(
      () => this.transport,
      () => this.trailingClaim(),
    );
    if (opts.autostart !== false) this.start();
  }

  /** Tasks whose handler is running now. */
  get running(): number {
    return this.active.size;
  }

  get transportKind(): 'ws' | 'http' {
    return this.transport.kind;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.opts.handleSignals) this.installSignals();
    this.loopDone = this.loop();
  }

  /**
   * Stops claiming, lets running handlers finish within graceMs, releases the rest; resolves when all is
   * acknowledged, or releaseTimeoutMs after the grace when the server does not answer.
   */
  stop(opts: { graceMs?: number } = {}): Promise<void> {
    this.stopPromise ??= this.shutdown(opts.graceMs ?? this.graceMs);
    return this.stopPromise;
  }

  private makeTransport(kind: 'auto' | 'ws' | 'http'): WorkerTransport {
    if (kind === 'http') return createHttpTransport(this.opts.client);
    const socket = createSocketTransport(this.opts.client, {
      onError: (error) => {
        if (isKeyRefusal(error)) this.refused(error);
        else if (!this.stopping && this.transport.kind === 'ws') this.emit('error', { error });
      },
      onOpen: () => (this.answeredAfter = Infinity),
      onConnectFailed: kind === 'auto' ? ({ seq }) => void this.maybeFallBack(seq, () => socket.rpc.attemptsStarted) : undefined,
    });
    return socket;
  }

  /**
   * A socket attempt failed. A server that is down (or still starting) refuses it too, and that is no
   * reason to leave the socket for good: the worker works over HTTP instead only when an attempt that
   * started after the server answered over HTTP failed as well.
   */
  private async maybeFallBack(seq: number, attemptsStarted: () => number) {
    if (this.transport.kind !== 'ws' || this.stopping) return;
    if (seq > this.answeredAfter) {
      const ws = this.transport;
      this.transport = createHttpTransport(this.opts.client);
      await ws.close();
      return;
    }
    if (this.probing) return;
    this.probing = true;
    try {
      // Sent once: its answer says whether the server is up now, not within the next retries.
      await this.opts.client.ping({ retry: false });
      this.answeredAfter = Math.min(this.answeredAfter, attemptsStarted());
    } catch {
      // No answer (or the key refused, which the socket reports itself): stay on the socket.
    } finally {
      this.probing = false;
    }
  }

  private async loop() {
    let failures = 0;
    while (!this.stopping) {
      const free = this.concurrency - this.active.size - this.reserved;
      // PERF: while acknowledgements are on their way over the socket, the next claim rides on their
      // batch (one round trip to finish work and fetch more); the loop claims on its own when that
      // found the queue short, or when nothing is being acknowledged.
      const claimRides = this.transport.kind === 'ws' && this.trailingFull && this.acks.busy;
      if (free <= 0 || claimRides) {
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        continue;
      }
      const transport = this.transport;
      const max = Math.min(free, 100);
      let tasks: ClaimedTask[];
      this.reserved += max;
      try {
        // The server takes at most 100 per claim.
        tasks = await transport.claim({ types: this.opts.types, max, wait_ms: this.waitMs, worker_id: this.id }, this.halt.signal);
        failures = 0;
      } catch (err) {
        if (isKeyRefusal(err)) this.refused(err);
        if (this.stopping) break;
        // A claim cut off by a dropped socket is tried again once the socket is back (claim waits for it).
        if ((err as WeftError)?.code === 'WEFT_CLIENT_DISCONNECTED') continue;
        if (transport === this.transport) this.emit('error', { error: err as Error });
        await sleep(backoffDelay(failures++, { maxMs: 5000 }), this.halt.signal).catch(() => undefined);
        continue;
      } finally {
        this.reserved -= max;
      }
      this.trailingFull = true;
      this.take(tasks);
    }
  }

  /** The claim the next acknowledgement batch carries: every free slot, not waiting for work. */
  private trailingClaim(): TrailingClaim | null {
    const free = this.concurrency - this.active.size - this.reserved;
    if (this.stopping || free <= 0 || this.transport.kind !== 'ws') return null;
    const max = Math.min(free, 100);
    this.reserved += max;
    return {
      input: { types: this.opts.types, max, wait_ms: 0, worker_id: this.id },
      done: (tasks) => {
        this.reserved -= max;
        this.trailingFull = tasks !== null && tasks.length === max;
        if (tasks) this.take(tasks);
        this.wakeLoop();
      },
    };
  }

  private take(tasks: ClaimedTask[]) {
    for (const t of tasks as WorkerTask<P>[]) {
      if (this.stopping) void this.release(t);
      else this.run(t);
    }
  }

  private wakeLoop() {
    const w = this.slotWaiters;
    this.slotWaiters = [];
    for (const f of w) f();
  }

  private run(task: WorkerTask<P>) {
    const leaseMs = leaseMsOf(task);
    const entry: Running<P> = { task, abort: new AbortController(), heartbeats: undefined, leaseMs, deadline: Date.now() + leaseMs, beating: false, abandoned: false, done: Promise.resolve() };
    this.active.set(task.id, entry);
    const interval = this.opts.heartbeatIntervalMs ?? Math.max(20, Math.floor(leaseMs / 3));
    entry.heartbeats = setInterval(() => void this.beat(entry), interval);
    this.emit('task:started', { task });
    const ctx: TaskContext = { signal: entry.abort.signal, heartbeat: () => this.beat(entry, true), attempt: task.attempts };
    entry.done = (async () => {
      let outcome: { ok: true; result: R } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, result: await this.opts.handler(task, ctx) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      clearInterval(entry.heartbeats);
      this.active.delete(task.id);
      this.wakeLoop();
      if (!entry.abandoned) void this.report(entry, outcome);
    })();
  }

  private async beat(entry: Running<P>, explicit = false): Promise<void> {
    if (entry.abandoned) return;
    if (Date.now() > entry.deadline) return this.lose(entry, 'the lease ran out before a heartbeat got through');
    if (entry.beating && !explicit) return;
    entry.beating = true;
    const sentAt = Date.now();
    try {
      const r = await this.acks.send({ action: 'heartbeat', data: { id: entry.task.id, lease: entry.task.lease } });
      if (r.status === 200) entry.deadline = Math.max(entry.deadline, sentAt + entry.leaseMs);
      else if (r.status === 404 || r.status === 409) this.lose(entry, r.errors[0]?.message ?? 'lease lost');
      else if (isKeyRefusal(ackError(r))) this.refused(ackError(r));
    } catch (err) {
      this.emit('error', { error: err as Error, task: entry.task });
    } finally {
      entry.beating = false;
    }
  }

  private lose(entry: Running<P>, message: string) {
    if (entry.abandoned) return;
    const error = new WeftError({ status: 409, code: 'WEFT_TASK_LEASE_LOST', message: `task ${entry.task.id}: ${message}` });
    this.abandon(entry, error);
    this.emit('error', { error, task: entry.task });
  }

  /** Nothing more is sent for the task (a handler that ignores its signal no longer holds timers either). */
  private abandon(entry: Running<P>, reason: WeftError) {
    entry.abandoned = true;
    clearInterval(entry.heartbeats);
    entry.abort.abort(reason);
  }

  private async report(entry: Running<P>, outcome: { ok: true; result: R } | { ok: false; error: unknown }) {
    const { task } = entry;
    let op: AckOp;
    let r: AckResult & { resent: boolean };
    let retryable = true;
    let serverTask: Task | null = null;
    try {
      if (outcome.ok && !isJson(outcome.result)) {
        // One result that cannot be sent must not sink the batch it would travel in.
        outcome = { ok: false, error: new TypeError('the handler returned a value that is not JSON-serialisable') };
      }
      if (outcome.ok) {
        op = { action: 'complete', data: { id: task.id, lease: task.lease, result: outcome.result === undefined ? null : outcome.result } };
      } else {
        retryable = (outcome.error as { retryable?: unknown })?.retryable !== false;
        op = { action: 'fail', data: { id: task.id, lease: task.lease, error: describeError(outcome.error), retryable } };
      }
      r = await this.acks.send(op);
      if (r.status === 200) serverTask = r.data?.task ?? null;
      // Sent again after a reconnect and refused as no longer running: the first one may have got
      // through, or the lease ran out meanwhile (the server queued the task again or failed it, or
      // another worker completed it). The task tells. (WEFT_TASK_LEASE_LOST: another claim holds it.)
      else if (r.resent && r.errors[0]?.code === 'WEFT_TASK_NOT_RUNNING') serverTask = await this.appliedBefore(task, op);
    } catch (err) {
      this.emit('error', { error: err as Error, task });
      return;
    }
    if (r.status !== 200 && !serverTask) {
      const error = ackError(r);
      if (isKeyRefusal(error)) this.refused(error);
      else this.emit('error', { error, task });
      return;
    }
    serverTask ??= { ...task, status: outcome.ok ? 'completed' : 'failed' } as Task;
    if (outcome.ok) this.emit('task:completed', { task: serverTask, result: outcome.result });
    else this.emit('task:failed', { task: serverTask, error: outcome.error, retryable, willRetry: serverTask.status === 'queued' });
  }

  /**
   * The task as this acknowledgement left it, if the server applied it before: still this claim's (a
   * new claim counts another attempt and starts anew) and finished the way it says. A failure must
   * also carry its error: a lease that ran out fails or queues the task with an error of its own.
   */
  private async appliedBefore(task: WorkerTask<P>, op: AckOp): Promise<Task | null> {
    let now: Task;
    try {
      now = await this.opts.client.tasks.get(task.id);
    } catch {
      return null;
    }
    if (now.attempts !== task.attempts || now.started_at !== task.started_at) return null;
    if (op.action === 'complete') return now.status === 'completed' ? now : null;
    // The server stores the error as the JSON text it was sent (keys in order).
    return (now.status === 'queued' || now.status === 'failed') && JSON.stringify(now.error) === JSON.stringify(op.data.error) ? now : null;
  }

  /** The server refused the key: every claim and acknowledgement would be refused too, so the worker stops. */
  private refused(error: WeftError) {
    if (this.refusal) return;
    this.refusal = error;
    this.emit('error', { error });
    void this.stop();
  }

  private async release(task: WorkerTask<P>) {
    try {
      const r = await this.acks.send({ action: 'release', data: { id: task.id, lease: task.lease } });
      if (r.status === 200) this.emit('task:released', { task });
    } catch (err) {
      this.emit('error', { error: err as Error, task });
    }
  }

  private async shutdown(graceMs: number) {
    this.stopping = true;
    this.removeSignals?.();
    this.wakeLoop();
    const handlers = Promise.all([...this.active.values()].map((e) => e.done));
    const timers: ReturnType<typeof setTimeout>[] = [];
    const within = (p: Promise<unknown>, ms: number) => Promise.race([p, new Promise<void>((resolve) => timers.push(setTimeout(resolve, ms)))]);
    this.halt.abort();
    // The claim in progress comes back within waitMs (its tasks are released, not left under a lease); the
    // unfinished tasks are released after it, so that it cannot claim them again.
    await Promise.all([within(handlers, graceMs), within(this.loopDone, this.waitMs + 2000)]);
    const releases: Promise<void>[] = [];
    for (const entry of this.active.values()) {
      if (entry.abandoned) continue;
      this.abandon(entry, new WeftError({ status: 0, code: 'WEFT_CLIENT_STOPPING', message: 'the worker is stopping; the task goes back to the queue' }));
      releases.push(this.release(entry.task));
    }
    // Bounded: with the server unreachable, releases and acknowledgements would wait for it for ever
    // (the socket resends them after every reconnect). What is not answered by then is given up: those
    // tasks go back to the queue when their leases expire.
    await within(
      Promise.all(releases).then(() => this.acks.idle()),
      this.releaseTimeoutMs,
    );
    for (const t of timers) clearTimeout(t);
    this.acks.close();
    await this.transport.close();
    // Settled by the close: the releases given up have had their `error` events.
    await Promise.all(releases);
    this.emit('stopped', this.refusal ? { error: this.refusal } : {});
  }

  private installSignals() {
    const proc = (globalThis as { process?: { once(s: string, f: () => void): void; off(s: string, f: () => void): void } }).process;
    if (!proc?.once) return;
    const onSignal = () => void this.stop();
    proc.once('SIGTERM', onSignal);
    proc.once('SIGINT', onSignal);
    this.removeSignals = () => {
      proc.off('SIGTERM', onSignal);
      proc.off('SIGINT', onSignal);
    };
  }
}

function ackError(r: AckResult): WeftError {
  return new WeftError({ status: r.status, code: r.errors[0]?.code ?? `HTTP_${r.status}`, message: r.errors[0]?.message ?? `status ${r.status}` });
}

function isJson(v: unknown): boolean {
  if (v === undefined || v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return true;
  try {
    JSON.stringify(v);
    return true;
  } catch {
    return false;
  }
}

/** A worker that starts claiming at once (unless autostart is false). */
export function createWorker<P = unknown, R = unknown>(opts: WorkerOptions<P, R>): Worker<P, R> {
  return new Worker<P, R>(opts);
}
