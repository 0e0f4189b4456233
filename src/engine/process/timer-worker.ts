import type { Store } from '../../storage/store.js';
import type { DueTimer, StepDecision, StepOutcome } from '../../storage/process-store.js';
import type { Clock } from '../clock.js';
import { createPollLoop } from './poll-loop.js';

// Fires durable process timers: each due timer row is deleted in the transaction that applies
// `{type: 'timer'}` to its process (the process row locked first, so two nodes never both fire it).

// Default 250 ms poll: a timer scheduled by another node fires at most this late; this node's own
// timers wake the loop at their due time.
const POLL_MS = 250;
// Default 256 due timers per tick, fired concurrently (one group commit on SQLite).
const BATCH = 256;
// A timer whose step fails (a bug, the database away) is tried again this much later.
const RETRY_MS = 1000;

export interface TimerWorker {
  start(): void;
  /** A timer due at `at` was scheduled on this node. */
  scheduled(at: number): void;
  stop(): Promise<void>;
}

export function createTimerWorker(deps: {
  store: Store;
  clock: Clock;
  onError: (err: unknown) => void;
  timerFired: (t: DueTimer, now: number) => StepDecision;
  committed: (outcome: StepOutcome) => void;
}): TimerWorker {
  const { store, clock, onError } = deps;
  const timers = store.processes.timers;

  async function tick(): Promise<boolean> {
    const now = clock.now();
    const due = await timers.due(now, BATCH);
    // PERF: the batch's timers fire concurrently, each in its own transaction (their processes are
    // locked one by one): on SQLite they share one group commit instead of one fsync each; on
    // PostgreSQL they spread over the pool. Sequential firing made 10,000 overdue timers take ~28 s.
    await Promise.all(
      due.map(async (t) => {
        try {
          const out = await timers.fire(t, now, deps.timerFired(t, now));
          if (out !== 'gone') deps.committed(out);
        } catch (err) {
          onError(err);
          await timers.postpone(t, now + RETRY_MS).catch(onError);
        }
      }),
    );
    return due.length === BATCH;
  }

  const loop = createPollLoop(tick, POLL_MS, onError);
  return {
    start: () => loop.start(),
    scheduled: (at) => loop.wakeAt(at, clock.now()),
    stop: () => loop.stop(),
  };
}
