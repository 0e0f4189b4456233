import {
  applyTransition,
  compileFlowSchema,
  exitInstance,
  FlowSchemaInvalid,
  pauseInstance,
  resumeInstance,
  startInstance,
  transitionsNow,
  type FlowFailure,
  type TransitionNow,
  type FlowResult,
  type FlowSnapshot,
} from '../../core/flow/index.js';
import { WeftError } from '../../core/errors.js';
import type { Store } from '../../storage/store.js';
import type { FlowInstanceRecord, InstanceFilter, SubjectUpdate } from '../../storage/flow-store.js';
import type { Clock } from '../clock.js';
import type { EventBus } from '../event-bus.js';
import { MAX_IDENTIFIER, type StartInput, type TransitionInput } from './flow-input.js';
import { FlowAlreadyStarted, FlowInstanceNotFound, FlowNotFound, FlowVersionNotFound, SubjectNotFound } from './flow-request-errors.js';
import { renderHistory, renderInstance, renderSchema, renderSubject, type InstanceView, type TransitionOutcome } from './flow-render.js';
import { createKeyedQueue } from './keyed-queue.js';
import { createSubjectValidator } from './subject-schema.js';

export type FlowView = ReturnType<typeof renderSchema>;
export type SubjectView = ReturnType<typeof renderSubject>;
export type HistoryView = ReturnType<typeof renderHistory>;

export interface FlowService {
  /** Stops relaying changes to the bus. */
  stop(): void;
  /** Compiles and stores the next version of a flow schema; FlowSchemaInvalid (400, details.errors) when invalid. */
  define(ws: number, body: unknown): Promise<FlowView>;
  list(ws: number): Promise<FlowView[]>;
  /** The latest version when `version` is null. */
  get(ws: number, identifier: string, version: number | null): Promise<FlowView>;
  /** Creates or updates a subject; SubjectInvalid (400, details.errors) when its properties fail its schema. */
  putSubject(ws: number, key: string, update: SubjectUpdate): Promise<SubjectView>;
  subject(ws: number, key: string): Promise<SubjectView>;
  /** Starts an instance on the flow's latest version, automatic transitions applied. */
  start(ws: number, input: StartInput): Promise<InstanceView>;
  instance(ws: number, id: string): Promise<InstanceView>;
  instances(ws: number, filter: InstanceFilter): Promise<InstanceView[]>;
  history(ws: number, id: string): Promise<HistoryView[]>;
  /** The manual transitions the instance offers now, each with whether it would fire with `input`. */
  transitionsNow(ws: number, id: string, input?: unknown): Promise<TransitionNow[]>;
  /**
   * Applies a manual transition. Failures of the rules are answers, not exceptions; an unknown
   * instance throws FlowInstanceNotFound. A repeated request id returns the first answer.
   */
  transition(ws: number, id: string, input: TransitionInput): Promise<TransitionOutcome>;
  pause(ws: number, id: string): Promise<InstanceView>;
  resume(ws: number, id: string): Promise<InstanceView>;
  exit(ws: number, id: string): Promise<InstanceView>;
  /**
   * Runs `register` once every change committed before the call has been relayed to the bus, and
   * before any later one is: a subscriber added there sees exactly the changes committed after it
   * asked. Changes reach the bus from the store's notifications, so this is a marker notification
   * that travels behind them (bounded by SUBSCRIBE_SYNC_MS when notifications are not arriving).
   */
  afterCommitted(register: () => void): Promise<void>;
}

export interface FlowServiceDeps {
  store: Store;
  clock: Clock;
  bus: EventBus;
  /** Instance ids (UUIDs). */
  newId: () => string;
}

/** Longest a subscribe waits for its marker notification (the LISTEN connection may be away): 2 s. */
const SUBSCRIBE_SYNC_MS = 2000;

/** Subject instances listed with a subject: default at most 1,000. */
const SUBJECT_INSTANCES = 1000;

