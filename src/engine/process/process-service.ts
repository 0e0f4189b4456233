import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { launchProcess, stepProcess, type Fields, type ProcessEffect, type ProcessMessage, type ProcessState, type StepContext, type Tree } from '../../core/process/interpreter/index.js';
import { makeWfid, parseWorkitemId } from '../../core/process/process-ids.js';
import { Forbidden } from '../../core/errors.js';
import { IdempotencyKeyReused } from '../../core/idempotency-key.js';
import type { Store } from '../../storage/store.js';
import type { DefinitionRecord, DeliveryRecord, ProcessRecord, StepDecision, StepOutcome, StepWrite } from '../../storage/process-store.js';
import type { Settings } from '../settings.js';
import type { Clock } from '../clock.js';
import type { EventBus } from '../event-bus.js';
import { DefinitionNotFound, DefinitionUnknown, DeliveryNotPending, WorkflowIdMismatched, WorkflowIdNotFound, WorkflowNotFound, WorkitemNotFound, refusal } from './process-errors.js';
import { readWorkflow, type LaunchInput } from './process-request.js';
import { beforeStep, toStepWrite, type StepBefore, type StepEnv } from './process-step.js';
import { summarise, viewProcess, type ProcessSummary, type ProcessView } from './process-view.js';
import { createDeliveryWorker, type DeliveryWorker } from './delivery-worker.js';
import { createTimerWorker, type TimerWorker } from './timer-worker.js';
import type { DeliveryHttp } from './delivery-http.js';
import type { DeliveryFilter } from '../../storage/process-delivery-store.js';

/** Who may proceed a workitem: a key's workspace, or the token of its proceed_url. */
/** The proceed_url's token, an API key's workspace, or both (then either lets the proceed through). */
export type ProceedAccess = { ws: number; token?: undefined } | { token: string; ws?: number };

export interface ProcessService {
  launch(ws: number, input: LaunchInput): Promise<{ wfid: string }>;
  get(ws: number, wfid: string): Promise<ProcessView>;
  list(ws: number, status: string | null): Promise<ProcessSummary[]>;
  proceed(wfid: string, workitemId: string, fields: Fields | undefined, access: ProceedAccess): Promise<void>;
  cancel(ws: number, wfid: string): Promise<void>;
  /** Cancels without on_cancel handlers and without cancel callbacks. */
  kill(ws: number, wfid: string): Promise<void>;
  pause(ws: number, wfid: string): Promise<void>;
  resume(ws: number, wfid: string): Promise<void>;
  replay(ws: number, wfid: string, errorId: string, input: { tree?: Tree; fields?: Fields }): Promise<void>;
  /** Sends a workitem's pending delivery now instead of at its next retry. */
  redeliver(ws: number, wfid: string, workitemId: string): Promise<void>;
  /** The workspace's participant deliveries in one state (GET /v1/deliveries). */
  deliveries(ws: number, filter: DeliveryFilter): Promise<DeliveryRecord[]>;
  saveDefinition(ws: number, name: string, workflow: unknown): Promise<DefinitionRecord>;
  getDefinition(ws: number, name: string): Promise<DefinitionRecord>;
  listDefinitions(ws: number): Promise<DefinitionRecord[]>;
  /** Starts the delivery and timer loops. */
  start(): void;
  stop(): Promise<void>;
}

export interface ProcessServiceDeps {
  store: Store;
  settings: Settings;
  clock: Clock;
  bus: EventBus;
  onError: (err: unknown) => void;
  /** Replaces the HTTP sender of participant deliveries (tests). */
  http?: DeliveryHttp;
}

// Default 500: GET /v1/workflows lists at most this many, newest first.
const LIST_LIMIT = 500;

/**
 * Random draws from the OS generator, taken from a 4 KiB pool. PERF: a subid draws 32 digits and
 * every delivery a token and a webhook-id; one crypto call costs ~8 µs here whatever its size, so
 * bytes come from the pool (refilled when used up) instead of one call per draw.
 */
function createRandom(): { int: (n: number) => number; base64url: (bytes: number) => string } {
  let pool = randomBytes(4096);
  let at = 0;
  return {
    /** An integer in [0, n); rejection sampling keeps it uniform. */
    int(n) {
      if (n > 256) return randomInt(n);
      const limit = 256 - (256 % n);
      for (;;) {
        if (at >= pool.length) {
          pool = randomBytes(4096);
          at = 0;
        }
        const b = pool[at++];
        if (b < limit) return b % n;
      }
    },
    base64url(bytes) {
      if (at + bytes > pool.length) {
        pool = randomBytes(4096);
        at = 0;
      }
      const s = pool.toString('base64url', at, at + bytes);
      at += bytes;
      return s;
    },
  };
}
const draws = createRandom();
const random = draws.int;
const ctxAt = (now: number): StepContext => ({ now, random });

