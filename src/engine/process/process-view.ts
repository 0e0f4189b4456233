import { activeWorkitems, type Fields, type ProcessState, type Tree } from '../../core/process/interpreter/index.js';
import type { DeliveryView, ProcessRecord } from '../../storage/process-store.js';
import { proceedUrl } from './process-step.js';

/** A process as GET /v1/workflows/:wfid shows it (times in ms; the transport formats them). */
export interface ProcessView {
  wfid: string;
  name: string | null;
  revision: string | null;
  definition: string | null;
  status: string;
  paused: boolean;
  fields: Fields;
  variables: Record<string, unknown>;
  launchedAt: number;
  endedAt: number | null;
  workitems: WorkitemView[];
  errors: Array<{ id: string; expid: string; message: string; at: number }>;
  tree: Tree;
  trace: string[];
}

export interface WorkitemView {
  workitemId: string;
  participant: string;
  fields: Fields;
  proceedUrl: string | null;
  dispatchedAt: number;
  delivery: { state: string; attempts: number; nextAttemptAt: number | null; lastError: string | null } | null;
}

export type ProcessSummary = Omit<ProcessView, 'workitems' | 'errors' | 'tree' | 'trace' | 'fields' | 'variables'>;

/** The workitem fields the process holds now: its final fields once ended, else the root's. */
function currentFields(state: ProcessState): Fields {
  if (state.fields) return state.fields;
  const root = state.root ? state.expressions[state.root] : undefined;
  return root?.applied.fields ?? {};
}

export function summarise(p: ProcessRecord): ProcessSummary {
  return {
    wfid: p.wfid,
    name: p.name,
    revision: p.revision,
    definition: p.definition,
    status: p.status,
    paused: Boolean(p.state.paused),
    launchedAt: p.launchedAt,
    endedAt: p.endedAt,
  };
}

export function viewProcess(p: ProcessRecord, deliveries: Map<string, DeliveryView>, publicUrl: string): ProcessView {
  const s = p.state;
  return {
    ...summarise(p),
    fields: currentFields(s),
    variables: s.variables ?? {},
    workitems: activeWorkitems(s).map((w) => {
      const d = deliveries.get(w.workitemId);
      const token = p.tokens[w.workitemId];
      return {
        workitemId: w.workitemId,
        participant: w.participant,
        fields: w.fields,
        proceedUrl: token ? proceedUrl(publicUrl, p.wfid, w.workitemId, token) : null,
        dispatchedAt: w.dispatchedAt,
        delivery: d ? { state: d.state, attempts: d.attempts, nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt : null, lastError: d.lastError } : null,
      };
    }),
    errors: s.errors.map((e) => ({ id: e.id, expid: e.expid, message: e.message, at: e.at })),
    tree: s.tree,
    trace: s.trace,
  };
}
