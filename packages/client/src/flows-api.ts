import type { Transport } from './rest-client.js';
import type {
  FlowDefinitionInput, FlowInstance, FlowInstanceFilter, FlowSchema, HistoryEntry, Subject, SubjectInput, TransitionInput, TransitionNow, TransitionSuccess,
} from './api-types.js';
import { newRequestId } from './ids.js';

export interface FlowsRestApi {
  /** Creates a flow, or adds the next version of an existing identifier. */
  define(input: FlowDefinitionInput): Promise<FlowSchema>;
  list(): Promise<FlowSchema[]>;
  /** The latest version, or the given one. */
  get(identifier: string, version?: number): Promise<FlowSchema>;
}

export interface SubjectsApi {
  /** Identify or update: properties replace the stored ones; schema null removes it. */
  put(key: string, input?: SubjectInput): Promise<Subject>;
  get(key: string): Promise<Subject>;
}

export interface FlowInstancesApi {
  start(input: { flow: string; subject: string; data?: unknown }): Promise<FlowInstance>;
  list(filter?: FlowInstanceFilter): Promise<FlowInstance[]>;
  get(id: string): Promise<FlowInstance>;
  history(id: string): Promise<HistoryEntry[]>;
  /** The manual transitions it offers now, each with whether it would fire given `input` (what a transition would carry). */
  transitionsNow(id: string, input?: unknown): Promise<TransitionNow[]>;
  /** Fires a manual transition. A request_id is added when missing so that a retry is applied once. */
  transition(id: string, input: TransitionInput): Promise<TransitionSuccess>;
  pause(id: string): Promise<FlowInstance>;
  resume(id: string): Promise<FlowInstance>;
  exit(id: string): Promise<FlowInstance>;
}

export function createFlowsRestApi(t: Transport): FlowsRestApi {
  const { raw, unwrap, policy } = t;
  return {
    define: (input) => unwrap<FlowSchema>(raw.POST('/v1/flows', { body: input, ...policy(false) })),
    list: async () => (await unwrap<{ flows: FlowSchema[] }>(raw.GET('/v1/flows', policy(true)))).flows,
    get: (identifier, version) =>
      version === undefined
        ? unwrap<FlowSchema>(raw.GET('/v1/flows/{identifier}', { params: { path: { identifier } }, ...policy(true) }))
        : unwrap<FlowSchema>(raw.GET('/v1/flows/{identifier}/versions/{version}', { params: { path: { identifier, version: String(version) } }, ...policy(true) })),
  };
}

export function createSubjectsApi(t: Transport): SubjectsApi {
  const { raw, unwrap, policy } = t;
  return {
    put: (key, input = {}) => unwrap<Subject>(raw.PUT('/v1/subjects/{key}', { params: { path: { key } }, body: input, ...policy(true) })),
    get: (key) => unwrap<Subject>(raw.GET('/v1/subjects/{key}', { params: { path: { key } }, ...policy(true) })),
  };
}

export function createFlowInstancesApi(t: Transport): FlowInstancesApi {
  const { raw, unwrap, policy } = t;
  const path = (id: string) => ({ path: { id } });
  return {
    start: (input) => unwrap<FlowInstance>(raw.POST('/v1/flow-instances', { body: input, ...policy(false) })),
    list: async (filter = {}) => (await unwrap<{ instances: FlowInstance[] }>(raw.GET('/v1/flow-instances', { params: { query: filter }, ...policy(true) }))).instances,
    get: (id) => unwrap<FlowInstance>(raw.GET('/v1/flow-instances/{id}', { params: path(id), ...policy(true) })),
    history: async (id) => (await unwrap<{ history: HistoryEntry[] }>(raw.GET('/v1/flow-instances/{id}/history', { params: path(id), ...policy(true) }))).history,
    transitionsNow: async (id, input) =>
      (
        await unwrap<{ transitions: TransitionNow[] }>(
          raw.GET('/v1/flow-instances/{id}/transitions', { params: { ...path(id), query: input === undefined ? {} : { input: JSON.stringify(input) } }, ...policy(true) }),
        )
      ).transitions,
    transition: (id, input) =>
      unwrap<TransitionSuccess>(raw.POST('/v1/flow-instances/{id}/transitions', { params: path(id), body: { ...input, request_id: input.request_id ?? newRequestId() }, ...policy(true) })),
    // Pausing, resuming and exiting twice answer 409 the second time: not retried after a network error.
    pause: (id) => unwrap<FlowInstance>(raw.POST('/v1/flow-instances/{id}/pause', { params: path(id), ...policy(false) })),
    resume: (id) => unwrap<FlowInstance>(raw.POST('/v1/flow-instances/{id}/resume', { params: path(id), ...policy(false) })),
    exit: (id) => unwrap<FlowInstance>(raw.POST('/v1/flow-instances/{id}/exit', { params: path(id), ...policy(false) })),
  };
}