/** The process name and revision Ruote reads from the root: `name` (or the first bare attribute) and `revision`. */
function nameOf(tree: Tree): { name: string | null; revision: string | null } {
  const atts = tree[1] ?? {};
  const bare = Object.entries(atts).find(([, v]) => v === null)?.[0];
  const name = atts.name ?? atts.process_name ?? bare;
  const revision = atts.revision ?? atts.rev;
  return { name: name === undefined || name === null ? null : String(name), revision: revision === undefined || revision === null ? null : String(revision) };
}

/** What makes two launches the same request: everything but the key, hashed. */
function launchHash(input: LaunchInput): string {
  const { workflow, definition, callback, callbacks, fields, variables } = input;
  return createHash('sha256').update(JSON.stringify([workflow ?? null, definition ?? null, callback ?? null, callbacks ?? null, fields, variables])).digest('base64url');
}

function tokenMatches(expected: string | undefined, given: string): boolean {
  if (expected === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createProcessService(deps: ProcessServiceDeps): ProcessService {
  const { store, settings, clock, bus, onError } = deps;
  const processes = store.processes;

  const env = (now: number): StepEnv => ({
    now,
    publicUrl: settings.publicUrl,
    newToken: () => draws.base64url(18),
    // PERF: the time first (base 36, which sorts alike in every collation), then 96 random bits: the
    // UNIQUE index on webhook_id grows at its right edge instead of taking a random page per delivery.
    newWebhookId: () => `msg_${now.toString(36).padStart(9, '0')}${draws.base64url(12)}`,
  });

  /** The rows of a step; its deliveries go out under this node's lease when the sender runs here. */
  function stepWrite(before: StepBefore | null, r: { state: ProcessState; effects: ProcessEffect[] }, now: number): StepWrite {
    const w = toStepWrite(before, r, env(now));
    const lease = w.deliveries.length > 0 ? deliveries.lease(now) : null;
    if (lease) w.lease = lease;
    return w;
  }

  /** Steps a process read for this step alone: its state is changed in place, after noting what the write needs of it. */
  function advance(p: ProcessRecord, msg: ProcessMessage, now: number) {
    const before = beforeStep(p);
    return { before, r: stepProcess(p.state, msg, ctxAt(now), { inPlace: true }) };
  }

  /** The decision of one message: the interpreter's refusal is thrown (the transaction rolls back). */
  const decideMessage =
    (msg: ProcessMessage, now: number, check?: (p: ProcessRecord) => void): StepDecision =>
    (p) => {
      check?.(p);
      const { before, r } = advance(p, msg, now);
      if ('error' in r) throw refusal(r.error.message);
      return stepWrite(before, r, now);
    };

  /** After the commit: send what this node claimed, wake the loops that have new rows to handle (listeners hear of it from the store's notification). */
  function changed(w: StepWrite, claimed: DeliveryRecord[]) {
    if (claimed.length > 0) deliveries.sendClaimed(claimed);
    if (w.deliveries.length > claimed.length) deliveries.wake();
    for (const t of w.schedule) timers.scheduled(t.dueAt);
  }
  const committed = (out: StepOutcome) => {
    if (out.write) changed(out.write, out.claimed);
  };

  const deliveries: DeliveryWorker = createDeliveryWorker({
    store,
    settings,
    clock,
    bus,
    onError,
    http: deps.http,
    committed,
    deliveryFailed: (d, error, now) => (p) => {
      const { before, r } = advance(p, { type: 'delivery_failed', workitemId: d.workitemId, message: error }, now);
      // The workitem is no longer waiting (proceeded or cancelled meanwhile): nothing to do.
      return 'error' in r ? null : stepWrite(before, r, now);
    },
  });
  const timers: TimerWorker = createTimerWorker({
    store,
    clock,
    onError,
    committed,
    timerFired: (t, now) => (p) => {
      const { before, r } = advance(p, { type: 'timer', timerId: t.timerId }, now);
      return 'error' in r ? null : stepWrite(before, r, now);
    },
  });

  async function send(ws: number | null, wfid: string, msg: ProcessMessage, missing: () => Error, check?: (p: ProcessRecord) => void) {
    const now = clock.now();
    const out = await processes.step(wfid, ws, now, decideMessage(msg, now, check));
    if (!out) throw missing();
    committed(out);
  }

  return {
    async launch(ws, input) {
      let tree: Tree;
      let meta: { name: string | null; revision: string | null; definition: string | null };
      if (input.definition !== undefined) {
        const def = await processes.definitions.latest(ws, input.definition);
        if (!def) throw DefinitionUnknown();
        tree = def.tree;
        meta = { name: def.name, revision: String(def.revision), definition: def.name };
      } else {
        tree = readWorkflow(input.workflow);
        meta = { ...nameOf(tree), definition: null };
      }
      const idempotency = input.idempotencyKey === undefined ? undefined : { key: input.idempotencyKey, requestHash: launchHash(input) };
      // A wfid is unique with overwhelming odds (5.8e14 a minute); a collision draws again (and so
      // does a launch that lost the race for its idempotency key: it then finds the winner's process).
      for (let i = 0; ; i++) {
        const now = clock.now();
        const wfid = makeWfid(now, random);
        const r = launchProcess(
          wfid,
          { type: 'launch', tree, fields: input.fields, variables: input.variables, callback: input.callback, callbacks: input.callbacks },
          ctxAt(now),
        );
        const write = stepWrite(null, r, now);
        const created = await processes.create({ wfid, ws, ...meta, launchedAt: now, idempotency }, write);
        if (created !== 'conflict' && 'existing' in created) {
          if (created.existing.requestHash !== idempotency?.requestHash) throw IdempotencyKeyReused();
          return { wfid: created.existing.wfid };
        }
        if (created !== 'conflict') {
          changed(write, created.claimed);
          return { wfid };
        }
        if (i >= 4) throw new Error('could not draw a free wfid');
      }
    },

    async get(ws, wfid) {
      const p = await processes.get(wfid);
      if (!p || p.ws !== ws) throw WorkflowNotFound();
      const active = Object.keys(p.state.workitems ?? {});
      return viewProcess(p, await processes.deliveries.latestActive(wfid, active), settings.publicUrl);
    },

    async list(ws, status) {
      return (await processes.list(ws, status, LIST_LIMIT)).map(summarise);
    },

    async proceed(wfid, workitemId, fields, access) {
      const ids = parseWorkitemId(workitemId);
      if (ids && ids.wfid !== wfid) throw WorkflowIdMismatched();
      if (!ids) throw WorkitemNotFound();
      const msg: ProcessMessage = fields === undefined ? { type: 'proceed', workitemId } : { type: 'proceed', workitemId, fields };
      // WORKAROUND: the interpreter queues every proceed that arrives while paused, even a second one
      // for the same workitem; the contract says a second proceed is an error.
      const once = (p: ProcessRecord) => {
        if (p.state.pausedMessages?.some((m) => m.type === 'proceed' && m.workitemId === workitemId)) throw WorkitemNotFound();
      };
      const token = access.token;
      if (token === undefined) return send(access.ws, wfid, msg, WorkitemNotFound, once);
      return send(null, wfid, msg, WorkitemNotFound, (p) => {
        const expected = p.tokens[workitemId];
        if (expected === undefined) throw WorkitemNotFound();
        if (p.ws !== access.ws && !tokenMatches(expected, token)) throw Forbidden();
        once(p);
      });
    },

    cancel: (ws, wfid) => send(ws, wfid, { type: 'cancel' }, WorkflowIdNotFound),
    kill: (ws, wfid) => send(ws, wfid, { type: 'kill' }, WorkflowIdNotFound),
    pause: (ws, wfid) => send(ws, wfid, { type: 'pause' }, WorkflowIdNotFound),
    resume: (ws, wfid) => send(ws, wfid, { type: 'resume' }, WorkflowIdNotFound),
    replay: (ws, wfid, errorId, input) => send(ws, wfid, { type: 'replay', errorId, ...input }, WorkflowIdNotFound),

    async redeliver(ws, wfid, workitemId) {
      const ids = parseWorkitemId(workitemId);
      if (ids && ids.wfid !== wfid) throw WorkflowIdMismatched();
      if (!(await processes.deliveries.retryNow(wfid, ws, workitemId, clock.now()))) throw DeliveryNotPending();
      deliveries.wake();
    },

    deliveries: (ws, filter) => processes.deliveries.list(ws, filter),

    async saveDefinition(ws, name, workflow) {
      const tree = readWorkflow(workflow);
      return processes.definitions.save(ws, name, workflow, tree, clock.now());
    },
    async getDefinition(ws, name) {
      const def = await processes.definitions.latest(ws, name);
      if (!def) throw DefinitionNotFound();
      return def;
    },
    listDefinitions: (ws) => processes.definitions.list(ws),

    start() {
      timers.start();
      deliveries.start();
    },
    async stop() {
      await deliveries.stop();
      await timers.stop();
    },
  };
}
