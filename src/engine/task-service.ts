import { setMaxListeners } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Store } from '../storage/store.js';
import type { ClaimRequest, CompleteItem, LeaseCheck, NewTask, TaskRecord } from '../storage/task-store.js';
import type { Settings } from './settings.js';
import type { Clock } from './clock.js';
import type { EventBus } from './event-bus.js';
import { createCoalescer } from './coalesce.js';
import { retryDecision } from '../core/queue/task-backoff.js';
import { IdempotencyKeyReused } from '../core/idempotency-key.js';
import { TaskDispatched, TaskLeaseLost, TaskNotFound, TaskNotRunning, type ClaimInput, type TaskInput } from '../core/queue/task-request.js';

export interface TaskService {
  create(ws: number, input: TaskInput): Promise<TaskRecord>;
  /** Enqueues several tasks in one transaction; ids are consecutive, in the order given. */
  createMany(ws: number, inputs: TaskInput[]): Promise<TaskRecord[]>;
  list(ws: number): Promise<TaskRecord[]>;
  get(ws: number, id: number): Promise<TaskRecord>;
  remove(ws: number, id: number): Promise<void>;
  flush(ws: number): Promise<void>;
  /** Claims for an external worker; waits up to input.waitMs for work when none is due. */
  claim(ws: number, input: ClaimInput, signal?: AbortSignal): Promise<TaskRecord[]>;
  /**
   * A claim that counts the slots freed by acknowledgements already issued (`finishing`: their
   * outcomes). With one writer it waits only until they are queued ahead of it, so they share a
   * commit (and its fsync); otherwise until they are committed.
   */
  claimAfter(ws: number, finishing: ReadonlyArray<Promise<unknown>>, input: ClaimInput, signal?: AbortSignal): Promise<TaskRecord[]>;
  /**
   * Completions, then a claim that counts the slots they freed (a worker's finish-and-fetch-more):
   * one outcome per item, as complete() answers, and the claim's tasks, as claim() answers. With one
   * writer, the completions go through the acknowledgement batches and the claim is queued behind
   * them (one commit); otherwise completions and the claim's first attempt are one transaction.
   */
  completeAndClaim(ws: number, items: readonly CompleteItem[], input: ClaimInput, signal?: AbortSignal): { completed: Array<Promise<TaskRecord>>; claimed: Promise<TaskRecord[]> };
  heartbeat(ws: number, id: number, token: string | null): Promise<TaskRecord>;
  complete(ws: number, id: number, token: string | null, result: unknown): Promise<TaskRecord>;
  fail(ws: number, id: number, token: string | null, error: unknown, retryable: boolean): Promise<TaskRecord>;
  release(ws: number, id: number, token: string | null): Promise<TaskRecord>;
  /** Lease expiry sweep; called by the engine's background loop. */
  expireLeases(): Promise<number>;
  /**
   * Shutting down: claims waiting for work answer now with what they have (none), so the requests
   * and sockets holding them can finish (a 30 s long poll held the shutdown past its force exit).
   * Resolves once every waiting claim has its answer.
   */
  stopWaiting(): Promise<void>;
}

const BATCH_MAX = 500;

export const newLeaseToken = () => randomBytes(12).toString('base64url');

