import './linear-regexp.js';
import { randomUUID } from 'node:crypto';
import type { Store } from '../storage/store.js';
import { createStore } from '../storage/store.js';
import { type Settings, storeOptions } from './settings.js';
import { type Clock, systemClock } from './clock.js';
import { createEventBus, type EventBus, type EventName } from './event-bus.js';
import { createAuthService, type AuthService } from './auth-service.js';
import { createTaskService, type TaskService } from './task-service.js';
import { createBuiltinRunner, type BuiltinRunner } from './builtin-runner.js';
import { createLogger, type Logger } from './logger.js';
import { createFlowService, type FlowService } from './flow/index.js';
import { createProcessService, type ProcessService } from './process/index.js';
import { createEndpointService, type EndpointService } from './endpoint/endpoint-service.js';
import { HEARTBEAT_MS, NODE_DEAD_MS } from './node-liveness.js';

/**
 * The engine: the imperative shell around the pure cores. It owns the store, the event bus,
 * each capability's service and the background loops, and stops them in reverse order of start
 * (DESIGN convention 13).
 */
export interface Engine {
  readonly settings: Settings;
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly log: Logger;
  readonly auth: AuthService;
  readonly tasks: TaskService;
  readonly runner: BuiltinRunner;
  readonly flows: FlowService;
  readonly processes: ProcessService;
  readonly endpoints: EndpointService;
  /** The key generated at first start (null when keys already existed). */
  readonly generatedKey: string | null;
  /** Starts background work (runner, sweeps, heartbeats). */
  start(): void;
  stop(): Promise<void>;
}

export interface EngineDeps {
  store?: Store;
  clock?: Clock;
  log?: Logger;
}

// Default 500 ms: expired external leases are noticed within this time.
const SWEEP_MS = 500;

export async function createEngine(settings: Settings, deps: EngineDeps = {}): Promise<Engine> {
  const log = deps.log ?? createLogger(settings.logLevel, { node: settings.nodeId });
  const clock = deps.clock ?? systemClock;
  const store =
    deps.store ??
    (await createStore(storeOptions(settings)));
  await store.migrate();
  const bus = createEventBus();
  // Changes reach the bus from the store, after commit and in commit order, from every node.
  const offNotify = store.onNotify((event, payload) => bus.emit(event as EventName, payload as never));
  const auth = createAuthService(store, clock);
  const generatedKey = await auth.ensureKeys(settings.apiKeys);
  if (!generatedKey && (await store.auth.countActiveKeys()) === 0) {
    log.warn('every API key is revoked: nothing can call this server until `weft keys create` makes one');
  }
  const tasks = createTaskService({ store, settings, clock, bus });
  const onError = (err: unknown) => log.error({ err }, 'background work failed');
  const runner = createBuiltinRunner({ store, settings, clock, bus, onError });
  const flows = createFlowService({ store, clock, bus, newId: randomUUID });
  const processes = createProcessService({ store, settings, clock, bus, onError });
  const endpoints = createEndpointService({ store, settings, clock, bus });

  // A node restarting under the same id starts clean: no stream slots from its earlier life, and the
  // tasks and participant deliveries that life held (nothing is held by this run yet: it serves
  // nothing before this) are taken again at once, as are a dead node's. On SQLite no other node can
  // be alive: everything held is an earlier run's.
  await store.nodes.remove(settings.nodeId);
  await store.nodes.heartbeat(settings.nodeId, clock.now());
  const earlier = { self: settings.nodeId, liveSince: store.capabilities.singleNode ? null : clock.now() - NODE_DEAD_MS, selfToo: true };
  await store.tasks.requeueOrphans({ now: clock.now(), ...earlier });
  await store.processes.deliveries.releaseOrphans(earlier);

  const timers: NodeJS.Timeout[] = [];
  let started = false;
  let stopping = false;

  function every(ms: number, fn: () => Promise<unknown>) {
    let running = false;
    const t = setInterval(() => {
      if (running || stopping) return;
      running = true;
      fn()
        .catch(onError)
        .finally(() => (running = false));
    }, ms);
    t.unref();
    timers.push(t);
  }

  return {
    settings,
    store,
    bus,
    clock,
    log,
    auth,
    tasks,
    runner,
    processes,
    flows,
    endpoints,
    generatedKey,
    start() {
      if (started) return;
      started = true;
      runner.start();
      processes.start();
      every(SWEEP_MS, () => tasks.expireLeases());
      every(HEARTBEAT_MS, async () => {
        const now = clock.now();
        await store.nodes.heartbeat(settings.nodeId, now);
        await store.tasks.requeueOrphans({ now, liveSince: now - NODE_DEAD_MS, self: settings.nodeId });
      });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      for (const t of timers) clearInterval(t);
      void tasks.stopWaiting();
      flows.stop();
      await processes.stop();
      await runner.stop();
      await endpoints.close();
      await store.nodes.remove(settings.nodeId).catch(onError);
      offNotify();
      await store.close();
    },
  };
}
