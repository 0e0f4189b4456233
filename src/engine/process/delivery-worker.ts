import type { Store } from '../../storage/store.js';
import type { DeliveryRecord, StepDecision, StepOutcome } from '../../storage/process-store.js';
import type { Settings } from '../settings.js';
import type { Clock } from '../clock.js';
import type { EventBus } from '../event-bus.js';
import { createDeliveryHttp, type DeliveryHttp } from './delivery-http.js';
import { webhookKey } from './delivery-signing.js';
import { createPollLoop } from './poll-loop.js';
import { NODE_DEAD_MS } from '../node-liveness.js';

// Sends the participant deliveries of the outbox: claims due rows with a lease, POSTs them outside
// any transaction, records the outcome. Retries follow the schedule; when it is exhausted the
// process gets `delivery_failed` in the transaction that marks the delivery failed.

/** Seconds before retry n (0…10): n^5 + 30 — about 2.6 days in all. */
export const DEFAULT_RETRY_DELAYS: readonly number[] = Object.freeze(Array.from({ length: 11 }, (_, n) => n ** 5 + 30));

// Default 200 ms poll: another node's deliveries are noticed this late at most; this node's wake the loop at once.
const POLL_MS = 200;
// Default 32 a claim, 128 in flight on one node.
const BATCH = 32;
const MAX_IN_FLIGHT = 128;
// Default 256 outcomes a statement: the deliveries answered in one turn of the loop are recorded together.
const RECORD_BATCH = 256;
// The lease outlives one attempt by this margin, so that a slow answer is not sent twice.
const LEASE_MARGIN_MS = 30_000;
// Default 1 s: how often the deliveries of dead nodes (NODE_DEAD_MS without a heartbeat) are taken
// again. With 5 s and 2 s, a dead node's held delivery went out again 4.6–5.7 s after a kill -9;
// issue 6 asks for 5.
const ORPHAN_SWEEP_MS = 1000;

export interface DeliveryWorker {
  start(): void;
  wake(): void;
  /** The lease a step may insert its deliveries under, so that this sender sends them at once; null when not running or already sending its most. */
  lease(now: number): { owner: string; expiresAt: number } | null;
  /** Sends deliveries a committed step inserted under this sender's lease. */
  sendClaimed(deliveries: readonly DeliveryRecord[]): void;
  stop(): Promise<void>;
}

export interface DeliveryWorkerDeps {
  store: Store;
  settings: Settings;
  clock: Clock;
  bus: EventBus;
  onError: (err: unknown) => void;
  /** The step a failed delivery makes in its process. */
  deliveryFailed: (d: DeliveryRecord, error: string, now: number) => StepDecision;
  /** Called after a commit that changed a process. */
  committed: (outcome: StepOutcome) => void;
  http?: DeliveryHttp;
}

export function retryDelayMs(settings: Settings, retry: number): number | null {
  const delays = settings.callbackRetryDelays ?? DEFAULT_RETRY_DELAYS;
  return retry < delays.length ? Math.round(delays[retry] * 1000) : null;
}