export function createTaskService(deps: { store: Store; settings: Settings; clock: Clock; bus: EventBus }): TaskService {
  const { store, settings, clock, bus } = deps;
  const decide = () => retryDecision(clock.now(), settings.taskBackoffMs, Math.random);

  function check(id: number, r: TaskRecord | LeaseCheck): TaskRecord {
    if (r === 'not_found') throw TaskNotFound(id);
    if (r === 'not_running') throw TaskNotRunning(id);
    if (r === 'lease_lost') throw TaskLeaseLost(id);
    return r;
  }

  // Enqueues and acknowledgements arriving together share one transaction per workspace (default
  // at most 500 per batch): see coalesce.ts.
  const serial = !store.capabilities.serialWriter;
  const enqueue = createCoalescer<NewTask, TaskRecord>(BATCH_MAX, serial, (ws, tasks) => store.tasks.createMany(ws, tasks, clock.now()));
  const acknowledge = createCoalescer<CompleteItem, TaskRecord | LeaseCheck>(BATCH_MAX, serial, (ws, items) => store.tasks.completeMany(ws, items, clock.now()));

  const newTask = (input: TaskInput): NewTask => {
    const t: NewTask = { name: input.name, type: input.type, payload: input.payload, maxAttempts: input.maxAttempts ?? settings.taskMaxAttempts };
    if (input.idempotencyKey !== undefined) t.idempotencyKey = input.idempotencyKey;
    return t;
  };
  /** Whether a key's task is what this request would have created. */
  const sameTask = (t: NewTask, task: TaskRecord) =>
    task.name === t.name && task.type === t.type && task.maxAttempts === t.maxAttempts && JSON.stringify(task.payload) === JSON.stringify(t.payload);

  const claimRequest = (ws: number, input: ClaimInput, now: number): ClaimRequest => ({
    ws,
    types: input.types,
    max: input.max,
    cap: settings.maxRunningPerWorkspace,
    runner: 'external',
    owner: settings.nodeId,
    workerId: input.workerId,
    leaseExpiresAt: now + settings.taskLeaseMs,
    now,
    newToken: newLeaseToken,
  });

  const claimNow = (ws: number, input: ClaimInput) => store.tasks.claim(claimRequest(ws, input, clock.now()));
  const stopping = new AbortController();
  // Every waiting claim listens to it: no listener limit (EventTarget warns past 10).
  setMaxListeners(0, stopping.signal);

  // Claims waiting for work, so that a shutdown can wait for their answers.
  const waiting = new Set<Promise<TaskRecord[]>>();

  /** Claims until there are tasks or the deadline passes; `first`: the outcome of a first attempt already made. */
  function claimUntil(ws: number, input: ClaimInput, deadline: number, signal: AbortSignal | undefined, first: TaskRecord[] | null): Promise<TaskRecord[]> {
    const claim = claimLoop(ws, input, deadline, signal, first);
    waiting.add(claim);
    const forget = () => void waiting.delete(claim);
    claim.then(forget, forget);
    return claim;
  }

  async function claimLoop(ws: number, input: ClaimInput, deadline: number, signal: AbortSignal | undefined, first: TaskRecord[] | null): Promise<TaskRecord[]> {
    for (;;) {
      const tasks = first ?? (await claimNow(ws, input));
      first = null;
      const left = deadline - clock.now();
      if (tasks.length > 0 || left <= 0 || signal?.aborted || stopping.signal.aborted) return tasks;
      // Wait for a hint that work may be there, or poll again: a retry's backoff ends without an event,
      // and on PostgreSQL another node may have enqueued. Default 250 ms poll.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          off();
          signal?.removeEventListener('abort', done);
          stopping.signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 250));
        const off = bus.on('task:available', (e) => {
          if (e.ws === null || e.ws === ws) done();
        });
        signal?.addEventListener('abort', done);
        stopping.signal.addEventListener('abort', done);
      });
    }
  }

  const service: TaskService = {
    async create(ws, input) {
      const t = newTask(input);
      const task = await enqueue(ws, t);
      // The key's task, created now or before: the same request, or another one under the same key.
      // Nothing was created for it either way (in a coalesced batch the other requests go on).
      if (t.idempotencyKey !== undefined && !sameTask(t, task)) throw IdempotencyKeyReused();
      return task;
    },
    async createMany(ws, inputs) {
      // All or none: an item whose key a different task holds rolls the batch back.
      return store.tasks.createMany(ws, inputs.map(newTask), clock.now(), (item, task, index) => {
        if (!sameTask(item, task)) throw IdempotencyKeyReused({ details: { index } });
      });
    },
    list: (ws) => store.tasks.list(ws),
    async get(ws, id) {
      const t = await store.tasks.get(ws, id);
      if (!t) throw TaskNotFound(id);
      return t;
    },
    async remove(ws, id) {
      const r = await store.tasks.deleteQueued(ws, id);
      if (r === 'not_found') throw TaskNotFound(id);
      if (r === 'dispatched') throw TaskDispatched(id);
    },
    async flush(ws) {
      await store.tasks.flush(ws, clock.now());
    },
    async claim(ws, input, signal) {
      return claimUntil(ws, input, clock.now() + input.waitMs, signal, null);
    },
    async claimAfter(ws, finishing, input, signal) {
      if (store.capabilities.serialWriter) await acknowledge.handedOver(ws);
      else await Promise.allSettled(finishing);
      return service.claim(ws, input, signal);
    },
    completeAndClaim(ws, items, input, signal) {
      if (store.capabilities.serialWriter || items.length === 0) {
        const completed = items.map((it) => service.complete(ws, it.id, it.token, it.result));
        return { completed, claimed: service.claimAfter(ws, completed, input, signal) };
      }
      // PERF: on PostgreSQL the completions and the claim are one transaction, two round trips
      // (the acknowledgement batch and the claim after it were two transactions, four).
      const now = clock.now();
      const both = store.tasks.completeAndClaim(ws, items, now, claimRequest(ws, input, now));
      return {
        completed: items.map((it, i) => both.then((r) => check(it.id, r.outcomes[i]))),
        claimed: both.then((r) => claimUntil(ws, input, now + input.waitMs, signal, r.claimed)),
      };
    },
    async heartbeat(ws, id, token) {
      const now = clock.now();
      return check(id, await store.tasks.heartbeat(ws, id, { token, now, leaseExpiresAt: now + settings.taskLeaseMs }));
    },
    async complete(ws, id, token, result) {
      return check(id, await acknowledge(ws, { id, token, result }));
    },
    async fail(ws, id, token, error, retryable) {
      return check(id, await store.tasks.fail(ws, id, { token, now: clock.now(), error, retryable, decide: decide() }));
    },
    async release(ws, id, token) {
      return check(id, await store.tasks.release(ws, id, { token, now: clock.now() }));
    },
    async expireLeases() {
      return (await store.tasks.expireLeases(clock.now(), decide(), 500)).length;
    },
    async stopWaiting() {
      stopping.abort();
      await Promise.allSettled([...waiting]);
    },
  };
  return service;
}
