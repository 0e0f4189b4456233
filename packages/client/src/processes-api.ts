import type { Transport } from './rest-client.js';
import type { Definition, DefinitionSummary, Delivery, DeliveryFilter, LaunchInput, Process, ProcessStatus, ProcessSummary, ReplayInput } from './api-types.js';

export interface WorkflowsApi {
  /**
   * Launches a process; answers its wfid. With `idempotencyKey` (the Idempotency-Key header) the
   * request is retried like a read, since a repeat answers the process the first one started.
   */
  launch(input: LaunchInput, opts?: { idempotencyKey?: string }): Promise<{ id: string }>;
  list(status?: ProcessStatus): Promise<ProcessSummary[]>;
  get(wfid: string): Promise<Process>;
  /** Proceeds a workitem with an API key (participants use its proceed_url instead). */
  proceed(wfid: string, workitemId: string, fields?: Record<string, unknown>): Promise<void>;
  cancel(wfid: string): Promise<void>;
  kill(wfid: string): Promise<void>;
  pause(wfid: string): Promise<void>;
  resume(wfid: string): Promise<void>;
  replay(wfid: string, errorId: string, input?: ReplayInput): Promise<void>;
  /** Sends a workitem's pending delivery now instead of at its next retry. */
  redeliver(wfid: string, workitemId: string): Promise<void>;
  /** The workspace's participant deliveries in one state (default: pending, soonest due first). */
  deliveries(filter?: DeliveryFilter): Promise<Delivery[]>;
}

export interface DefinitionsApi {
  /** Stores a definition; every save of a name is a new revision. */
  save(input: { name: string; workflow: unknown }): Promise<DefinitionSummary>;
  list(): Promise<DefinitionSummary[]>;
  get(name: string): Promise<Definition>;
}

// The workflows API answers its actions with 201 `OK` (text).
const text = { parseAs: 'text' } as const;

export function createWorkflowsApi(t: Transport): WorkflowsApi {
  const { raw, unwrap, policy, creating } = t;
  const wf = (wfid: string) => ({ path: { wfid } });
  return {
    launch: (input, opts = {}) => unwrap<{ id: string }>(raw.POST('/v1/workflows', { body: input, ...creating(opts.idempotencyKey) })),
    list: async (status) => (await unwrap<{ workflows: ProcessSummary[] }>(raw.GET('/v1/workflows', { params: { query: status ? { status } : {} }, ...policy(true) }))).workflows,
    get: (wfid) => unwrap<Process>(raw.GET('/v1/workflows/{wfid}', { params: wf(wfid), ...policy(true) })),
    proceed: async (wfid, workitemId, fields) => {
      await unwrap(raw.POST('/v1/workflows/{wfid}/workitems/{workitem_id}/proceed', { params: { path: { wfid, workitem_id: workitemId } }, body: { fields }, ...text, ...policy(false) }));
    },
    cancel: async (wfid) => void (await unwrap(raw.POST('/v1/workflows/{wfid}/cancel', { params: wf(wfid), ...text, ...policy(false) }))),
    kill: async (wfid) => void (await unwrap(raw.POST('/v1/workflows/{wfid}/kill', { params: wf(wfid), ...text, ...policy(false) }))),
    pause: async (wfid) => void (await unwrap(raw.POST('/v1/workflows/{wfid}/pause', { params: wf(wfid), ...text, ...policy(false) }))),
    resume: async (wfid) => void (await unwrap(raw.POST('/v1/workflows/{wfid}/resume', { params: wf(wfid), ...text, ...policy(false) }))),
    redeliver: async (wfid, workitemId) => {
      await unwrap(raw.POST('/v1/workflows/{wfid}/workitems/{workitem_id}/redeliver', { params: { path: { wfid, workitem_id: workitemId } }, ...text, ...policy(false) }));
    },
    deliveries: async ({ failing, ...filter } = {}) => {
      const query = { ...filter, ...(failing !== undefined && { failing: failing ? ('true' as const) : ('false' as const) }) };
      return (await unwrap<{ deliveries: Delivery[] }>(raw.GET('/v1/deliveries', { params: { query }, ...policy(true) }))).deliveries;
    },
    replay: async (wfid, errorId, input = {}) => {
      await unwrap(raw.POST('/v1/workflows/{wfid}/errors/{id}/replay', { params: { path: { wfid, id: errorId } }, body: input, ...text, ...policy(false) }));
    },
  };
}

export function createDefinitionsApi(t: Transport): DefinitionsApi {
  const { raw, unwrap, policy } = t;
  return {
    save: (input) => unwrap<DefinitionSummary>(raw.POST('/v1/definitions', { body: input, ...policy(false) })),
    list: async () => (await unwrap<{ definitions: DefinitionSummary[] }>(raw.GET('/v1/definitions', policy(true)))).definitions,
    get: (name) => unwrap<Definition>(raw.GET('/v1/definitions/{name}', { params: { path: { name } }, ...policy(true) })),
  };
}