export function createDeliveryWorker(deps: DeliveryWorkerDeps): DeliveryWorker {
  const { store, settings, clock, bus, onError } = deps;
  const deliveries = store.processes.deliveries;
  const owner = settings.nodeId;
  const http = deps.http ?? createDeliveryHttp({ timeoutMs: settings.callbackTimeoutMs, signingKey: settings.webhookSecret ? webhookKey(settings.webhookSecret) : null });
  const stopping = new AbortController();
  let running = false;
  const inFlight = new Set<Promise<void>>();
  let lastSweep = 0;
  // Whether the last claim stopped short of what was due (the batch or in-flight limit): a finished send claims again.
  let full = false;
  /**
   * PERF: successful attempts are recorded in one UPDATE per batch (on PostgreSQL one round trip and
   * one commit instead of one each): the first goes at once, those answered while it is written go
   * together next. The UPDATE also says whether another delivery of their workitems waits behind
   * them, so that only then does the sender claim again.
   */
  let recording: Array<{ id: number; now: number; done: (err?: unknown) => void }> = [];
  let writing = false;
  function record(id: number, now: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      recording.push({ id, now, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!writing) void writeRecords();
    });
  }
  async function writeRecords() {
    writing = true;
    while (recording.length > 0) {
      const batch = recording.splice(0, RECORD_BATCH);
      try {
        const out = await deliveries.deliveredMany(
          batch.map((r) => r.id),
          owner,
          Math.max(...batch.map((r) => r.now)),
        );
        if (out.waiting) loop.wake();
        for (const r of batch) r.done();
      } catch (err) {
        for (const r of batch) r.done(err);
      }
    }
    writing = false;
  }

  async function finish(d: DeliveryRecord) {
    let freed = true;
    try {
      freed = await attempt(d);
    } finally {
      if (freed || full) {
        full = false;
        loop.wake();
      }
    }
  }

  /** One attempt and its outcome; true when a delivery of this workitem behind it (a cancel after its active) may be free now. */
  async function attempt(d: DeliveryRecord): Promise<boolean> {
    const result = await http.send(d, clock.now(), stopping.signal);
    const now = clock.now();
    // Recording a success wakes the sender itself when a delivery waits behind it.
    if (result.ok) {
      await record(d.id, now);
      return false;
    }
    if (result.stopped) {
      await deliveries.release(d.id, owner);
      return true;
    }
    const delay = retryDelayMs(settings, d.attempts);
    if (delay !== null) {
      await deliveries.retryLater(d, owner, { now, error: result.error, nextAttemptAt: now + delay });
      loop.wakeAt(now + delay, now);
      return true;
    }
    const out = await deliveries.exhausted(d, owner, { now, error: result.error }, deps.deliveryFailed(d, result.error, now));
    if (out?.step) deps.committed(out.step);
    return true;
  }

  function send(d: DeliveryRecord) {
    const p: Promise<void> = finish(d)
      .catch(onError)
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  async function tick(): Promise<boolean> {
    const now = clock.now();
    if (now - lastSweep >= ORPHAN_SWEEP_MS && store.capabilities.supportsSkipLocked) {
      lastSweep = now;
      await deliveries.releaseOrphans({ self: owner, liveSince: now - NODE_DEAD_MS });
    }
    const max = Math.min(BATCH, MAX_IN_FLIGHT - inFlight.size);
    if (max <= 0) {
      full = true;
      return false;
    }
    const claimed = await deliveries.claim({ now, owner, leaseExpiresAt: now + settings.callbackTimeoutMs + LEASE_MARGIN_MS, max });
    for (const d of claimed) send(d);
    // A full batch claims again at once; one cut short by the in-flight limit, when a send finishes.
    if (claimed.length === max && max < BATCH) full = true;
    return claimed.length === max && max === BATCH;
  }

  const loop = createPollLoop(tick, POLL_MS, onError);
  // A step (on any node) that wrote deliveries no sender holds yet wakes this sender: the others
  // were inserted already claimed by the node that made the step, which sends them itself.
  let offChanged: (() => void) | null = null;

  return {
    start() {
      // Claims of an earlier run (of this node id, or of any on a single-node store) were freed when the engine was created.
      running = !stopping.signal.aborted;
      loop.start();
      offChanged = bus.on('process:changed', (e) => {
        if (e.unclaimed > 0) loop.wake();
      });
    },
    wake: () => loop.wake(),
    // With MAX_IN_FLIGHT sends running, a step's deliveries stay unclaimed in the outbox (the loop
    // claims them as sends finish) instead of queueing in memory behind the agent's connections,
    // where their leases would run out before they were sent: a backlog (10,000 overdue timers
    // after a restart) is bounded here by the steps of one group commit.
    lease: (now) => (running && inFlight.size < MAX_IN_FLIGHT ? { owner, expiresAt: now + settings.callbackTimeoutMs + LEASE_MARGIN_MS } : null),
    sendClaimed(ds) {
      for (const d of ds) send(d);
    },
    async stop() {
      running = false;
      offChanged?.();
      await loop.stop();
      stopping.abort();
      await Promise.allSettled([...inFlight]);
      await http.close();
    },
  };
}
