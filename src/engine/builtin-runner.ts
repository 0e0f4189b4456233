import type { Store } from '../storage/store.js';
import type { TaskRecord } from '../storage/task-store.js';
import type { Settings } from './settings.js';
import type { Clock } from './clock.js';
import type { EventBus } from './event-bus.js';
import { newLeaseToken } from './task-service.js';

/**
 * The built-in runner gives the out-of-the-box behaviour: it claims catalog tasks (not those
 * served by external workers), "runs" each for a random time uniform in [0, max) of its type
 * (times WEFT_TASK_TIME_SCALE), then completes it. Its tasks are held under this node's
 * heartbeat: if the node dies, another node (or this one, restarted) queues them again.
 */
export interface BuiltinRunner {
  start(): void;
  /** Stops claiming and hands running tasks back to the queue. */
  stop(): Promise<void>;
  /** Wakes the claim loop (tests, events). */
  poke(): void;
}

// Default 250 ms: how often the runner looks for due work without a wake-up event
// (retries whose backoff ended, tasks enqueued through another node).
const POLL_MS = 250;
// Default 64 tasks per claim: one transaction claims across workspaces, capped per workspace.
const CLAIM_BATCH = 64;
// Default 50 ms: after a claim that found nothing, wake-up events claim again at most this often.
// PERF: every commit that frees a slot or queues a task is such an event; with external workers
// acknowledging hundreds of times a second the runner's claims, finding nothing, cost ~45% more
// server CPU per task (75 → 108-116 µs draining 20,000 at c = 100 on SQLite).
const EMPTY_CLAIM_REST_MS = 50;

export function createBuiltinRunner(deps: { store: Store; settings: Settings; clock: Clock; bus: EventBus; random?: () => number; onError: (err: unknown) => void }): BuiltinRunner {
  const { store, settings, clock, bus } = deps;
  const random = deps.random ?? Math.random;
  const worker = new Set(settings.workerTypes);
  const types = [...settings.taskTypes.keys()].filter((t) => !worker.has(t));
  const running = new Map<string, { task: TaskRecord; timer: NodeJS.Timeout }>();
  let stopped = true;
  let busy = false;
  let again = false;
  let pollTimer: NodeJS.Timeout | null = null;
  let offAvailable: (() => void) | null = null;
  // When the last claim found nothing (else -Infinity), the wake-up waiting out the rest after it,
  // and whether a wake-up came while a claim ran (it is taken when that claim is done).
  let emptyAt = -Infinity;
  let restTimer: NodeJS.Timeout | null = null;
  let wokenWhileBusy = false;

  function wake() {
    if (busy) {
      wokenWhileBusy = true;
      return;
    }
    const wait = emptyAt + EMPTY_CLAIM_REST_MS - clock.now();
    if (wait <= 0) return void tick();
    restTimer ??= setTimeout(() => {
      restTimer = null;
      void tick();
    }, wait);
  }

  async function finish(task: TaskRecord, durationMs: number) {
    const key = `${task.ws}:${task.id}`;
    running.delete(key);
    if (stopped) return;
    try {
      await store.tasks.complete(task.ws, task.id, { token: task.leaseToken, now: clock.now(), result: { runner: 'builtin', node: settings.nodeId, duration_ms: durationMs } });
    } catch (err) {
      deps.onError(err);
    }
  }

  async function tick() {
    if (stopped) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        const now = clock.now();
        const claimed = await store.tasks.claim({
          ws: null,
          types,
          max: CLAIM_BATCH,
          cap: settings.maxRunningPerWorkspace,
          runner: 'builtin',
          owner: settings.nodeId,
          workerId: `builtin@${settings.nodeId}`,
          leaseExpiresAt: null,
          now,
          newToken: newLeaseToken,
        });
        for (const task of claimed) {
          const max = settings.taskTypes.get(task.type) ?? 0;
          const ms = Math.floor(random() * max * settings.taskTimeScale);
          const timer = setTimeout(() => void finish(task, ms), ms);
          running.set(`${task.ws}:${task.id}`, { task, timer });
        }
        emptyAt = claimed.length === 0 ? clock.now() : -Infinity;
        if (claimed.length === CLAIM_BATCH) again = true;
      } while (again && !stopped);
    } catch (err) {
      deps.onError(err);
    } finally {
      busy = false;
    }
    if (wokenWhileBusy && !stopped) {
      wokenWhileBusy = false;
      wake();
    }
  }

  function schedulePoll() {
    if (stopped) return;
    pollTimer = setTimeout(() => {
      void tick().finally(schedulePoll);
    }, POLL_MS);
  }

  return {
    start() {
      if (!settings.builtinRunner || types.length === 0 || !stopped) return;
      stopped = false;
      offAvailable = bus.on('task:available', wake);
      void tick();
      schedulePoll();
    },
    poke() {
      void tick();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      offAvailable?.();
      if (pollTimer) clearTimeout(pollTimer);
      if (restTimer) clearTimeout(restTimer);
      restTimer = null;
      while (busy) await new Promise((r) => setTimeout(r, 5));
      const held = [...running.values()];
      running.clear();
      for (const { task, timer } of held) {
        clearTimeout(timer);
        try {
          await store.tasks.release(task.ws, task.id, { token: task.leaseToken, now: clock.now() });
        } catch (err) {
          deps.onError(err);
        }
      }
    },
  };
}