export function createFlowService(deps: FlowServiceDeps): FlowService {
  const { store, clock, bus, newId } = deps;
  const serial = createKeyedQueue();
  const subjects = createSubjectValidator();

  // Changes reach subscribers from the store's notifications (after commit, in commit order, from
  // every node), one at a time so that an instance fetched by reference cannot overtake the next.
  // PERF: a change's record is rendered once, for its answer and for its event (on SQLite the
  // notification carries the very record the answer was rendered from).
  const views = new WeakMap<FlowInstanceRecord, InstanceView>();
  const view = (i: FlowInstanceRecord): InstanceView => {
    let v = views.get(i);
    if (v === undefined) views.set(i, (v = renderInstance(i)));
    return v;
  };

  let relay: Promise<void> = Promise.resolve();
  // Relay steps queued and not yet run: while there are none, a notification that carries its record
  // is relayed at once (PERF: no promise per change); otherwise it queues behind them.
  let queued = 0;
  const later = (step: () => void | Promise<void>) => {
    queued++;
    relay = relay.then(async () => {
      try {
        await step();
      } catch {
        // A step's failure is its own; the relay goes on.
      } finally {
        queued--;
      }
    });
  };
  const markers = new Map<string, () => void>();
  const emit = (ws: number, fired: number, instance: FlowInstanceRecord) => {
    bus.emit('flow:instance', { ws, instance: view(instance) });
    if (fired > 0) bus.emit('flow:transition', { ws, instanceId: instance.id, count: fired });
  };
  const offRecord = store.onNotify((event, payload) => {
    if (event === 'flow:marker') {
      const reached = markers.get((payload as { id: string }).id);
      if (reached) later(reached);
      return;
    }
    if (event !== 'flow:record') return;
    const note = payload as { ws: number; fired: number; instance?: FlowInstanceRecord; ref?: { id: string } };
    const inline = note.instance;
    if (inline && queued === 0) return emit(note.ws, note.fired, inline);
    later(async () => {
      const instance = inline ?? (note.ref ? await store.flows.getInstance(note.ws, note.ref.id).catch(() => null) : null);
      if (instance) emit(note.ws, note.fired, instance);
    });
  });


  async function lifecycle(ws: number, id: string, change: (s: FlowSnapshot) => FlowResult): Promise<InstanceView> {
    return serial(id, async () => {
      const r = await store.flows.mutateInstance(ws, id, {
        requestId: null,
        now: clock.now(),
        decide: ({ instance }) => change({ state: instance.state, steps: instance.steps, data: instance.data }),
        outcome: () => null,
      });
      if (r.kind === 'not_found') throw FlowInstanceNotFound(id);
      if (r.kind !== 'done') throw new Error('unexpected replay without a request id');
      if (!r.result.ok) throw failureError(r.result);
      return view(r.instance);
    });
  }

  return {
    async define(ws, body) {
      const compiled = compileFlowSchema(body);
      if (!compiled.ok) throw FlowSchemaInvalid({ details: { errors: compiled.errors } });
      if (compiled.schema.identifier.length > MAX_IDENTIFIER) {
        throw FlowSchemaInvalid({ details: { errors: [{ code: 'too_long', message: `flow identifier is longer than ${MAX_IDENTIFIER} characters`, path: '/identifier' }] } });
      }
      return renderSchema(await store.flows.insertSchema(ws, compiled.schema, clock.now()));
    },

    async list(ws) {
      return (await store.flows.listSchemas(ws)).map(renderSchema);
    },

    async get(ws, identifier, version) {
      const found = await store.flows.getSchema(ws, identifier, version);
      if (found) return renderSchema(found);
      if (version !== null && (await store.flows.getSchema(ws, identifier, null))) throw FlowVersionNotFound(identifier, String(version));
      throw FlowNotFound(identifier);
    },

    async putSubject(ws, key, update) {
      // A new schema is compiled before the transaction so that a broken one is refused up front.
      if (update.schema !== undefined && update.schema !== null) subjects.compile(update.schema);
      const r = await store.flows.putSubject(ws, key, update, (properties, schema) => subjects.check(properties, schema), clock.now());
      if ('invalid' in r) throw r.invalid;
      return renderSubject(r, await store.flows.listInstances(ws, { subject: key, limit: SUBJECT_INSTANCES, offset: 0 }));
    },

    async subject(ws, key) {
      const s = await store.flows.getSubject(ws, key);
      if (!s) throw SubjectNotFound(key);
      return renderSubject(s, await store.flows.listInstances(ws, { subject: key, limit: SUBJECT_INSTANCES, offset: 0 }));
    },

    async start(ws, input) {
      const now = clock.now();
      const r = await store.flows.startInstance(ws, {
        id: newId(),
        flow: input.flow,
        subject: input.subject,
        now,
        start: (schema, subject) => startInstance(schema, { subject, now, data: input.data }),
      });
      if (r.kind === 'flow_not_found') throw FlowNotFound(input.flow);
      if (r.kind === 'exists') throw FlowAlreadyStarted(input.flow, input.subject, { details: { flow_instance_id: r.id } });
      if (r.kind === 'failed') throw failureError(r.result);
      return view(r.instance);
    },

    async instance(ws, id) {
      const i = await store.flows.getInstance(ws, id);
      if (!i) throw FlowInstanceNotFound(id);
      return renderInstance(i);
    },

    async instances(ws, filter) {
      return (await store.flows.listInstances(ws, filter)).map(renderInstance);
    },

    async history(ws, id) {
      const h = await store.flows.history(ws, id);
      if (!h) throw FlowInstanceNotFound(id);
      return h.map(renderHistory);
    },

    async transitionsNow(ws, id, input) {
      const i = await store.flows.getInstance(ws, id);
      if (!i) throw FlowInstanceNotFound(id);
      const [schema, subject] = await Promise.all([store.flows.getSchema(ws, i.flow, i.version), store.flows.getSubject(ws, i.subject)]);
      if (!schema) throw new Error(`flow ${i.flow} version ${i.version} is missing`);
      return transitionsNow(schema.body, { state: i.state, steps: i.steps, data: i.data }, { subject: subject?.properties ?? {} }, input ?? {});
    },

    async transition(ws, id, input) {
      return serial(id, async () => {
        const now = clock.now();
        const r = await store.flows.mutateInstance<TransitionOutcome>(ws, id, {
          requestId: input.idempotencyKey ?? input.requestId,
          now,
          decide: ({ schema, instance, subject }) =>
            applyTransition(
              schema,
              { state: instance.state, steps: instance.steps, data: instance.data },
              { transition: input.transition, step: input.step, input: input.input, requestId: input.requestId },
              { subject, now },
            ),
          outcome: (a) =>
            a.ok
              ? { result: 'success', instance: view(a.instance) }
              : { result: 'failure', status: a.failure.status, code: a.failure.code, message: a.failure.message, errors: a.failure.errors },
        });
        if (r.kind === 'not_found') throw FlowInstanceNotFound(id);
        return r.outcome;
      });
    },

    stop: offRecord,
    afterCommitted(register) {
      const id = newId();
      return new Promise<void>((resolve) => {
        const done = () => {
          if (!markers.delete(id)) return;
          clearTimeout(timer);
          register();
          resolve();
        };
        const timer = setTimeout(done, SUBSCRIBE_SYNC_MS);
        markers.set(id, done);
        store.notify('flow:marker', { id });
      });
    },
    pause: (ws, id) => lifecycle(ws, id, pauseInstance),
    resume: (ws, id) => lifecycle(ws, id, resumeInstance),
    exit: (ws, id) => lifecycle(ws, id, exitInstance),
  };
}

/** A rule's failure as a coded error, for the routes that answer in the default error style. */
function failureError(f: FlowFailure): WeftError {
  return new WeftError(f.code, f.status, f.message, { details: { errors: f.errors } });
}
