import type { FlowErrorItem } from '../../core/flow/index.js';
import type { FlowHistoryRecord, FlowInstanceRecord, FlowSchemaRecord, SubjectRecord } from '../../storage/flow-store.js';

// How flows look on the wire (REST, /ws/flows and the 'flow:instance' event alike).

const iso = (ms: number) => new Date(ms).toISOString();

export interface InstanceView {
  [field: string]: unknown;
  id: string;
  flow: string;
  version: number;
  subject: string;
  state: string;
  steps: Record<string, string>;
  data: unknown;
  /** 1 at start, +1 per committed change: subscribers order changes by it. */
  seq: number;
  /** The steps active now, in schema order (a convenience; `steps` has every state). */
  active_steps: string[];
  created_at: string;
  updated_at: string;
}

export function renderInstance(i: FlowInstanceRecord): InstanceView {
  return {
    id: i.id,
    flow: i.flow,
    version: i.version,
    subject: i.subject,
    state: i.state,
    steps: i.steps,
    data: i.data,
    seq: i.seq,
    active_steps: Object.keys(i.steps).filter((s) => i.steps[s] === 'active'),
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
  };
}

export function renderSchema(s: FlowSchemaRecord) {
  return {
    identifier: s.identifier,
    version: s.version,
    name: s.body.name,
    description: s.body.description,
    steps: s.body.steps,
    transitions: s.body.transitions,
    created_at: iso(s.createdAt),
  };
}

export function renderSubject(s: SubjectRecord, instances: FlowInstanceRecord[]) {
  return { key: s.key, properties: s.properties, schema: s.schema, instances: instances.map(renderInstance), created_at: iso(s.createdAt), updated_at: iso(s.updatedAt) };
}

export function renderHistory(h: FlowHistoryRecord) {
  return { seq: h.seq, transition: h.transition, from: h.from, to: h.to, type: h.type, request_id: h.requestId, at: iso(h.at) };
}

/** The answer to a transition request; stored under its request id and returned again on a repeat. */
export type TransitionOutcome =
  | { result: 'success'; instance: InstanceView }
  | { result: 'failure'; status: number; code: string; message: string; errors: FlowErrorItem[] };
