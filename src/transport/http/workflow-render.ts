import type { ProcessSummary, ProcessView } from '../../engine/process/index.js';
import type { DefinitionRecord, DeliveryRecord } from '../../storage/process-store.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

// A process launched from a stored definition shows that definition's revision as /v1/definitions
// does (a number); otherwise the definition's `revision` attribute as given (text), or null.
const revisionOf = (p: ProcessSummary) => (p.definition !== null && p.revision !== null && /^[1-9][0-9]{0,14}$/.test(p.revision) ? Number(p.revision) : p.revision);

export function renderProcessSummary(p: ProcessSummary) {
  return {
    id: p.wfid,
    name: p.name,
    revision: revisionOf(p),
    definition: p.definition,
    status: p.status,
    paused: p.paused,
    launched_at: iso(p.launchedAt),
    ended_at: iso(p.endedAt),
  };
}

export function renderProcess(p: ProcessView) {
  return {
    ...renderProcessSummary(p),
    fields: p.fields,
    variables: p.variables,
    workitems: p.workitems.map((w) => ({
      workitem_id: w.workitemId,
      participant: w.participant,
      fields: w.fields,
      proceed_url: w.proceedUrl,
      dispatched_at: iso(w.dispatchedAt),
      delivery: w.delivery && {
        state: w.delivery.state,
        attempts: w.delivery.attempts,
        next_attempt_at: iso(w.delivery.nextAttemptAt),
        last_error: w.delivery.lastError,
      },
    })),
    errors: p.errors.map((e) => ({ id: e.id, expid: e.expid, message: e.message, at: iso(e.at) })),
    tree: p.tree,
    trace: p.trace,
  };
}

export function renderDefinition(d: DefinitionRecord, full: boolean) {
  const base = { name: d.name, revision: d.revision, created_at: iso(d.createdAt) };
  return full ? { ...base, workflow: d.source, tree: d.tree } : base;
}

/** A participant delivery (GET /v1/deliveries): `webhook_id` is the `webhook-id` header it is sent with. */
export function renderDelivery(d: DeliveryRecord) {
  return {
    webhook_id: d.webhookId,
    workflow_id: d.wfid,
    workitem_id: d.workitemId,
    participant: d.participant,
    status: d.status,
    url: d.url,
    state: d.state,
    attempts: d.attempts,
    next_attempt_at: d.state === 'pending' ? iso(d.nextAttemptAt) : null,
    last_error: d.lastError,
    created_at: iso(d.createdAt),
    finished_at: iso(d.finishedAt),
  };
}
